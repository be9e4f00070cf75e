/**
 * Configuration from `SHOMEI_…` environment variables, validated once at start-up. A bad value stops
 * start-up with an error that names the setting and the reason (SHOMEI_CONFIG_INVALID).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { shomeiError } from '../errors/index.ts';
import { parseSettings } from './parse.ts';
import { type WorkConfig, workConfig } from './work.ts';

export { packageRoot } from './package-root.ts';
export { parseSettings } from './parse.ts';
export { prebuiltEntry } from './prebuilt.ts';
export { type WorkConfig, workSettingsSchema } from './work.ts';

export const ENVIRONMENTS = ['production', 'staging', 'development'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** Where SoftHSM2 is installed by Debian's package; any other module is chosen by SHOMEI_PKCS11_MODULE. */
export const SOFTHSM2_MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

export interface ShomeiConfig {
  readonly environment: Environment;
  /** The data directory: database (SQLite), SoftHSM2 token files, secrets, blobs. */
  readonly home: string;
  /** `sqlite:<path>` or `postgres://…`. */
  readonly databaseUrl: string;
  readonly pkcs11: {
    readonly modulePath: string;
    /** True when shomei manages a SoftHSM2 token directory under `home` itself. */
    readonly managedSoftHsm: boolean;
    readonly tokenLabel: string;
    /** File holding the token PINs (JSON, mode 0600). */
    readonly pinFile: string;
    /** Sessions kept open for concurrent signing; default: one per core, at least two. */
    readonly sessions: number;
    /** Seconds between the running server's HSM configuration checks (JT2A part III appendix 1 §7). */
    readonly configurationCheckSeconds: number;
  };
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly publicUrl: string;
  };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Audit trail and alerts (JT2A 7.1.4). */
  readonly audit: {
    /** Seconds between signed checkpoints of the audit chain (0: only at shutdown). */
    readonly checkpointIntervalSeconds: number;
    /** Years audit records are kept before they may be pruned (SHOMEI_RETENTION_YEARS, 7; production ≥ 7). */
    readonly retentionYears: number;
    /** Usual working hours for privileged actions, minutes after local midnight [start, end). */
    readonly businessHours: { readonly startMinute: number; readonly endMinute: number };
    /** IANA time zone the working hours are in. */
    readonly timeZone: string;
    /** Non-human speed: `events` of one type by one actor within `seconds`. */
    readonly rateLimit: { readonly events: number; readonly seconds: number };
    /** Administrators' addresses that alerts are mailed to. */
    readonly alertMailTo: readonly string[];
  };
  /** Privileged roles, dual control and maintenance terminals (JT2A 7.1.1, criterion 2.3.3). */
  readonly admin: {
    /** Hours a dual-control request waits for a second person's approval. */
    readonly approvalHours: number;
    /** Days a training record stays current for granting a privileged role (0: not required). */
    readonly trainingValidityDays: number;
    /** Development only: addresses allowed to reach /api/admin without a client certificate. */
    readonly allowedIps: readonly string[];
  };
  /** Remote signature service (CSC API v2, Signature Activation Module). */
  /** The key hierarchy (ADR 017). */
  readonly keys: {
    /**
     * Days a KEK epoch lasts before `shomei keys rotate-kek --if-due` starts the next one; a deleted
     * document's sealed key in an older backup opens at most this long (plus the rotation's grace).
     */
    readonly kekEpochDays: number;
    /** File outside the data directory where every key destruction and shredding is appended (ADR 032). */
    readonly destructionLog: string | undefined;
  };
  readonly rssp: {
    /** Lifetime of a SAD in seconds (credentials/authorize `expiresIn`). */
    readonly sadLifetimeSeconds: number;
    /** Wrong PIN/OTP attempts before a credential locks. */
    readonly maxFailedAttempts: number;
    /** Most signatures one authorisation may cover (credentials/info `multisign`). */
    readonly multisign: number;
    readonly accessTokenSeconds: number;
    /** Tenants allowed SCAL1 credentials (key authorisation level 1, JT2A 3.4); nobody by default. */
    readonly scal1Tenants: readonly string[];
    /** Seconds a "good" certificate status is reused by signHash/signDoc (0: ask the CA every call). */
    readonly certificateStatusCacheSeconds: number;
    /** Days before a signing certificate ends when its holder is mailed (once per threshold). */
    readonly expiryNoticeDays: readonly number[];
    /** Days after a signing certificate's end before its key is destroyed (practice statement). */
    readonly keyDestructionGraceDays: number;
    /** Seconds between checks for expired or CA-revoked certificates whose keys are still held. */
    readonly keySweepSeconds: number;
  };
  /** Accounts, sessions and lockout (identity module; JT2A 7.1.3). */
  readonly identity: {
    readonly sessionIdleMinutes: number;
    readonly sessionAbsoluteHours: number;
    /** Failed attempts before an account locks. */
    readonly lockoutThreshold: number;
    /** Lock period in minutes; 0 locks until an administrator unlocks. */
    readonly lockoutMinutes: number;
    /** Failed logins accepted from one address per 15 minutes. */
    readonly sourceFailureLimit: number;
    readonly activationHours: number;
    readonly dormantDays: number;
  };
  /** Outgoing mail: SMTP when SHOMEI_SMTP_URL is set, else (development only) the database outbox. */
  readonly mail: {
    /** Contains the SMTP password when one is used: never log it. */
    readonly smtpUrl: string | undefined;
    readonly from: string;
  };
  /** E-contract service (contracts module); published settings such as the input deletion time. */
  readonly contracts: {
    /** Largest PDF accepted per upload, bytes. */
    readonly maxDocumentBytes: number;
    /** Uploaded input of envelopes never sent is deleted after this many hours. */
    readonly unprocessedInputHours: number;
    /** Documents of declined, cancelled and expired envelopes are deleted this many days after closing. */
    readonly closedDocumentDays: number;
    /** Validity of e-mailed signing links, hours. */
    readonly linkValidityHours: number;
    /** Default retention of completed envelopes, years. */
    readonly retentionYears: number;
    /** Archive timestamps are renewed when the TSA certificate expires within this many days. */
    readonly archiveRenewalWindowDays: number;
    /** A completion claimed longer ago than this is taken to have died with its instance and resumed. */
    readonly completionLeaseSeconds: number;
  };
  /** PDF work on worker threads, the per-document decode budget, the verify rate limit (ADR 016). */
  readonly work: WorkConfig;
  /** Federated login (OpenID Connect relying party); undefined when not configured. */
  readonly oidc:
    | {
        readonly issuer: string;
        readonly clientId: string;
        readonly clientSecret: string;
        readonly multiFactorAcrValues: readonly string[];
      }
    | undefined;
}

