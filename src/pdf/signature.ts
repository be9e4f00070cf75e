// Draft: implementation follows.
import type {
  ByteRange,
  PdfSignatureInfo,
  PdfSource,
  PreparedSignature,
  SignaturePlaceholder,
  SignaturePlaceholderOptions,
} from './types.ts';

export async function prepareSignatureRevision(
  _source: PdfSource,
  _options: SignaturePlaceholderOptions,
): Promise<PreparedSignature> {
  throw new Error('not implemented yet');
}

export async function digestByteRange(
  _prepared: PdfSource,
  _byteRange: ByteRange,
  _algorithm: 'sha256' | 'sha384' | 'sha512',
): Promise<Buffer> {
  throw new Error('not implemented yet');
}

export async function embedSignatureContents(
  _prepared: string | Uint8Array,
  _placeholder: SignaturePlaceholder,
  _der: Uint8Array,
): Promise<void> {
  throw new Error('not implemented yet');
}

export async function listSignatures(_source: PdfSource): Promise<PdfSignatureInfo[]> {
  throw new Error('not implemented yet');
}
