import { getBytes, uploadForm } from './api.ts';
import type { SignOutcome } from './components/SignResult.tsx';
import type { Envelope } from './pages/envelope-types.ts';
import type { ValidationReport } from './pages/verify-types.ts';

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Validates bytes with the public verifier (POST /api/verify), as anyone receiving the file could. */
export async function verifyBytes(bytes: ArrayBuffer, name: string, lang: string): Promise<ValidationReport> {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'application/pdf' }), name);
  return uploadForm<ValidationReport>(`/api/verify?lang=${lang}`, form, () => {});
}

/** After signing: fetch the output, validate it, and gather what the result screen lists. */
export async function outcomeOf(
  envelope: Envelope,
  signer: { id: string; email: string },
  signedSha256: string,
  lang: string,
): Promise<SignOutcome> {
  const document = envelope.documents[0];
  if (document === undefined) throw new Error('no document');
  const bytes = await getBytes(`/api/envelopes/${envelope.id}/documents/${document.id}`);
  const report = await verifyBytes(bytes, document.name, lang).catch(() => undefined);
  return {
    signerId: `${signer.email} (${signer.id})`,
    documentName: document.name,
    signedSha256,
    outputName: document.name,
    outputSha256: await sha256Hex(bytes),
    report,
  };
}