const port = z.coerce.number().int().min(0).max(65535);

const schema = z.object({
  SHOMEI_ENV: z.enum(ENVIRONMENTS).default('development'),
  SHOMEI_HOME: z.string().min(1).default('./data'),
  SHOMEI_DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'must be sqlite:<path> or postgres://user@host/db')
    .optional(),
  SHOMEI_PKCS11_MODULE: z.string().min(1).optional(),
  SHOMEI_PKCS11_TOKEN_LABEL: z.string().min(1).max(32).default('shomei'),
  SHOMEI_PKCS11_PIN_FILE: z.string().min(1).optional(),
  SHOMEI_PKCS11_SESSIONS: z.coerce.number().int().min(1).max(256).optional(),
  SHOMEI_HSM_CHECK_SECONDS: z.coerce.number().int().min(60).max(86400).default(3600),
  SHOMEI_HOST: z.string().min(1).default('127.0.0.1'),
  SHOMEI_PORT: port.default(8080),
  SHOMEI_PUBLIC_URL: z.string().url().optional(),
  SHOMEI_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SHOMEI_AUDIT_CHECKPOINT_INTERVAL: z.coerce.number().int().min(0).max(86400).default(3600),
  SHOMEI_RETENTION_YEARS: z.coerce.number().int().min(0).max(100).default(7),
  SHOMEI_ALERT_BUSINESS_HOURS: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'must be HH:MM-HH:MM, e.g. 08:00-20:00')
    .default('08:00-20:00'),
  SHOMEI_ALERT_TIMEZONE: z
    .string()
    .refine((zone) => isTimeZone(zone), 'must be an IANA time zone such as Asia/Tokyo')
    .default('Asia/Tokyo'),
  SHOMEI_ALERT_RATE: z
    .string()
    .regex(/^\d{1,6}\/\d{1,6}$/, 'must be EVENTS/SECONDS, e.g. 30/10')
    .refine((v) => v.split('/').every((n) => Number(n) > 0), 'both numbers must be positive')
    .default('30/10'),
  SHOMEI_ALERT_MAIL_TO: z
    .string()
    .max(2000)
    .refine(
      (v) => v === '' || v.split(',').every((a) => z.string().email().safeParse(a.trim()).success),
      'must be a comma-separated list of e-mail addresses',
    )
    .default(''),
  SHOMEI_ADMIN_APPROVAL_HOURS: z.coerce.number().int().min(1).max(720).default(24),
  SHOMEI_KEYS_KEK_EPOCH_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  SHOMEI_DESTRUCTION_LOG: z.string().min(1).max(4096).optional(),
  SHOMEI_ADMIN_TRAINING_VALIDITY_DAYS: z.coerce.number().int().min(0).max(3650).default(365),
  SHOMEI_ADMIN_ALLOWED_IPS: z
    .string()
    .regex(/^[0-9A-Fa-f:.]+(,[0-9A-Fa-f:.]+)*$|^$/, 'must be a comma-separated list of IP addresses')
    .default('127.0.0.1,::1'),
  SHOMEI_RSSP_SAD_LIFETIME_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  SHOMEI_RSSP_MAX_FAILED_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  SHOMEI_RSSP_MULTISIGN: z.coerce.number().int().min(1).max(1000).default(1000),
  SHOMEI_RSSP_ACCESS_TOKEN_SECONDS: z.coerce.number().int().min(60).max(86400).default(3600),
  // Reuse of the CA's "good" for a signing certificate; short, since revocation must stop signing.
  SHOMEI_RSSP_STATUS_CACHE_SECONDS: z.coerce.number().int().min(0).max(60).default(10),
  // Days before a signing certificate ends when its holder is mailed, e.g. "30,7" (empty: never).
  SHOMEI_RSSP_EXPIRY_NOTICE_DAYS: z
    .string()
    .regex(/^(\d{1,3}(,\d{1,3})*)?$/, 'comma-separated day counts')
    .default('30,7'),
  // Keys outlive their certificate's end by this grace (renewal and late signatures' evidence), no longer.
  SHOMEI_RSSP_KEY_DESTRUCTION_GRACE_DAYS: z.coerce.number().int().min(0).max(365).default(30),
  SHOMEI_RSSP_KEY_SWEEP_SECONDS: z.coerce.number().int().min(60).max(86400).default(3600),
  SHOMEI_CONTRACTS_MAX_DOCUMENT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(512 * 1024 * 1024)
    .default(20 * 1024 * 1024),
  SHOMEI_CONTRACTS_UNPROCESSED_HOURS: z.coerce.number().min(0.01).max(720).default(8),
  SHOMEI_CONTRACTS_CLOSED_DOCUMENT_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  SHOMEI_CONTRACTS_LINK_HOURS: z.coerce.number().int().min(1).max(2160).default(168),
  // 電子帳簿保存法: 7 years at least, like the per-tenant setting (contracts tenant-settings.ts).
  SHOMEI_CONTRACTS_RETENTION_YEARS: z.coerce.number().int().min(7).max(100).default(10),
  SHOMEI_ARCHIVE_RENEWAL_WINDOW_DAYS: z.coerce.number().int().min(1).max(3650).default(365),
  SHOMEI_CONTRACTS_COMPLETION_LEASE_SECONDS: z.coerce.number().int().min(1).max(86_400).default(300),
  SHOMEI_RSSP_SCAL1_TENANTS: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]*(,[A-Za-z0-9_.:-]+)*$/, 'must be a comma-separated list of tenant ids')
    .default(''),
  SHOMEI_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(1440).default(30),
  SHOMEI_SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(168).default(12),
  SHOMEI_LOCKOUT_THRESHOLD: z.coerce.number().int().min(1).max(100).default(5),
  SHOMEI_LOCKOUT_MINUTES: z.coerce.number().int().min(0).max(10080).default(30),
  SHOMEI_LOGIN_SOURCE_FAILURES: z.coerce.number().int().min(1).max(100000).default(50),
  SHOMEI_ACTIVATION_HOURS: z.coerce.number().int().min(1).max(720).default(72),
  SHOMEI_DORMANT_DAYS: z.coerce.number().int().min(1).max(3650).default(180),
  SHOMEI_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, 'must be smtp://[user:password@]host[:port] or smtps://…')
    .optional(),
  SHOMEI_MAIL_FROM: z
    .string()
    .min(3)
    .max(254)
    .regex(/^[^\r\n]+$/, 'must be one line')
    .default('shomei <no-reply@localhost>'),
  SHOMEI_OIDC_ISSUER: z.string().url().optional(),
  SHOMEI_OIDC_CLIENT_ID: z.string().min(1).max(255).optional(),
  SHOMEI_OIDC_CLIENT_SECRET: z.string().min(1).max(1024).optional(),
  SHOMEI_OIDC_MFA_ACR: z.string().max(2000).default(''),
});

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function parseHours(range: string): { startMinute: number; endMinute: number } {
  const [start, end] = range.split('-').map((t) => {
    const [h, m] = t.split(':').map(Number);
    return h! * 60 + m!;
  });
  return { startMinute: start!, endMinute: end! };
}

