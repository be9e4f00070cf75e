/**
 * The PDF work of one signature act on one document, in two halves around the HSM (ADR 034):
 * `prepareActSignature` draws the seal, writes the signature revision with its placeholder and
 * computes the digest to sign; `completeActSignature` asks the TSA for the signature timestamp and
 * embeds the CMS. Pure document work: on a worker thread the app's work pool runs both halves, while
 * the signature value and the timestamp come from the main thread, where the keys' PKCS#11 session is
 * (ADR 015) — no PKCS#11 handle crosses threads.
 */
import { readFile } from 'node:fs/promises';
import {
  completePdfSignature,
  type PreparedPdfSignature,
  preparePdfSignature,
  type TimestampAuthority,
} from '../../ades/index.ts';
import type { SignatureScheme } from '../../crypto/index.ts';
import { buildSealAppearance, type SealAppearanceInput } from '../../seal/index.ts';

/** The visible seal as data (drawn where the revision is written: fontkit work off the event loop). */
export interface ActSeal {
  readonly appearance: SealAppearanceInput;
  readonly page: number;
  readonly rect: readonly [number, number, number, number];
}

export interface ActPreparation {
  /** The document as the party reviewed it. */
  readonly bytes: Uint8Array;
  /** Where the prepared revision is written, in the act's private work directory. */
  readonly preparedPath: string;
  readonly signerCertificate: Uint8Array;
  readonly certificateChain: readonly Uint8Array[];
  readonly signatureScheme?: SignatureScheme | undefined;
  readonly fieldName: string;
  readonly signerName: string;
  readonly reason: string;
  readonly location?: string | undefined;
  readonly signingTime: Date;
  readonly seal?: ActSeal | undefined;
}

export interface ActCompletion {
  /** PreparedPdfSignature.state, as prepared (checked strictly when read). */
  readonly state: unknown;
  readonly signatureValue: Uint8Array;
  /** Where the signed document is written before it is read back. */
  readonly output: string;
}

/** The B-T signature revision of one document, up to the digest the HSM signs. */
export function prepareActSignature(input: ActPreparation): Promise<PreparedPdfSignature> {
  const seal = input.seal;
  return preparePdfSignature({
    input: input.bytes,
    preparedPath: input.preparedPath,
    signerCertificate: input.signerCertificate,
    certificateChain: input.certificateChain,
    level: 'B-T',
    fieldName: input.fieldName,
    signerName: input.signerName,
    reason: input.reason,
    signingTime: input.signingTime,
    signatureScheme: input.signatureScheme,
    location: input.location,
    ...(seal === undefined
      ? {}
      : { appearance: buildSealAppearance(seal.appearance), pageIndex: seal.page, rect: seal.rect }),
  });
}

/** The signed document's bytes: signature timestamp (B-T) added, CMS embedded. */
export async function completeActSignature(
  input: ActCompletion,
  provider: { readonly tsa: TimestampAuthority },
): Promise<Buffer> {
  await completePdfSignature({
    state: input.state,
    signatureValue: input.signatureValue,
    output: input.output,
    tsa: provider.tsa,
  });
  return readFile(input.output);
}
