/**
 * GET /api/environment, declared with zod: what the web UI needs for the non-production banner and
 * the footer's list of overridden production safeguards. Imports zod only, so the web client can
 * type-check against it.
 */
import { z } from 'zod';

const bilingual = z.object({ ja: z.string(), en: z.string() });

export const environmentSchema = z.object({
  environment: z.enum(['production', 'staging', 'development']),
  production: z.boolean(),
  banner: bilingual.nullable().describe('The banner every non-production page shows'),
  certificateMark: z
    .literal('TEST')
    .nullable()
    .describe('The mark seals and certificates carry outside production'),
  overrides: z
    .array(z.string())
    .readonly()
    .describe('Production safeguards overridden by name (SHOMEI_PRODUCTION_OVERRIDES)'),
});
export type EnvironmentView = z.output<typeof environmentSchema>;
