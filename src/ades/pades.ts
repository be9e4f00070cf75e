/**
 * PAdES baseline signatures (ETSI EN 319 142-1) as separate, resumable stages:
 *
 *   preparePdfSignature   → the revision with a /Contents hole is written; returns the digest to sign
 *                           and a JSON-safe state (nothing about the document is kept in memory)
 *   (any signer signs the digest: HSM in-process, or an RSSP batch under one SAD)
 *   completePdfSignature  → CMS (B-B) or CMS + signature timestamp (B-T) goes into the hole
 *   addValidationData     → incremental revision with /DSS and /VRI (B-LT)
 *   addDocumentTimestamp  → incremental revision with an ETSI.RFC3161 document timestamp (B-LTA)
 *
 * Every stage writes to a temporary file beside its output and renames it: no half-written PDFs.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import * as z from 'zod';
import type { DigestAlgorithm, SignatureScheme } from '../crypto/index.ts';
import { nodeDigestName } from '../crypto/index.ts';
import { embedSignatureContents, prepareSignatureRevision, type SignatureAppearance } from '../pdf/index.ts';
import { completeCmsSignatureParts, prepareCmsSignature } from './cms-signature.ts';
import { signingStateInvalid } from './errors.ts';
import { levelAtLeast, type SignatureLevel } from './levels.ts';
import { digestRangesAfterPrefix, type NodeDigestName, type PrefixDigest } from './prefix-digest.ts';
import { addSignatureTimestamp } from './signature-timestamp.ts';
import type { CommitmentType } from './signed-attributes.ts';
import { encodeSignedData } from './signed-data.ts';
import { readSigningState } from './signing-state.ts';
import type { TimestampAuthority } from './timestamp.ts';

/** Room reserved for a signature timestamp token (TSA certificate included) inside /Contents. */
const TIMESTAMP_ALLOWANCE = 12 * 1024;
const CMS_OVERHEAD = 3 * 1024;

export interface PdfSignatureRequest {
  /** The PDF to sign: a path (never loaded whole) or bytes. */
  readonly input: string | Uint8Array;
  /** Where the prepared revision is written; by default a temporary file beside `output`. */
  readonly preparedPath: string;
  readonly signerCertificate: Uint8Array;
  readonly certificateChain: readonly Uint8Array[];
  readonly digestAlgorithm?: DigestAlgorithm | undefined;
  readonly signatureScheme?: SignatureScheme | undefined;
  /** The level this signature will be completed to (sizes the /Contents hole). */
  readonly level?: SignatureLevel;
  readonly fieldName?: string | undefined;
  /** Zero-based page for a visible signature. */
  readonly pageIndex?: number | undefined;
  readonly rect?: readonly [number, number, number, number] | undefined;
  readonly appearance?: SignatureAppearance | undefined;
  readonly reason?: string | undefined;
  readonly location?: string | undefined;
  readonly contactInfo?: string | undefined;
  readonly signerName?: string | undefined;
  /** /M: the claimed signing time (PAdES has no signing-time attribute). Default now. */
  readonly signingTime?: Date | undefined;
  /** Certification signature (DocMDP): 2 = form filling and signing allowed afterwards. */
  readonly docMdp?: 1 | 2 | 3 | undefined;
  /** Used only without a /Reason (EN 319 142-1 5.3.2). */
  readonly commitmentType?: CommitmentType | undefined;
}

const pdfStateSchema = z
  .object({
    format: z.literal('shomei/pdf-signing-state'),
    version: z.literal(1),
    preparedPath: z.string().min(1).max(4096),
    fieldName: z.string().max(1024),
    byteRange: z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]),
    contentsOffset: z.number().int().nonnegative(),
    capacity: z.number().int().positive(),
    cms: z.record(z.string(), z.unknown()),
  })
  .strict();
export type PdfSigningState = z.infer<typeof pdfStateSchema>;

export interface PreparedPdfSignature {
  readonly digestToSign: Buffer;
  readonly digestAlgorithm: DigestAlgorithm;
  readonly signatureScheme: SignatureScheme;
  readonly state: PdfSigningState;
}

