/**
 * What production refuses unless an operator overrides it by name (issue #22): a software token
 * (SoftHSM2), the embedded CA and TSA (not accredited), the example policy OIDs under 2.999 and a
 * missing time source. Each override is a word in SHOMEI_PRODUCTION_OVERRIDES; overrides in force
 * are shown by the compliance report, the UI footer (/api/environment), /readyz and /metrics.
 */
import { z } from 'zod';
import type { ShomeiConfig } from '../config/index.ts';
import { shomeiError } from '../errors/index.ts';

export const PRODUCTION_SAFEGUARDS = [
  'softhsm',
  'embedded-ca',
  'embedded-tsa',
  'example-oids',
  'no-time-source',
] as const;
export type ProductionSafeguard = (typeof PRODUCTION_SAFEGUARDS)[number];

export interface SafeguardRow {
  readonly safeguard: ProductionSafeguard;
  /** met: the production part is in place; overridden: it is not, and the operator said so by name. */
  readonly status: 'met' | 'overridden' | 'not-met';
  /** The setting that would meet it. */
  readonly setting: string;
  readonly finding: { readonly ja: string; readonly en: string };
}

const overridesSchema = z
  .string()
  .regex(/^[a-z-]*(,[a-z-]+)*$/, 'must be a comma-separated list')
  .refine(
    (v) => v.split(',').every((w) => w === '' || (PRODUCTION_SAFEGUARDS as readonly string[]).includes(w)),
    `each word must be one of ${PRODUCTION_SAFEGUARDS.join(', ')}`,
  )
  .default('');

/** The overrides named in SHOMEI_PRODUCTION_OVERRIDES. */
export function productionOverrides(env: NodeJS.ProcessEnv = process.env): ProductionSafeguard[] {
  const parsed = overridesSchema.safeParse(env.SHOMEI_PRODUCTION_OVERRIDES);
  if (!parsed.success) {
    const message = parsed.error.issues[0]!.message;
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      `設定 SHOMEI_PRODUCTION_OVERRIDES が不正です: ${message}`,
      `Setting SHOMEI_PRODUCTION_OVERRIDES is invalid: ${message}`,
      { status: 500, details: { setting: 'SHOMEI_PRODUCTION_OVERRIDES' } },
    );
  }
  return parsed.data.split(',').filter((w): w is ProductionSafeguard => w !== '');
}

function isExampleOid(oid: string | undefined): boolean {
  return oid === undefined || oid === '2.999' || oid.startsWith('2.999.');
}

const FINDINGS: Record<
  ProductionSafeguard,
  { setting: string; ja: string; en: string; met: (config: ShomeiConfig, env: NodeJS.ProcessEnv) => boolean }
> = {
  softhsm: {
    setting: 'SHOMEI_PKCS11_MODULE',
    ja: '鍵は SoftHSM2 (ソフトウェア、認証なし) にあります',
    en: 'keys are in SoftHSM2 (software, not certified)',
    met: (config) => !/softhsm/i.test(config.pkcs11.modulePath),
  },
  'embedded-ca': {
    setting: 'SHOMEI_CA_TRUSTED_CAS',
    ja: '署名者証明書は組込み CA が発行します (外部 CA 未設定)',
    en: 'signer certificates come from the embedded CA (no outside CA configured)',
    met: (_config, env) => (env.SHOMEI_CA_TRUSTED_CAS ?? '') !== '',
  },
  'embedded-tsa': {
    setting: 'SHOMEI_TSA_URL',
    ja: 'タイムスタンプは組込み TSA (認定なし) が発行します',
    en: 'timestamps come from the embedded TSA (not accredited)',
    met: (_config, env) => (env.SHOMEI_TSA_URL ?? '') !== '',
  },
  'example-oids': {
    setting: 'SHOMEI_CA_POLICY_OID, SHOMEI_TSA_POLICY_OID',
    ja: 'ポリシー OID が例示用 (2.999) のままです',
    en: 'policy OIDs are the example ones (2.999)',
    met: (_config, env) =>
      !isExampleOid(env.SHOMEI_CA_POLICY_OID) && !isExampleOid(env.SHOMEI_TSA_POLICY_OID),
  },
  'no-time-source': {
    setting: 'SHOMEI_NTP_SERVER',
    ja: '時刻源 (NTP サーバ) が設定されていません',
    en: 'no time source (NTP server) is configured',
    met: (_config, env) => (env.SHOMEI_NTP_SERVER ?? '') !== '',
  },
};