export function findSoftHsmModule(): string | undefined {
  return SOFTHSM2_MODULE_CANDIDATES.find((candidate) => existsSync(candidate));
}

/** Reads and validates the configuration; throws SHOMEI_CONFIG_INVALID naming the first bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ShomeiConfig {
  const e: Settings = parseSettings(schema, env);
  const pkcs11Module = resolvePkcs11Module(e);
  refuseUnsafeProduction(e);
  return toConfig(e, pkcs11Module, env);
}

type Settings = z.infer<typeof schema>;

/** The PKCS#11 library: the one named, which must exist, or the SoftHSM2 found on this machine. */
function resolvePkcs11Module(e: Settings): { modulePath: string; explicit: boolean } {
  const explicitModule = e.SHOMEI_PKCS11_MODULE;
  const modulePath = explicitModule ?? findSoftHsmModule();
  if (modulePath === undefined) {
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      '設定 SHOMEI_PKCS11_MODULE が未設定で、SoftHSM2 (libsofthsm2.so) も見つかりません。',
      'Setting SHOMEI_PKCS11_MODULE is not set and SoftHSM2 (libsofthsm2.so) was not found.',
      { details: { setting: 'SHOMEI_PKCS11_MODULE' }, status: 500 },
    );
  }
  if (explicitModule !== undefined && !existsSync(explicitModule)) {
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      `設定 SHOMEI_PKCS11_MODULE のファイルがありません: ${explicitModule}`,
      `Setting SHOMEI_PKCS11_MODULE names a file that does not exist: ${explicitModule}`,
      { details: { setting: 'SHOMEI_PKCS11_MODULE' }, status: 500 },
    );
  }
  return { modulePath, explicit: explicitModule !== undefined };
}

