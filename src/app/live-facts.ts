/**
 * The facts of the live installation that the compliance report and the policy documents cite —
 * environment, TLS, MFA policy, key storage, session limits, audit chain (verified now), the last
 * verified backup, clock health, the CA and TSA in use — and the `{{…}}` values of docs/ templates.
 * Never a secret.
 */
import { ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import { sql } from 'kysely';
import type { AuditTables } from '../audit/index.ts';
import { environmentMarks, type LiveFacts } from '../ops/index.ts';
import { certificateFacts, decodeAs, parseCertificate } from '../pki/index.ts';
import type { RsspTables } from '../rssp/index.ts';
import type { Shomei } from './shomei.ts';

async function lastVerifiedBackup(shomei: Shomei): Promise<string> {
  const row = await shomei.database.db
    .withTables<AuditTables>()
    .selectFrom('audit_events')
    .select(sql<string | null>`max(recorded_at)`.as('at'))
    .where('type', '=', 'backup.verify')
    .where('outcome', '=', 'success')
    .executeTakeFirst();
  return row?.at ?? 'never / 未実施';
}

/** The two columns read here (identity's table is an interface, which Kysely's withTables refuses). */
type TenantPolicy = { identity_tenants: { slug: string; second_factor: string } };

async function mfaPolicy(shomei: Shomei): Promise<string> {
  const tenants = await shomei.database.db
    .withTables<TenantPolicy>()
    .selectFrom('identity_tenants')
    .select(['slug', 'second_factor'])
    .execute();
  const optional = tenants.filter((t) => t.second_factor === 'optional').map((t) => t.slug);
  if (tenants.length === 0)
    return 'no tenants yet; required unless a tenant policy says optional / テナント未作成 (既定で必須)';
  return optional.length === 0
    ? `required for every tenant (${tenants.length}) / 全テナントで必須`
    : `optional for: ${optional.join(', ')} / 任意のテナントあり`;
}

const TIME_STAMPING = '1.3.6.1.5.5.7.3.8';

/** The TSA that signed a timestamp token: the certificate in it whose key usage is time-stamping. */
function tsaOfToken(token: Uint8Array): string {
  try {
    const info = decodeAs(token, ContentInfo, 'timestamp token');
    const signedData = decodeAs(new Uint8Array(info.content), SignedData, 'SignedData');
    for (const choice of signedData.certificates ?? []) {
      if (choice.certificate === undefined) continue;
      const facts = certificateFacts(parseCertificate(Buffer.from(AsnConvert.serialize(choice.certificate))));
      if (facts.extendedKeyUsage.includes(TIME_STAMPING)) return facts.subject;
    }
    return 'token without its TSA certificate / TSA 証明書なし';
  } catch {
    return 'unreadable token / 読めないトークン';
  }
}

/**
 * What the installation actually used, beside what is configured (issue #17): the TSA of the newest
 * audit checkpoint's timestamp, and the issuer of the most recently certified signing credential.
 */
export async function observedTrust(
  shomei: Shomei,
): Promise<{ checkpointTsa: string; credentialIssuer: string }> {
  const checkpoint = await shomei.database.db
    .withTables<AuditTables>()
    .selectFrom('audit_checkpoints')
    .select('timestamp_token')
    .where('timestamp_token', 'is not', null)
    .orderBy('through_seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const credential = await shomei.database.db
    .withTables<RsspTables>()
    .selectFrom('rssp_credentials')
    .select('cert_issuer_dn')
    .where('cert_issuer_dn', 'is not', null)
    .orderBy('updated_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    checkpointTsa:
      checkpoint?.timestamp_token == null
        ? 'no checkpoint yet / 未作成'
        : tsaOfToken(checkpoint.timestamp_token),
    credentialIssuer: credential?.cert_issuer_dn ?? 'no certified credential yet / 未発行',
  };
}

export async function liveFacts(shomei: Shomei): Promise<LiveFacts> {
  const { config, ops } = shomei;
  const tls = ops.settings.tls;
  const tlsOn = tls.certFile !== undefined || tls.embedded;
  const chain = await shomei.audit.verify();
  const clock = await ops.clock.measure();
  const softHsm = config.pkcs11.modulePath.includes('softhsm');
  return {
    environment: config.environment,
    tls: tlsOn
      ? `on (${tls.certFile !== undefined ? 'operator certificate files' : 'embedded CA certificate'}, HSTS ${tls.hstsMaxAgeSeconds}s)`
      : 'off (plain HTTP: development only)',
    mutualTls:
      tls.clientCaFile === undefined
        ? 'off (SHOMEI_TLS_CLIENT_CA not set)'
        : `on for ${tls.clientCertPaths.join(', ')}`,
    mfa: await mfaPolicy(shomei),
    keyStorage: `${config.pkcs11.modulePath} token "${config.pkcs11.tokenLabel}"${softHsm ? ' — SoftHSM2 (software, not certified: development/test only)' : ''}`,
    sessions: `idle ${config.identity.sessionIdleMinutes} min, absolute ${config.identity.sessionAbsoluteHours} h`,
    lockout: `${config.identity.lockoutThreshold} failures, ${config.identity.lockoutMinutes} min`,
    sad: `SAD ${config.rssp.sadLifetimeSeconds} s, ${config.rssp.maxFailedAttempts} failed attempts lock`,
    auditChain: `${chain.ok ? 'verified OK' : 'BROKEN'} at ${new Date().toISOString()} (${chain.records} records, ${chain.checkpoints.verified} checkpoints)`,
    lastBackupVerified: await lastVerifiedBackup(shomei),
    clock:
      clock.status === 'unconfigured'
        ? `no NTP server set (host synchronisation trusted), limit ${ops.settings.clock.maxOffsetMs} ms`
        : 'offsetMs' in clock
          ? `${clock.status}: offset ${clock.offsetMs} ms vs ${clock.server}, limit ${ops.settings.clock.maxOffsetMs} ms`
          : `unknown (${ops.settings.clock.ntpServer} did not answer)`,
    dualControl: `approval window ${config.admin.approvalHours} h, training valid ${config.admin.trainingValidityDays} days`,
    mail: config.mail.smtpUrl === undefined ? 'development outbox' : 'SMTP',
    timestamps: await timestampFact(shomei),
    certificateAuthority: await caFact(shomei),
  };
}

async function timestampFact(shomei: Shomei): Promise<string> {
  const tsa = await shomei.tsa.status();
  const embedded = `embedded TSA certificate ${tsa.serialNumber} until ${tsa.notAfter.slice(0, 10)} (${tsa.daysLeft} days)`;
  return shomei.timestamps.externalUrl === undefined
    ? `embedded TSA — NOT accredited (SHOMEI_TSA_URL not set) / 組込み TSA (認定なし); ${embedded}`
    : `external TSA ${shomei.timestamps.externalUrl} (SHOMEI_TSA_URL) on every path — ${pathList(shomei, 'tsa')} / 全経路で外部 TSA; ${embedded} only for /tsa`;
}

/** The paths (src/app/trust-paths.ts) and what each uses, e.g. "csc-credentials: cfssl". */
function pathList(shomei: Shomei, what: 'ca' | 'tsa'): string {
  return shomei.trust
    .paths()
    .flatMap((p) => (p[what] === undefined ? [] : [`${p.path}: ${p[what]!.where}`]))
    .join(', ');
}

async function caFact(shomei: Shomei): Promise<string> {
  const root = await shomei.ca.certificate('root').then(
    () => shomei.ca.isDevelopmentCa(),
    () => undefined,
  );
  const credentials = `user credentials: ${shomei.trust.credentialCa === 'embedded' ? 'embedded CA' : `outside CA (${shomei.trust.credentialCa})`}`;
  if (root === undefined) return `embedded CA not set up / 組込み CA なし; ${credentials}`;
  const outside = (await shomei.ca.list({ profile: 'imported', limit: 1 })).length > 0;
  const imported = outside
    ? '; certificates from an outside CA imported (the e-seal uses an imported one when present) / 外部 CA の証明書あり'
    : '';
  const embedded = root
    ? 'embedded DEVELOPMENT CA (TEST names, not for production trust) / 組込み開発用 CA'
    : 'embedded CA named by the provider (SHOMEI_CA_ORGANIZATION) / 事業者名の組込み CA';
  return `${embedded}${imported}; ${credentials} — ${pathList(shomei, 'ca')}`;
}

/** Values for the settings' `{{…}}` of the policy templates in docs/ (the provider's items come from src/app/policy-documents.ts). */
export function documentValues(shomei: Shomei, facts: LiveFacts): Record<string, string> {
  const { config } = shomei;
  const marks = environmentMarks(config.environment);
  return {
    SERVICE_NAME: 'shomei (署名)',
    GENERATED_AT: new Date().toISOString(),
    PUBLIC_URL: config.http.publicUrl,
    ENVIRONMENT: config.environment,
    ENVIRONMENT_NOTE: marks.banner === undefined ? '' : `${marks.banner.ja} / ${marks.banner.en}`,
    KEY_STORAGE: facts.keyStorage,
    APPROVAL_HOURS: String(config.admin.approvalHours),
    KEK_EPOCH_DAYS: String(config.keys.kekEpochDays),
    LAST_BACKUP_VERIFIED: facts.lastBackupVerified,
    MFA: facts.mfa,
    SESSION_IDLE_MINUTES: String(config.identity.sessionIdleMinutes),
    SESSION_ABSOLUTE_HOURS: String(config.identity.sessionAbsoluteHours),
    LOCKOUT_THRESHOLD: String(config.identity.lockoutThreshold),
    LOCKOUT_MINUTES: String(config.identity.lockoutMinutes),
    SAD_LIFETIME_SECONDS: String(config.rssp.sadLifetimeSeconds),
    SAD_MAX_FAILED: String(config.rssp.maxFailedAttempts),
    TLS: facts.tls,
    MUTUAL_TLS: facts.mutualTls,
    CLOCK: facts.clock,
    AUDIT_CHECKPOINT_SECONDS: String(config.audit.checkpointIntervalSeconds),
    AUDIT_CHAIN: facts.auditChain,
    AUDIT_RETENTION_YEARS: String(config.audit.retentionYears),
    CONTRACT_RETENTION_YEARS: String(config.contracts.retentionYears),
    CLOSED_DOCUMENT_DAYS: String(config.contracts.closedDocumentDays),
    // Days a signing key outlives its certificate's end before the sweep destroys it (ADR 032).
    KEY_DESTRUCTION_GRACE_DAYS: String(config.rssp.keyDestructionGraceDays),
    // How often that sweep runs, in whole minutes as the service policy states it (at least 1).
    KEY_SWEEP_MINUTES: String(Math.max(1, Math.round(config.rssp.keySweepSeconds / 60))),
    TIMESTAMPS: facts.timestamps,
    CERTIFICATE_AUTHORITY: facts.certificateAuthority,
  };
}
