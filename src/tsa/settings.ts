/** TSA settings from `SHOMEI_TSA_…` environment variables. */
import { existsSync, readFileSync } from 'node:fs';
import * as z from 'zod';
import { parseSettings } from '../config/index.ts';
import { DIGEST_ALGORITHMS, KEY_ALGORITHMS } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import { parseCertificates } from '../pki/index.ts';
import { TsaClient } from './client.ts';
import type { TsaTls } from './transport.ts';
import type { TsaSettings } from './types.ts';

/** The development TSA policy, under the X.660 example arc 2.999 (never a production policy; see src/ca/settings.ts). */
export const DEVELOPMENT_TSA_POLICY_OID = '2.999.7436.1.2';

const schema = z.object({
  SHOMEI_TSA_POLICY_OID: z
    .string()
    .regex(/^[0-2](\.(0|[1-9][0-9]*)){1,30}$/, 'must be a dotted OID')
    .default(DEVELOPMENT_TSA_POLICY_OID),
  SHOMEI_TSA_ACCURACY_MS: z.coerce.number().int().min(1).max(60_000).default(1000),
  SHOMEI_TSA_KEY_ALGORITHM: z.enum(KEY_ALGORITHMS).default('RSA-2048'),
  SHOMEI_TSA_DIGEST: z.enum(DIGEST_ALGORITHMS).default('SHA-256'),
  SHOMEI_TSA_RENEWAL_WARNING_DAYS: z.coerce.number().int().min(1).max(1825).default(90),
  // An outside (accredited) TSA for signature, archive and audit timestamps.
  SHOMEI_TSA_URL: z.string().url().optional(),
  SHOMEI_TSA_USERNAME: z.string().min(1).max(200).optional(),
  SHOMEI_TSA_PASSWORD: z.string().min(1).max(200).optional(),
  SHOMEI_TSA_TRUST_ANCHORS: z.string().min(1).optional(),
  SHOMEI_TSA_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  // TLS client authentication (PEM files) and the CA of the TSA's TLS server certificate.
  SHOMEI_TSA_TLS_CERT: z.string().min(1).optional(),
  SHOMEI_TSA_TLS_KEY: z.string().min(1).optional(),
  SHOMEI_TSA_TLS_CA: z.string().min(1).optional(),
  SHOMEI_TSA_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  SHOMEI_TSA_BREAKER_FAILURES: z.coerce.number().int().min(1).max(100).default(5),
  SHOMEI_TSA_BREAKER_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  // Whether the TSA certificate's status is asked of its CA (OCSP/CRL) before a token is used.
  SHOMEI_TSA_REVOCATION_CHECK: z.enum(['require', 'off']).default('require'),
});

/** The outside TSA from SHOMEI_TSA_URL, …_USERNAME, …_PASSWORD, …_TRUST_ANCHORS (PEM file). */
export interface ExternalTsaSettings {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly trustAnchorsFile?: string | undefined;
  readonly timeoutMillis: number;
  readonly tlsCertFile?: string | undefined;
  readonly tlsKeyFile?: string | undefined;
  readonly tlsCaFile?: string | undefined;
  readonly retries: number;
  readonly breakerFailures: number;
  readonly breakerSeconds: number;
  readonly revocationCheck: 'require' | 'off';
}

/** Undefined when SHOMEI_TSA_URL is not set (the embedded TSA then timestamps everything). */
export function loadExternalTsaSettings(
  env: NodeJS.ProcessEnv = process.env,
): ExternalTsaSettings | undefined {
  const e = parseSettings(schema, env);
  if (e.SHOMEI_TSA_URL === undefined) return undefined;
  const url = new URL(e.SHOMEI_TSA_URL);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      '設定 SHOMEI_TSA_URL が不正です: http または https の URL にしてください。',
      'Setting SHOMEI_TSA_URL is invalid: it must be an http or https URL.',
      { status: 500, details: { setting: 'SHOMEI_TSA_URL' } },
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      '設定 SHOMEI_TSA_URL が不正です: 認証情報は URL に含めず SHOMEI_TSA_USERNAME / SHOMEI_TSA_PASSWORD に設定してください。',
      'Setting SHOMEI_TSA_URL is invalid: put credentials in SHOMEI_TSA_USERNAME / SHOMEI_TSA_PASSWORD, not in the URL.',
      { status: 500, details: { setting: 'SHOMEI_TSA_URL' } },
    );
  }
  return {
    url: e.SHOMEI_TSA_URL,
    username: e.SHOMEI_TSA_USERNAME,
    password: e.SHOMEI_TSA_PASSWORD,
    trustAnchorsFile: e.SHOMEI_TSA_TRUST_ANCHORS,
    timeoutMillis: e.SHOMEI_TSA_TIMEOUT_MS,
    tlsCertFile: e.SHOMEI_TSA_TLS_CERT,
    tlsKeyFile: e.SHOMEI_TSA_TLS_KEY,
    tlsCaFile: e.SHOMEI_TSA_TLS_CA,
    retries: e.SHOMEI_TSA_RETRIES,
    breakerFailures: e.SHOMEI_TSA_BREAKER_FAILURES,
    breakerSeconds: e.SHOMEI_TSA_BREAKER_SECONDS,
    revocationCheck: e.SHOMEI_TSA_REVOCATION_CHECK,
  };
}

