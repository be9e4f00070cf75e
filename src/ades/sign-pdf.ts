/** One call for a PAdES signature at any baseline level, built from the staged functions. */
import { rename, rm } from 'node:fs/promises';
import {
  type DigestAlgorithm,
  type DigestSigner,
  nodeDigestName,
  type SignatureScheme,
} from '../crypto/index.ts';
import type { SignatureAppearance } from '../pdf/index.ts';
import { adesLevelConflict, adesMalformed, adesServiceMissing } from './errors.ts';
import { temporaryPathFor } from './files.ts';
import { levelAtLeast, type SignatureLevel } from './levels.ts';
import { completePdfSignature, preparePdfSignature } from './pades.ts';
import { addDocumentTimestamp, addValidationData } from './pades-long-term.ts';
import { digestPrefix, type NodeDigestName } from './prefix-digest.ts';
import type { CommitmentType } from './signed-attributes.ts';
import type { TimestampAuthority } from './timestamp.ts';
import type { RevocationSource } from './validation-data.ts';

export interface SignPdfOptions {
  readonly input: string | Uint8Array;
  readonly output: string;
  readonly signer: DigestSigner;
  /** DER: the signer certificate first, then its issuers. */
  readonly certificateChain: readonly Uint8Array[];
  readonly level: SignatureLevel;
  readonly appearance?: SignatureAppearance | undefined;
  /** Zero-based page index of a visible signature. */
  readonly page?: number | undefined;
  readonly rect?: readonly [number, number, number, number] | undefined;
  readonly reason?: string | undefined;
  readonly location?: string | undefined;
  readonly signerName?: string | undefined;
  readonly fieldName?: string | undefined;
  /** /M, the claimed signing time (default now); give it when the appearance shows a time. */
  readonly signingTime?: Date | undefined;
  /** Certification signature with these DocMDP permissions (first signature of an envelope). */
  readonly docMdp?: 1 | 2 | 3 | undefined;
  readonly commitmentType?: CommitmentType | undefined;
  readonly digestAlgorithm?: DigestAlgorithm | undefined;
  readonly signatureScheme?: SignatureScheme | undefined;
  readonly tsa?: TimestampAuthority | undefined;
  readonly revocationSource?: RevocationSource | undefined;
}

export interface SignPdfResult {
  readonly output: string;
  readonly level: SignatureLevel;
  readonly fieldName: string;
  /** The CMS placed in /Contents. */
  readonly cms: Buffer;
  /**
   * The digest of the input as signPdf read it, under the signature's digest algorithm: the prefix
   * state it hashed anyway, so a caller showing "what was signed" need not read the file again (and
   * names exactly the bytes that were signed, even if the file changes afterwards).
   */
  readonly input: { readonly algorithm: DigestAlgorithm; readonly digest: Buffer };
}

export async function signPdf(options: SignPdfOptions): Promise<SignPdfResult> {
  const [signerCertificate, ...chain] = options.certificateChain;
  if (signerCertificate === undefined) throw adesMalformed('certificate chain', 'empty');
  if (options.docMdp === 1 && levelAtLeast(options.level, 'B-LT')) {
    // ISO 32000-2 allows DSS and document timestamps after P=1, but many validators (Acrobat)
    // flag them as violations; B-LT/B-LTA need those revisions, so refuse the combination.
    throw adesLevelConflict('DocMDP P=1', options.level);
  }
  if (levelAtLeast(options.level, 'B-T') && options.tsa === undefined) throw adesServiceMissing('TSA');
  if (levelAtLeast(options.level, 'B-LT') && options.revocationSource === undefined) {
    throw adesServiceMissing('revocation source');
  }
  const temporaries: string[] = [];
  const stage = (): string => {
    const path = temporaryPathFor(options.output);
    temporaries.push(path);
    return path;
  };
  try {
    // One pass over the original bytes serves the signature digest and, for B-LTA, the document
    // timestamp's digest (both SHA-256 by default).
    const digestAlgorithm = options.digestAlgorithm ?? 'SHA-256';
    const prefix = await digestPrefix(options.input, nodeDigestName(digestAlgorithm) as NodeDigestName);
    const input = { algorithm: digestAlgorithm, digest: prefix.state.copy().digest() };
    const prepared = await preparePdfSignature(
      {
        input: options.input,
        preparedPath: stage(),
        signerCertificate,
        certificateChain: chain,
        level: options.level,
        ...(options.digestAlgorithm ? { digestAlgorithm: options.digestAlgorithm } : {}),
        ...(options.signatureScheme ? { signatureScheme: options.signatureScheme } : {}),
        ...(options.fieldName ? { fieldName: options.fieldName } : {}),
        pageIndex: options.page,
        ...(options.rect ? { rect: options.rect } : {}),
        ...(options.appearance ? { appearance: options.appearance } : {}),
        reason: options.reason,
        location: options.location,
        signerName: options.signerName,
        signingTime: options.signingTime,
        docMdp: options.docMdp,
        ...(options.commitmentType ? { commitmentType: options.commitmentType } : {}),
      },
      prefix,
    );
    const signatureValue = await options.signer.signDigest(
      prepared.digestToSign,
      prepared.digestAlgorithm,
      prepared.signatureScheme,
    );
    let current = stage();
    const { cms } = await completePdfSignature({
      state: prepared.state,
      signatureValue,
      output: current,
      ...(levelAtLeast(options.level, 'B-T') ? { tsa: options.tsa! } : {}),
    });
    if (levelAtLeast(options.level, 'B-LT')) {
      const next = stage();
      // Only our signature: earlier ones may come from CAs the revocation source does not know.
      await addValidationData({
        input: current,
        output: next,
        revocationSource: options.revocationSource!,
        scope: { fieldNames: [prepared.state.fieldName] },
      });
      current = next;
    }
    if (levelAtLeast(options.level, 'B-LTA')) {
      const next = stage();
      await addDocumentTimestamp({ input: current, output: next, tsa: options.tsa!, prefix });
      current = next;
    }
    await rename(current, options.output);
    const fieldName = prepared.state.fieldName;
    return { output: options.output, level: options.level, fieldName, cms, input };
  } finally {
    await Promise.all(temporaries.map((t) => rm(t, { force: true })));
  }
}