/** One row per safeguard, in the order of PRODUCTION_SAFEGUARDS. */
export function productionSafeguards(
  config: ShomeiConfig,
  env: NodeJS.ProcessEnv = process.env,
): SafeguardRow[] {
  const overrides = productionOverrides(env);
  return PRODUCTION_SAFEGUARDS.map((safeguard) => {
    const finding = FINDINGS[safeguard];
    const met = finding.met(config, env);
    return {
      safeguard,
      status: met ? 'met' : overrides.includes(safeguard) ? 'overridden' : 'not-met',
      setting: finding.setting,
      finding: { ja: finding.ja, en: finding.en },
    };
  });
}

/** Production stops here, before anything is created, naming every safeguard not met nor overridden. */
export function assertProductionSafeguards(config: ShomeiConfig, env: NodeJS.ProcessEnv = process.env): void {
  if (config.environment !== 'production') return;
  const missing = productionSafeguards(config, env).filter((row) => row.status === 'not-met');
  if (missing.length === 0) return;
  throw shomeiError(
    'SHOMEI_PRODUCTION_SAFEGUARD',
    `本番環境では使えない構成です: ${missing.map((r) => `${r.finding.ja} (設定 ${r.setting}、承知の上で使う場合は SHOMEI_PRODUCTION_OVERRIDES=${r.safeguard})`).join('; ')}`,
    `Production refuses this configuration: ${missing.map((r) => `${r.finding.en} (setting ${r.setting}; to accept it knowingly, SHOMEI_PRODUCTION_OVERRIDES=${r.safeguard})`).join('; ')}`,
    {
      status: 500,
      details: { setting: 'SHOMEI_PRODUCTION_OVERRIDES', safeguards: missing.map((r) => r.safeguard) },
    },
  );
}

/** The overrides in force (production only): what the footer, /readyz and /metrics show. */
export function overridesInForce(
  config: ShomeiConfig,
  env: NodeJS.ProcessEnv = process.env,
): ProductionSafeguard[] {
  if (config.environment !== 'production') return [];
  return productionSafeguards(config, env)
    .filter((row) => row.status === 'overridden')
    .map((row) => row.safeguard);
}

/** The safeguard rows as the compliance report prints them (text and Markdown share this). */
export function safeguardsText(rows: readonly SafeguardRow[], lang: 'ja' | 'en'): string {
  const label = {
    met: { ja: '満たす', en: 'met' },
    overridden: { ja: '上書き', en: 'OVERRIDDEN' },
    'not-met': { ja: '未達', en: 'NOT MET' },
  };
  const head =
    lang === 'ja'
      ? '本番の安全装置 (SHOMEI_PRODUCTION_OVERRIDES)'
      : 'Production safeguards (SHOMEI_PRODUCTION_OVERRIDES)';
  const lines = rows.map((row) => {
    const finding = row.status === 'met' ? '' : ` — ${row.finding[lang]} (${row.setting})`;
    return `  [${label[row.status][lang]}] ${row.safeguard}${finding}`;
  });
  return `${head}\n${lines.join('\n')}\n`;
}

/**
 * True when the report has a row that is not met: in production a safeguard not met or overridden
 * (an override is a deviation the report must not pass silently), anywhere a broken audit chain.
 */
export function complianceFails(
  environment: string,
  rows: readonly SafeguardRow[],
  auditChainOk: boolean,
): boolean {
  if (!auditChainOk) return true;
  return environment === 'production' && rows.some((row) => row.status !== 'met');
}

export function complianceNotMet(): Error {
  return shomeiError(
    'SHOMEI_COMPLIANCE_NOT_MET',
    '満たされていない項目があります (上の「未達」「上書き」、または監査ログの検証失敗)。',
    'Some rows are not met (NOT MET or OVERRIDDEN above, or the audit chain failed to verify).',
    { status: 500 },
  );
}
