/**
 * Names of the embedded CA's own certificates (root, issuing CA, OCSP responder, TSA, provider
 * e-seal). Development keeps the plainly marked "shomei Development … (TEST)" names; staging names
 * the provider but still ends every CN in "(TEST)" (the non-production mark of src/ops/environment.ts);
 * production carries only the provider's names and has none until SHOMEI_CA_ORGANIZATION is set.
 */
import type { Environment } from '../config/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { NameAttribute } from '../pki/index.ts';

export interface AuthorityNaming {
  readonly root: readonly NameAttribute[];
  readonly issuing: readonly NameAttribute[];
  readonly ocsp: readonly NameAttribute[];
  readonly tsa: readonly NameAttribute[];
  readonly eSeal: readonly NameAttribute[];
  /** Prefix of the HSM key labels of these keys ("shomei-dev-" in development). */
  readonly keyLabelPrefix: string;
  /** True for the built-in development names (O=shomei, "Development … (TEST)"). */
  readonly development: boolean;
}

export interface NamingSettings {
  readonly organization?: string | undefined;
  readonly country?: string | undefined;
  readonly namePrefix?: string | undefined;
}

/** Words production names must not carry (they mark a test or development CA). */
export const NON_PRODUCTION_WORDS = /\b(development|test|testing|dev)\b/i;

const TEST_MARK = ' (TEST)';

function names(country: string, organization: string, cn: (what: string) => string, eSeal: string) {
  const name = (value: string): readonly NameAttribute[] => [
    { type: 'C', value: country },
    { type: 'O', value: organization },
    { type: 'CN', value },
  ];
  return {
    root: name(cn('Root CA')),
    issuing: name(cn('Issuing CA')),
    ocsp: name(cn('OCSP Responder')),
    tsa: name(cn('Time-Stamping Authority')),
    eSeal: name(eSeal),
  };
}

/** The built-in development names (the defaults, unchanged since the first release). */
export const DEVELOPMENT_NAMING: AuthorityNaming = {
  ...names(
    'JP',
    'shomei',
    (what) => `shomei Development ${what}${TEST_MARK}`,
    `shomei 電子契約サービス e-seal${TEST_MARK}`,
  ),
  keyLabelPrefix: 'shomei-dev-',
  development: true,
};

/**
 * The names for this environment and these settings; undefined in production when the organisation
 * is not set (nothing can be named then, so nothing is created: see requireNaming).
 */
export function authorityNaming(
  environment: Environment,
  settings: NamingSettings,
): AuthorityNaming | undefined {
  const { organization, namePrefix } = settings;
  const country = settings.country ?? 'JP';
  if (environment === 'development' && organization === undefined && namePrefix === undefined) {
    return country === 'JP' ? DEVELOPMENT_NAMING : { ...DEVELOPMENT_NAMING, ...withCountry(country) };
  }
  if (environment === 'production' && organization === undefined) return undefined;
  const o = organization ?? 'shomei';
  const prefix = namePrefix ?? (environment === 'development' ? `${o} Development` : o);
  const mark = environment === 'production' ? '' : TEST_MARK;
  return {
    ...names(country, o, (what) => `${prefix} ${what}${mark}`, `${prefix} e-seal${mark}`),
    keyLabelPrefix: environment === 'development' ? 'shomei-dev-' : 'shomei-',
    development: false,
  };
}

function withCountry(country: string): Partial<AuthorityNaming> {
  const swap = (n: readonly NameAttribute[]) => n.map((a) => (a.type === 'C' ? { ...a, value: country } : a));
  return {
    root: swap(DEVELOPMENT_NAMING.root),
    issuing: swap(DEVELOPMENT_NAMING.issuing),
    ocsp: swap(DEVELOPMENT_NAMING.ocsp),
    tsa: swap(DEVELOPMENT_NAMING.tsa),
    eSeal: swap(DEVELOPMENT_NAMING.eSeal),
  };
}

/** Refuses to name (and so to create) an embedded CA certificate in production without the organisation. */
export function requireNaming(naming: AuthorityNaming | undefined): AuthorityNaming {
  if (naming !== undefined) return naming;
  throw shomeiError(
    'SHOMEI_CONFIG_INVALID',
    '設定 SHOMEI_CA_ORGANIZATION が未設定です: 本番環境で組込み認証局 (ルート CA・発行 CA・OCSP・TSA) の証明書を作成するには、証明書に記載する事業者名 (O) が必要です。開発用の名前は本番では使いません。',
    'Setting SHOMEI_CA_ORGANIZATION is not set: production needs the provider organisation name (O) to create the embedded CA (root, issuing CA, OCSP, TSA) certificates; the development names are never used in production.',
    { status: 500, details: { setting: 'SHOMEI_CA_ORGANIZATION' } },
  );
}