export function readPdfSigningState(input: unknown): PdfSigningState {
  let value = input;
  if (typeof input === 'string') {
    if (input.length > 1024 * 1024) throw signingStateInvalid('too large');
    try {
      value = JSON.parse(input);
    } catch {
      throw signingStateInvalid('not JSON');
    }
  }
  const parsed = pdfStateSchema.safeParse(value);
  if (!parsed.success)
    throw signingStateInvalid(parsed.error.issues[0]?.path.join('.') || 'unexpected shape');
  readSigningState(parsed.data.cms);
  return parsed.data;
}

function contentsSizeFor(request: PdfSignatureRequest): number {
  const certificates = [request.signerCertificate, ...request.certificateChain].reduce(
    (n, c) => n + c.length,
    0,
  );
  const timestamp = levelAtLeast(request.level ?? 'B-B', 'B-T') ? TIMESTAMP_ALLOWANCE : 0;
  return Math.ceil((certificates + CMS_OVERHEAD + timestamp) / 1024) * 1024;
}

/**
 * `prefix`: the digest state of the input file under the signature's digest algorithm, when the
 * caller hashed it already (signPdf does, to read a large file once for the signature and the
 * document timestamp).
 */
export async function preparePdfSignature(
  request: PdfSignatureRequest,
  prefix?: PrefixDigest,
): Promise<PreparedPdfSignature> {
  const digestAlgorithm = request.digestAlgorithm ?? 'SHA-256';
  const fieldName = request.fieldName ?? `Signature-${randomBytes(6).toString('hex')}`;
  const prepared = await prepareSignatureRevision(request.input, {
    fieldName,
    subFilter: 'ETSI.CAdES.detached',
    signingTime: request.signingTime ?? new Date(),
    contentsSize: contentsSizeFor(request),
    output: request.preparedPath,
    pageIndex: request.pageIndex,
    rect: request.rect,
    appearance: request.appearance,
    reason: request.reason,
    location: request.location,
    contactInfo: request.contactInfo,
    signerName: request.signerName,
    docMdpPermissions: request.docMdp,
  });
  try {
    const algorithm = nodeDigestName(digestAlgorithm) as NodeDigestName;
    const contentDigest =
      prefix !== undefined && prefix.algorithm === algorithm
        ? await digestRangesAfterPrefix(request.preparedPath, prepared.byteRange, prefix)
        : await prepared.digestByteRange(algorithm);
    const cms = prepareCmsSignature({
      contentDigest,
      digestAlgorithm,
      ...(request.signatureScheme ? { signatureScheme: request.signatureScheme } : {}),
      signerCertificate: request.signerCertificate,
      certificateChain: request.certificateChain,
      // EN 319 142-1 5.3.2: a commitment type only when there is no /Reason.
      ...(request.commitmentType && request.reason === undefined
        ? { commitmentType: request.commitmentType }
        : {}),
    });
    return {
      digestToSign: cms.digestToSign,
      digestAlgorithm: cms.digestAlgorithm,
      signatureScheme: cms.signatureScheme,
      state: {
        format: 'shomei/pdf-signing-state',
        version: 1,
        preparedPath: request.preparedPath,
        fieldName: prepared.fieldName,
        byteRange: [...prepared.byteRange] as [number, number, number, number],
        contentsOffset: prepared.placeholder.contentsOffset,
        capacity: prepared.placeholder.capacity,
        cms: { ...cms.state },
      },
    };
  } catch (error) {
    await rm(request.preparedPath, { force: true });
    throw error;
  }
}

export interface CompletePdfSignatureOptions {
  readonly state: unknown;
  readonly signatureValue: Uint8Array;
  readonly output: string;
  /** Given for B-T and above: the signature value is timestamped before embedding. */
  readonly tsa?: TimestampAuthority;
}

/** Embeds the CMS into the prepared revision and moves it to `output`. */
export async function completePdfSignature(
  options: CompletePdfSignatureOptions,
): Promise<{ output: string; cms: Buffer }> {
  const state = readPdfSigningState(options.state);
  try {
    let parts = completeCmsSignatureParts(state.cms, options.signatureValue);
    if (options.tsa !== undefined) parts = (await addSignatureTimestamp(parts, options.tsa)).parts;
    const cms = encodeSignedData(parts);
    await embedSignatureContents(
      state.preparedPath,
      { byteRange: state.byteRange, contentsOffset: state.contentsOffset, capacity: state.capacity },
      cms,
    );
    await rename(state.preparedPath, options.output);
    return { output: options.output, cms };
  } catch (error) {
    await rm(state.preparedPath, { force: true });
    throw error;
  }
}