function readSettingFile(setting: string, file: string): Buffer {
  if (!existsSync(file)) {
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      `設定 ${setting} のファイルがありません: ${file}`,
      `Setting ${setting} names a file that does not exist: ${file}`,
      { status: 500, details: { setting } },
    );
  }
  return readFileSync(file);
}

/** TLS client certificate, key and server CA of the outside TSA, read from their files. */
function tlsOptions(settings: ExternalTsaSettings): TsaTls | undefined {
  if ((settings.tlsCertFile === undefined) !== (settings.tlsKeyFile === undefined)) {
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      '設定 SHOMEI_TSA_TLS_CERT と SHOMEI_TSA_TLS_KEY は両方設定してください。',
      'Set both SHOMEI_TSA_TLS_CERT and SHOMEI_TSA_TLS_KEY, or neither.',
      { status: 500, details: { setting: 'SHOMEI_TSA_TLS_CERT' } },
    );
  }
  const tls: TsaTls = {
    ...(settings.tlsCertFile === undefined
      ? {}
      : { cert: readSettingFile('SHOMEI_TSA_TLS_CERT', settings.tlsCertFile) }),
    ...(settings.tlsKeyFile === undefined
      ? {}
      : { key: readSettingFile('SHOMEI_TSA_TLS_KEY', settings.tlsKeyFile) }),
    ...(settings.tlsCaFile === undefined
      ? {}
      : { ca: readSettingFile('SHOMEI_TSA_TLS_CA', settings.tlsCaFile) }),
  };
  return Object.keys(tls).length === 0 ? undefined : tls;
}

export function loadTsaSettings(env: NodeJS.ProcessEnv = process.env): TsaSettings {
  const e = parseSettings(schema, env);
  return {
    policyOid: e.SHOMEI_TSA_POLICY_OID,
    accuracyMillis: e.SHOMEI_TSA_ACCURACY_MS,
    keyAlgorithm: e.SHOMEI_TSA_KEY_ALGORITHM,
    digestAlgorithm: e.SHOMEI_TSA_DIGEST,
    renewalWarningDays: e.SHOMEI_TSA_RENEWAL_WARNING_DAYS,
  };
}

/**
 * The client for the outside TSA. With SHOMEI_TSA_TRUST_ANCHORS every reply's TSA certificate must
 * chain to those roots; the certificates in the file also serve a TSA that does not honour certReq.
 */
export function externalTsaClient(settings: ExternalTsaSettings): TsaClient {
  let anchors: ReturnType<typeof parseCertificates> | undefined;
  if (settings.trustAnchorsFile !== undefined) {
    if (!existsSync(settings.trustAnchorsFile)) {
      throw shomeiError(
        'SHOMEI_CONFIG_INVALID',
        `設定 SHOMEI_TSA_TRUST_ANCHORS のファイルがありません: ${settings.trustAnchorsFile}`,
        `Setting SHOMEI_TSA_TRUST_ANCHORS names a file that does not exist: ${settings.trustAnchorsFile}`,
        { status: 500, details: { setting: 'SHOMEI_TSA_TRUST_ANCHORS' } },
      );
    }
    try {
      anchors = parseCertificates(readFileSync(settings.trustAnchorsFile));
    } catch (error) {
      throw shomeiError(
        'SHOMEI_CONFIG_INVALID',
        `設定 SHOMEI_TSA_TRUST_ANCHORS のファイルを読めません: ${settings.trustAnchorsFile}`,
        `Setting SHOMEI_TSA_TRUST_ANCHORS names a file that is not a PEM certificate bundle: ${settings.trustAnchorsFile}`,
        { status: 500, details: { setting: 'SHOMEI_TSA_TRUST_ANCHORS' }, cause: error },
      );
    }
  }
  const tls = tlsOptions(settings);
  return new TsaClient({
    url: settings.url,
    timeoutMillis: settings.timeoutMillis,
    tls,
    username: settings.username,
    password: settings.password,
    trustAnchors: anchors,
    certificates: anchors,
  });
}

/** The variables this file reads, for the settings catalogue (src/app/settings-catalogue.ts). */
export { schema as tsaSettingsSchema };
