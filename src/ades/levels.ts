/** Baseline signature levels (ETSI EN 319 142-1 / 319 122-1) and the names used in Japan. */
import { signatureLevelInvalid } from './errors.ts';

export const SIGNATURE_LEVELS = ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const;
export type SignatureLevel = (typeof SIGNATURE_LEVELS)[number];

/** JIS X 5092 / X 5093 (CAdES / XAdES long-term profiles) names shown next to the ETSI levels. */
export const JIS_LEVEL_NAMES: Record<SignatureLevel, { readonly ja: string; readonly en: string }> = {
  'B-B': { ja: 'ES (基本署名)', en: 'ES (basic electronic signature)' },
  'B-T': { ja: 'ES-T (署名タイムスタンプ付き)', en: 'ES-T (with signature timestamp)' },
  'B-LT': { ja: 'ES-XL (検証情報付き)', en: 'ES-XL (with validation data)' },
  'B-LTA': { ja: 'ES-A (アーカイブタイムスタンプ付き長期署名)', en: 'ES-A (long-term, archive timestamp)' },
};

export function parseSignatureLevel(text: string): SignatureLevel {
  const upper = text.trim().toUpperCase();
  const found = SIGNATURE_LEVELS.find((l) => l === upper);
  if (found === undefined) throw signatureLevelInvalid(text.slice(0, 16));
  return found;
}

export function levelAtLeast(level: SignatureLevel, minimum: SignatureLevel): boolean {
  return SIGNATURE_LEVELS.indexOf(level) >= SIGNATURE_LEVELS.indexOf(minimum);
}
