/**
 * The visible seal (印影) of a signature for the signature widget's /AP /N. The seal is decoration;
 * the legal act is the digital signature it accompanies (ADR 008).
 */
export {
  buildSealAppearance,
  SEAL_RED,
  type SealAppearance,
  type SealAppearanceInput,
  type SealAppearanceOptions,
} from './appearance.ts';
export { SEAL_FONT_SETTING } from './errors.ts';
export { DEFAULT_SEAL_FONT, sealFontPath } from './font.ts';
export { formatJst, formatWareki, MAX_HORIZONTAL_NAME, MAX_LABEL, MAX_VERTICAL_NAME } from './text.ts';
export { buildTextPdf, type TextPdfInput, type TextPdfOptions } from './text-pdf.ts';