function refuseUnsafeProduction(e: Settings): void {
  if (e.SHOMEI_ENV === 'production' && (e.SHOMEI_DATABASE_URL ?? 'sqlite:').startsWith('sqlite:')) {
    // Several instances and the audit chain's concurrency guarantees need PostgreSQL in production.
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      '設定 SHOMEI_DATABASE_URL: 本番環境 (SHOMEI_ENV=production) では PostgreSQL が必要です。',
      'Setting SHOMEI_DATABASE_URL: production (SHOMEI_ENV=production) requires PostgreSQL.',
      { details: { setting: 'SHOMEI_DATABASE_URL' }, status: 500 },
    );
  }
  if (e.SHOMEI_ENV === 'production' && e.SHOMEI_RETENTION_YEARS < 7) {
    // PS 3.4.3 / 3.5.2: audit logs and records are kept seven years; production may not go below.
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      '設定 SHOMEI_RETENTION_YEARS: 本番環境では法定の下限 7 年未満にできません。',
      'Setting SHOMEI_RETENTION_YEARS: production cannot keep records for less than the legal floor of 7 years.',
      { details: { setting: 'SHOMEI_RETENTION_YEARS', floor: 7 }, status: 500 },
    );
  }
}

function toConfig(
  e: Settings,
  pkcs11Module: { modulePath: string; explicit: boolean },
  env: NodeJS.ProcessEnv,
): ShomeiConfig {
  const home = path.resolve(e.SHOMEI_HOME);
  const { modulePath } = pkcs11Module;
  const publicUrl = e.SHOMEI_PUBLIC_URL ?? `http://${e.SHOMEI_HOST}:${e.SHOMEI_PORT}`;
  return {
    environment: e.SHOMEI_ENV,
    home,
    databaseUrl: e.SHOMEI_DATABASE_URL ?? `sqlite:${path.join(home, 'shomei.db')}`,
    pkcs11: {
      modulePath,
      managedSoftHsm: modulePath.includes('softhsm') && !pkcs11Module.explicit,
      tokenLabel: e.SHOMEI_PKCS11_TOKEN_LABEL,
      pinFile: e.SHOMEI_PKCS11_PIN_FILE ?? path.join(home, 'secrets', 'token-pins.json'),
      sessions: e.SHOMEI_PKCS11_SESSIONS ?? 4,
      configurationCheckSeconds: e.SHOMEI_HSM_CHECK_SECONDS,
    },
    http: { host: e.SHOMEI_HOST, port: e.SHOMEI_PORT, publicUrl: publicUrl.replace(/\/$/, '') },
    logLevel: e.SHOMEI_LOG_LEVEL,
    audit: auditConfig(e),
    admin: {
      approvalHours: e.SHOMEI_ADMIN_APPROVAL_HOURS,
      trainingValidityDays: e.SHOMEI_ADMIN_TRAINING_VALIDITY_DAYS,
      allowedIps: e.SHOMEI_ADMIN_ALLOWED_IPS.split(',').filter((ip) => ip !== ''),
    },
    keys: { kekEpochDays: e.SHOMEI_KEYS_KEK_EPOCH_DAYS, destructionLog: e.SHOMEI_DESTRUCTION_LOG },
    rssp: rsspConfig(e),
    identity: {
      sessionIdleMinutes: e.SHOMEI_SESSION_IDLE_MINUTES,
      sessionAbsoluteHours: e.SHOMEI_SESSION_ABSOLUTE_HOURS,
      lockoutThreshold: e.SHOMEI_LOCKOUT_THRESHOLD,
      lockoutMinutes: e.SHOMEI_LOCKOUT_MINUTES,
      sourceFailureLimit: e.SHOMEI_LOGIN_SOURCE_FAILURES,
      activationHours: e.SHOMEI_ACTIVATION_HOURS,
      dormantDays: e.SHOMEI_DORMANT_DAYS,
    },
    mail: { smtpUrl: e.SHOMEI_SMTP_URL, from: e.SHOMEI_MAIL_FROM },
    contracts: {
      maxDocumentBytes: e.SHOMEI_CONTRACTS_MAX_DOCUMENT_BYTES,
      unprocessedInputHours: e.SHOMEI_CONTRACTS_UNPROCESSED_HOURS,
      closedDocumentDays: e.SHOMEI_CONTRACTS_CLOSED_DOCUMENT_DAYS,
      linkValidityHours: e.SHOMEI_CONTRACTS_LINK_HOURS,
      retentionYears: e.SHOMEI_CONTRACTS_RETENTION_YEARS,
      archiveRenewalWindowDays: e.SHOMEI_ARCHIVE_RENEWAL_WINDOW_DAYS,
      completionLeaseSeconds: e.SHOMEI_CONTRACTS_COMPLETION_LEASE_SECONDS,
    },
    work: workConfig(env),
    oidc: oidcSettings(e),
  };
}

