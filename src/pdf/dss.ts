// Draft: implementation follows.
import type { DocumentSecurityStore, DssMaterial, PdfSource, WriteResult } from './types.ts';

export async function appendDocumentSecurityStore(
  _source: PdfSource,
  _material: DssMaterial,
  _options: { output?: string } = {},
): Promise<WriteResult> {
  throw new Error('not implemented yet');
}

export async function extractDss(_source: PdfSource): Promise<DocumentSecurityStore> {
  throw new Error('not implemented yet');
}
