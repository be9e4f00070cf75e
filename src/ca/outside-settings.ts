/**
 * Which CA certifies user credentials (SHOMEI_RSSP_CA): the embedded CA (default), an outside CA
 * reached by hand (manual), or an outside CA server speaking the CFSSL API (SHOMEI_CFSSL_…).
 */
import * as z from 'zod';
import { shomeiError } from '../errors/index.ts';
import type { CaAdapterKind } from './adapter.ts';
import type { CfsslSettings } from './cfssl.ts';

const schema = z.object({
  SHOMEI_RSSP_CA: z.enum(['embedded', 'manual', 'cfssl']).default('embedded'),
  SHOMEI_CFSSL_URL: z.string().url().optional(),
  SHOMEI_CFSSL_PROFILE: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .default('signer'),
  SHOMEI_CFSSL_AUTH_KEY: z
    .string()
    .regex(/^([0-9a-fA-F]{2}){16,64}$/, 'must be 16 to 64 bytes of hex')
    .optional(),
  SHOMEI_CFSSL_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
});

export interface CredentialCaSettings {
  readonly kind: CaAdapterKind;
  readonly cfssl?: CfsslSettings;
}

function invalid(setting: string, message: string): Error {
  return shomeiError(
    'SHOMEI_CONFIG_INVALID',
    `設定 ${setting} が不正です: ${message}`,
    `Setting ${setting} is invalid: ${message}`,
    { status: 500, details: { setting } },
  );
}

export function loadCredentialCaSettings(env: NodeJS.ProcessEnv = process.env): CredentialCaSettings {
  // Parsed once per process, as parseSettings does: without zod's eval-compiled fast path (ADR 050).
  const parsed = schema.safeParse(env, { jitless: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // The message never repeats the value: SHOMEI_CFSSL_AUTH_KEY is a secret.
    throw invalid(String(issue.path[0] ?? 'configuration'), issue.message);
  }
  const e = parsed.data;
  if (e.SHOMEI_RSSP_CA !== 'cfssl') return { kind: e.SHOMEI_RSSP_CA };
  if (e.SHOMEI_CFSSL_URL === undefined)
    throw invalid('SHOMEI_CFSSL_URL', 'required when SHOMEI_RSSP_CA=cfssl');
  const url = new URL(e.SHOMEI_CFSSL_URL);
  if (url.username !== '' || url.password !== '')
    throw invalid('SHOMEI_CFSSL_URL', 'no credentials in the URL');
  return {
    kind: 'cfssl',
    cfssl: {
      url: e.SHOMEI_CFSSL_URL.replace(/\/+$/, ''),
      profile: e.SHOMEI_CFSSL_PROFILE,
      timeoutMillis: e.SHOMEI_CFSSL_TIMEOUT_MS,
      authKey: e.SHOMEI_CFSSL_AUTH_KEY,
    },
  };
}

/** The variables this file reads, for the settings catalogue (src/app/settings-catalogue.ts). */
export { schema as credentialCaSettingsSchema };