/** OIDC needs issuer, client id and secret together; a plain-HTTP issuer only in development. */
function auditConfig(e: Settings): ShomeiConfig['audit'] {
  return {
    checkpointIntervalSeconds: e.SHOMEI_AUDIT_CHECKPOINT_INTERVAL,
    retentionYears: e.SHOMEI_RETENTION_YEARS,
    businessHours: parseHours(e.SHOMEI_ALERT_BUSINESS_HOURS),
    timeZone: e.SHOMEI_ALERT_TIMEZONE,
    rateLimit: {
      events: Number(e.SHOMEI_ALERT_RATE.split('/')[0]),
      seconds: Number(e.SHOMEI_ALERT_RATE.split('/')[1]),
    },
    alertMailTo: e.SHOMEI_ALERT_MAIL_TO.split(',')
      .map((a) => a.trim())
      .filter((a) => a !== ''),
  };
}

function rsspConfig(e: Settings): ShomeiConfig['rssp'] {
  return {
    sadLifetimeSeconds: e.SHOMEI_RSSP_SAD_LIFETIME_SECONDS,
    maxFailedAttempts: e.SHOMEI_RSSP_MAX_FAILED_ATTEMPTS,
    multisign: e.SHOMEI_RSSP_MULTISIGN,
    accessTokenSeconds: e.SHOMEI_RSSP_ACCESS_TOKEN_SECONDS,
    scal1Tenants: e.SHOMEI_RSSP_SCAL1_TENANTS.split(',').filter((t) => t !== ''),
    certificateStatusCacheSeconds: e.SHOMEI_RSSP_STATUS_CACHE_SECONDS,
    expiryNoticeDays: e.SHOMEI_RSSP_EXPIRY_NOTICE_DAYS.split(',')
      .filter((d) => d !== '')
      .map(Number)
      .filter((d) => d > 0),
    keyDestructionGraceDays: e.SHOMEI_RSSP_KEY_DESTRUCTION_GRACE_DAYS,
    keySweepSeconds: e.SHOMEI_RSSP_KEY_SWEEP_SECONDS,
  };
}

