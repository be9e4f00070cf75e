/** TSA settings from `SHOMEI_TSA_…` environment variables. */
import { z } from 'zod';
import { DIGEST_ALGORITHMS, KEY_ALGORITHMS } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
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
});

export function loadTsaSettings(env: NodeJS.ProcessEnv = process.env): TsaSettings {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const setting = String(issue.path[0] ?? 'configuration');
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      `設定 ${setting} が不正です: ${issue.message}`,
      `Setting ${setting} is invalid: ${issue.message}`,
      { status: 500, details: { setting } },
    );
  }
  const e = parsed.data;
  return {
    policyOid: e.SHOMEI_TSA_POLICY_OID,
    accuracyMillis: e.SHOMEI_TSA_ACCURACY_MS,
    keyAlgorithm: e.SHOMEI_TSA_KEY_ALGORITHM,
    digestAlgorithm: e.SHOMEI_TSA_DIGEST,
  };
}
