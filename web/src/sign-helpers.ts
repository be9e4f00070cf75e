import { ApiError, getBytes, uploadForm } from './api.ts';
import type { SignOutcome } from './components/SignResult.tsx';
import type { SealBox } from './components/seal.ts';
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
  onStep: (step: 'fetch' | 'verify') => void = () => {},
): Promise<SignOutcome> {
  const document = envelope.documents[0];
  if (document === undefined) throw new Error('no document');
  onStep('fetch');
  const bytes = await getBytes(`/api/envelopes/${envelope.id}/documents/${document.id}`);
  onStep('verify');
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

/**
 * The seal fields on the first document as a signer sees them before signing: their own highlighted,
 * the parties still to sign dimmed (fields already signed show the real seal in the PDF).
 */
export function placementBoxes(
  envelope: Envelope,
  myPartyId: string,
  labels: { mine: string; other: (name: string) => string },
): SealBox[] {
  return envelope.parties.flatMap((p): SealBox[] => {
    const placement = p.placement;
    if (placement === undefined || placement === null || placement.document !== 0) return [];
    const mine = p.id === myPartyId;
    if (!mine && p.status !== 'waiting') return [];
    return [
      {
        key: mine ? 'mine' : p.id,
        label: mine ? labels.mine : labels.other(p.company ? `${p.company} ${p.name}` : p.name),
        page: placement.page,
        rect: placement.rect,
        variant: mine ? 'mine' : 'other',
      },
    ];
  });
}

/** Scrolls the viewer (and the window) so that the viewer's own seal field is in view. */
export function scrollToMySeal(): void {
  document.querySelector('[data-variant="mine"]')?.scrollIntoView({ block: 'center', behavior: 'smooth' });
}

/** What to do after a refused signature: retype PIN and code, or (once locked) ask the operator. */
export function signingHint(error: unknown): 'hint.pin' | 'hint.credentialLocked' {
  return error instanceof ApiError && error.code === 'SHOMEI_SIGNING_CREDENTIAL_LOCKED'
    ? 'hint.credentialLocked'
    : 'hint.pin';
}