function oidcSettings(e: Settings): ShomeiConfig['oidc'] {
  const parts = [e.SHOMEI_OIDC_ISSUER, e.SHOMEI_OIDC_CLIENT_ID, e.SHOMEI_OIDC_CLIENT_SECRET];
  if (parts.every((p) => p === undefined)) return undefined;
  const missing = (
    ['SHOMEI_OIDC_ISSUER', 'SHOMEI_OIDC_CLIENT_ID', 'SHOMEI_OIDC_CLIENT_SECRET'] as const
  ).find((name) => e[name] === undefined);
  if (missing !== undefined) {
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      `設定 ${missing} が未設定です (OIDC には発行者・クライアント ID・シークレットがすべて必要です)。`,
      `Setting ${missing} is not set (OIDC needs the issuer, client id and client secret together).`,
      { details: { setting: missing }, status: 500 },
    );
  }
  if (e.SHOMEI_ENV !== 'development' && !e.SHOMEI_OIDC_ISSUER!.startsWith('https://')) {
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      '設定 SHOMEI_OIDC_ISSUER: 開発環境以外では https:// が必要です。',
      'Setting SHOMEI_OIDC_ISSUER: https:// is required outside development.',
      { details: { setting: 'SHOMEI_OIDC_ISSUER' }, status: 500 },
    );
  }
  return {
    issuer: e.SHOMEI_OIDC_ISSUER!,
    clientId: e.SHOMEI_OIDC_CLIENT_ID!,
    clientSecret: e.SHOMEI_OIDC_CLIENT_SECRET!,
    multiFactorAcrValues: e.SHOMEI_OIDC_MFA_ACR.split(',').filter((v) => v !== ''),
  };
}

/** The variables this file reads, for the settings catalogue (src/app/settings-catalogue.ts). */
export { schema as coreSettingsSchema };
