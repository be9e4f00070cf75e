/**
 * Environment separation (criteria 2.1.3 (16), 2.2.5 (4)): the environment an installation was made
 * for is recorded in the database (`installation`), in the HSM token and in every backup, and a
 * production instance refuses anything made by another environment. Non-production marks are exposed
 * here so that the UI banner, certificates and seals all show the same thing.
 */
import type { Environment } from '../config/index.ts';
import type { CryptoModule } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { KeyRegistry } from '../store/index.ts';

export const TOKEN_MARKER_PURPOSE = 'environment-marker';

/**
 * The token marker is a small key whose label names the environment. A key label is used because
 * the CryptoModule already creates, lists and reads keys, and a label is readable by any PKCS#11 tool
 * (`pkcs11-tool --list-objects`), so an operator can see which environment a token belongs to.
 */
export const TOKEN_MARKER_PREFIX = 'shomei-environment:';

export interface EnvironmentMarks {
  readonly environment: Environment;
  readonly production: boolean;
  /** Text for the banner every non-production page shows; undefined in production. */
  readonly banner: { readonly ja: string; readonly en: string } | undefined;
  /** The mark seals and certificates carry outside production (seal appearance `environmentMark`). */
  readonly certificateMark: 'TEST' | undefined;
  /** Prefix for certificate subjects (O or CN) outside production, e.g. "[TEST] ". */
  readonly subjectPrefix: string;
}

/** The accessor other modules use for UI banners, certificate subjects and seal appearances. */
export function environmentMarks(environment: Environment): EnvironmentMarks {
  if (environment === 'production') {
    return {
      environment,
      production: true,
      banner: undefined,
      certificateMark: undefined,
      subjectPrefix: '',
    };
  }
  const name =
    environment === 'staging' ? { ja: '検証環境', en: 'staging' } : { ja: '開発環境', en: 'development' };
  return {
    environment,
    production: false,
    banner: {
      ja: `これは${name.ja}です。ここで作成した署名・証明書・契約には法的効力がありません。`,
      en: `This is the ${name.en} environment. Signatures, certificates and contracts made here have no legal effect.`,
    },
    certificateMark: 'TEST',
    subjectPrefix: '[TEST] ',
  };
}

/**
 * Mixing is refused in both directions whenever the environments differ; the message says which
 * thing (database, token, backup) was made for which environment.
 */
export function environmentMismatch(
  what: 'database' | 'token' | 'backup',
  recorded: string,
  configured: Environment,
): Error {
  const ja = { database: 'データベース', token: 'HSM トークン', backup: 'バックアップ' }[what];
  return shomeiError(
    'SHOMEI_ENVIRONMENT_MISMATCH',
    `この${ja}は ${recorded} 環境用に作られました。${configured} 環境では使えません (本番と試験の混在を防ぐため)。`,
    `This ${what} was made for the ${recorded} environment and cannot be used as ${configured} (production and test are kept apart).`,
    { status: 500, details: { what, recorded, configured } },
  );
}

/** The environments the token's marker keys name (normally exactly one). */
export async function tokenEnvironments(crypto: CryptoModule): Promise<string[]> {
  const keys = await crypto.keyLabels();
  return keys
    .filter((k) => k.label.startsWith(TOKEN_MARKER_PREFIX))
    .map((k) => k.label.slice(TOKEN_MARKER_PREFIX.length));
}

/**
 * Refuses a token marked for another environment. A token without a marker (made before markers
 * existed, or just initialised) is marked now when `markIfUnmarked` is set.
 */
export async function checkTokenEnvironment(
  crypto: CryptoModule,
  environment: Environment,
  options: { markIfUnmarked: boolean; keys?: KeyRegistry },
): Promise<void> {
  const marked = await tokenEnvironments(crypto);
  const other = marked.find((e) => e !== environment);
  if (other !== undefined) throw environmentMismatch('token', other, environment);
  if (marked.length === 0 && options.markIfUnmarked) {
    // The smallest key the module offers; it is never used to sign anything.
    await crypto.generateSigningKey('EC-P256', `${TOKEN_MARKER_PREFIX}${environment}`);
  }
  // Every key in the token is in the key register, the marker too, so an auditor comparing the two
  // finds nothing unexplained. The marker is made before the database exists, hence recorded here.
  if (options.keys !== undefined) {
    for (const key of await crypto.listKeys()) {
      if (!key.label.startsWith(TOKEN_MARKER_PREFIX) || (await options.keys.get(key.id)) !== undefined)
        continue;
      await options.keys
        .record({
          keyId: key.id,
          label: key.label,
          kind: key.kind,
          algorithm: key.algorithm,
          purpose: TOKEN_MARKER_PURPOSE,
          publicKey: key.publicKey,
        })
        // Another instance recorded it at the same moment.
        .catch((error: { code?: string }) => {
          if (error.code !== 'SHOMEI_KEY_ALREADY_PRESENT') throw error;
        });
    }
  }
}
