/**
 * CA settings from `SHOMEI_CA_…` environment variables (validated like src/config). The trusted
 * outside CAs come from a PEM file: SHOMEI_CA_TRUSTED_CAS, or <home>/trust/external-cas.pem.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { parseSettings, type ShomeiConfig } from '../config/index.ts';
import { KEY_ALGORITHMS } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import { type ParsedCertificate, parseCertificates } from '../pki/index.ts';
import { authorityNaming, NON_PRODUCTION_WORDS } from './naming.ts';
import type { CaSettings } from './types.ts';

/**
 * Policy OID of everything the development CA issues. It lies under 2.999, the arc ITU-T X.660
 * reserves for examples, so it can never be mistaken for a production policy; a UUID arc (2.25)
 * was avoided because its 128-bit arcs break common ASN.1 decoders (asn1js).
 */
export const DEVELOPMENT_POLICY_OID = '2.999.7436.1.1';

const oid = z.string().regex(/^[0-2](\.(0|[1-9][0-9]*)){1,30}$/, 'must be a dotted OID');

const schema = z.object({
  SHOMEI_CA_POLICY_OID: oid.default(DEVELOPMENT_POLICY_OID),
  SHOMEI_CA_ROOT_ALGORITHM: z.enum(KEY_ALGORITHMS).default('EC-P384'),
  SHOMEI_CA_ISSUING_ALGORITHM: z.enum(KEY_ALGORITHMS).default('EC-P256'),
  SHOMEI_CA_OCSP_ALGORITHM: z.enum(KEY_ALGORITHMS).default('EC-P256'),
  SHOMEI_CA_CRL_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(24),
  SHOMEI_CA_OCSP_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(60 * 24 * 7)
    .default(60),
  SHOMEI_CA_TRUSTED_CAS: z.string().min(1).optional(),
  // Names written into the CA's own certificates: printable, no RFC 4514 specials that confuse readers.
  SHOMEI_CA_ORGANIZATION: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[^\p{Cc},;+="<>\\#]+$/u, 'must be a name without control characters or , ; + = " < > \\ #')
    .optional(),
  SHOMEI_CA_COUNTRY: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be a two-letter ISO 3166 country code such as JP')
    .default('JP'),
  SHOMEI_CA_NAME_PREFIX: z
    .string()
    .trim()
    .min(1)
    .max(48)
    .regex(/^[^\p{Cc},;+="<>\\#]+$/u, 'must be a name without control characters or , ; + = " < > \\ #')
    .optional(),
});

export interface LoadedCaSettings {
  readonly settings: CaSettings;
  readonly trustedCas: readonly ParsedCertificate[];
}

export function loadCaSettings(config: ShomeiConfig, env: NodeJS.ProcessEnv = process.env): LoadedCaSettings {
  const e = parseSettings(schema, env);
  if (config.environment === 'production') {
    // Production names must never read like a test CA's (criteria 2.1.3 (16): environments kept apart).
    for (const setting of ['SHOMEI_CA_ORGANIZATION', 'SHOMEI_CA_NAME_PREFIX'] as const) {
      const value = e[setting];
      if (value !== undefined && NON_PRODUCTION_WORDS.test(value)) {
        throw shomeiError(
          'SHOMEI_CONFIG_INVALID',
          `設定 ${setting} が不正です: 本番環境の名前に Development / TEST などの語は使えません。`,
          `Setting ${setting} is invalid: production names must not contain words such as Development or TEST.`,
          { status: 500, details: { setting } },
        );
      }
    }
  }
  const trustFile = e.SHOMEI_CA_TRUSTED_CAS ?? path.join(config.home, 'trust', 'external-cas.pem');
  let trustedCas: ParsedCertificate[] = [];
  if (existsSync(trustFile)) {
    try {
      trustedCas = parseCertificates(readFileSync(trustFile));
    } catch (error) {
      throw shomeiError(
        'SHOMEI_CONFIG_INVALID',
        `設定 SHOMEI_CA_TRUSTED_CAS のファイルを読めません: ${trustFile}`,
        `Setting SHOMEI_CA_TRUSTED_CAS names a file that is not a PEM certificate bundle: ${trustFile}`,
        { status: 500, details: { setting: 'SHOMEI_CA_TRUSTED_CAS' }, cause: error },
      );
    }
  } else if (e.SHOMEI_CA_TRUSTED_CAS !== undefined) {
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      `設定 SHOMEI_CA_TRUSTED_CAS のファイルがありません: ${trustFile}`,
      `Setting SHOMEI_CA_TRUSTED_CAS names a file that does not exist: ${trustFile}`,
      { status: 500, details: { setting: 'SHOMEI_CA_TRUSTED_CAS' } },
    );
  }
  return {
    settings: {
      rootAlgorithm: e.SHOMEI_CA_ROOT_ALGORITHM,
      issuingAlgorithm: e.SHOMEI_CA_ISSUING_ALGORITHM,
      ocspAlgorithm: e.SHOMEI_CA_OCSP_ALGORITHM,
      publicUrl: config.http.publicUrl,
      policyOid: e.SHOMEI_CA_POLICY_OID,
      crlValidityHours: e.SHOMEI_CA_CRL_HOURS,
      ocspValidityMinutes: e.SHOMEI_CA_OCSP_MINUTES,
      naming:
        authorityNaming(config.environment, {
          organization: e.SHOMEI_CA_ORGANIZATION,
          country: e.SHOMEI_CA_COUNTRY,
          namePrefix: e.SHOMEI_CA_NAME_PREFIX,
        }) ?? null,
    },
    trustedCas,
  };
}

/** The variables this file reads, for the settings catalogue (src/app/settings-catalogue.ts). */
export { schema as caSettingsSchema };
