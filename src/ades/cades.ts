/**
 * CAdES detached signatures (ETSI EN 319 122-1/-2 baseline; JIS X 5092 long-term profile) for any
 * file: B-B (ES), B-T (ES-T), B-LT (ES-XL: certificates and revocation values inside SignedData),
 * B-LTA (ES-A: archive-time-stamp-v3).
 */
import { readFile } from 'node:fs/promises';
import type { DigestAlgorithm, DigestSigner, SignatureScheme } from '../crypto/index.ts';
import { derOid, tlv } from '../pki/index.ts';
import { addArchiveTimestampV3 } from './archive-timestamp.ts';
import { signatureCertificates } from './cms-inspection.ts';
import {
  completeCmsSignatureParts,
  type PreparedCmsSignature,
  prepareCmsSignature,
} from './cms-signature.ts';
import { adesInputTooLarge, adesServiceMissing, children, readOid, readSingle } from './errors.ts';
import { DEFAULT_MAX_FILE_BYTES, digestContent, writeFileAtomic } from './files.ts';
import { levelAtLeast, type SignatureLevel } from './levels.ts';
import { ADES_OID } from './oids.ts';
import { addSignatureTimestamp } from './signature-timestamp.ts';
import type { CommitmentType } from './signed-attributes.ts';
import {
  attributeValues,
  encodeSignedData,
  MAX_CMS_BYTES,
  parseSignedData,
  type SignedDataParts,
  signedAttributesSet,
  soleSigner,
} from './signed-data.ts';
import type { TimestampAuthority } from './timestamp.ts';
import { gatherValidationData, type RevocationSource, type ValidationMaterial } from './validation-data.ts';

/** The detached content: a path (streamed) or bytes. */
export type DetachedContent = string | Uint8Array;

export interface CadesPrepareOptions {
  readonly content: DetachedContent;
  readonly signerCertificate: Uint8Array;
  readonly certificateChain: readonly Uint8Array[];
  readonly digestAlgorithm?: DigestAlgorithm;
  readonly signatureScheme?: SignatureScheme;
  /** Default now; CAdES carries it as the signing-time signed attribute. */
  readonly signingTime?: Date;
  readonly commitmentType?: CommitmentType;
  readonly maxContentBytes?: number;
}

export async function prepareCadesSignature(options: CadesPrepareOptions): Promise<PreparedCmsSignature> {
  const digestAlgorithm = options.digestAlgorithm ?? 'SHA-256';
  const digests = await digestContent(options.content, [digestAlgorithm], options.maxContentBytes);
  return prepareCmsSignature({
    contentDigest: digests.get(digestAlgorithm)!,
    digestAlgorithm,
    ...(options.signatureScheme ? { signatureScheme: options.signatureScheme } : {}),
    signerCertificate: options.signerCertificate,
    certificateChain: options.certificateChain,
    signingTime: options.signingTime ?? new Date(),
    ...(options.commitmentType ? { commitmentType: options.commitmentType } : {}),
  });
}

export interface CadesExtensionOptions {
  readonly level: SignatureLevel;
  readonly tsa?: TimestampAuthority | undefined;
  readonly revocationSource?: RevocationSource | undefined;
  /** Needed for B-LTA when the signature's digest is not SHA-256 (the content is hashed again). */
  readonly content?: DetachedContent;
}

/** Adds certificates and revocation values (OCSP as id-ri-ocsp-response) to SignedData, once each. */
export function withValidationMaterial(
  parts: SignedDataParts,
  material: ValidationMaterial,
): SignedDataParts {
  const certificates = [...parts.certificates];
  for (const certificate of material.certificates) {
    if (!certificates.some((c) => c.equals(certificate))) certificates.push(certificate);
  }
  const crls = [...parts.crls];
  const revocationChoices = [
    ...material.crls,
    ...material.ocspResponses.map((r) => tlv(0xa1, derOid(ADES_OID.riOcspResponse), r)),
  ];
  for (const choice of revocationChoices) {
    if (!crls.some((c) => c.equals(choice))) crls.push(choice);
  }
  return { ...parts, certificates, crls };
}

function messageDigestOf(parts: SignedDataParts): Buffer {
  const set = readSingle(signedAttributesSet(soleSigner(parts)), 'signed attributes');
  const [value] = attributeValues(
    children(set, 'signed attributes').map((a) => a.raw),
    ADES_OID.messageDigest,
  );
  return readSingle(value!, 'message-digest').value;
}

function signerDigestIsSha256(parts: SignedDataParts): boolean {
  const [oid] = children(readSingle(soleSigner(parts).signedPart[2]!, 'digestAlgorithm'), 'digestAlgorithm');
  return oid !== undefined && readOid(oid, 'digestAlgorithm') === ADES_OID.sha256;
}

/** Takes a freshly completed (B-B) signature up to `level`. */
export async function extendCadesSignature(
  parts: SignedDataParts,
  options: CadesExtensionOptions,
): Promise<SignedDataParts> {
  let current = parts;
  if (!levelAtLeast(options.level, 'B-T')) return current;
  const tsa = requireTsa(options.tsa);
  const stamped = await addSignatureTimestamp(current, tsa);
  current = stamped.parts;
  if (!levelAtLeast(options.level, 'B-LT')) return current;
  if (options.revocationSource === undefined) throw missingPort('revocationSource');
  const signer = current.certificates[0]!;
  const material = await gatherValidationData(
    [signer, ...stamped.token.certificates],
    [...current.certificates, ...stamped.token.certificates],
    options.revocationSource,
  );
  current = withValidationMaterial(current, material);
  if (!levelAtLeast(options.level, 'B-LTA')) return current;
  let contentSha256: Buffer;
  if (signerDigestIsSha256(current)) contentSha256 = messageDigestOf(current);
  else {
    if (options.content === undefined) throw missingPort('content');
    contentSha256 = (await digestContent(options.content, ['SHA-256'])).get('SHA-256')!;
  }
  return addArchiveTimestampV3(current, contentSha256, tsa);
}

export function requireTsa(tsa: TimestampAuthority | undefined): TimestampAuthority {
  if (tsa === undefined) throw missingPort('tsa');
  return tsa;
}

function missingPort(name: string): Error {
  return adesServiceMissing(name);
}

export interface CompleteCadesOptions extends CadesExtensionOptions {
  readonly state: unknown;
  readonly signatureValue: Uint8Array;
}

/** Assembles the CAdES signature (DER ContentInfo) at the requested level. */
export async function completeCadesSignature(options: CompleteCadesOptions): Promise<Buffer> {
  const parts = completeCmsSignatureParts(options.state, options.signatureValue);
  return encodeSignedData(await extendCadesSignature(parts, options));
}

/** Reads an existing detached .p7s (ours or another's, one signer) for extension. */
export async function readCadesSignature(source: string | Uint8Array): Promise<SignedDataParts> {
  const bytes = typeof source === 'string' ? await readFile(source) : source;
  if (bytes.length > MAX_CMS_BYTES) throw adesInputTooLarge('CMS signature', bytes.length, MAX_CMS_BYTES);
  const parts = parseSignedData(bytes);
  soleSigner(parts);
  return parts;
}

export interface SignCadesOptions {
  readonly input: string;
  readonly output: string;
  readonly signer: DigestSigner;
  readonly signerCertificate: Uint8Array;
  readonly certificateChain: readonly Uint8Array[];
  readonly level: SignatureLevel;
  readonly tsa?: TimestampAuthority;
  readonly revocationSource?: RevocationSource;
  readonly digestAlgorithm?: DigestAlgorithm;
  readonly signatureScheme?: SignatureScheme;
  readonly commitmentType?: CommitmentType;
  readonly maxContentBytes?: number;
}

/** One call: prepare, sign in the HSM, complete, write the .p7s atomically. */
export async function signCades(options: SignCadesOptions): Promise<{ output: string; signature: Buffer }> {
  const prepared = await prepareCadesSignature({
    content: options.input,
    signerCertificate: options.signerCertificate,
    certificateChain: options.certificateChain,
    ...(options.digestAlgorithm ? { digestAlgorithm: options.digestAlgorithm } : {}),
    ...(options.signatureScheme ? { signatureScheme: options.signatureScheme } : {}),
    ...(options.commitmentType ? { commitmentType: options.commitmentType } : {}),
    maxContentBytes: options.maxContentBytes ?? DEFAULT_MAX_FILE_BYTES,
  });
  const signatureValue = await options.signer.signDigest(
    prepared.digestToSign,
    prepared.digestAlgorithm,
    prepared.signatureScheme,
  );
  const signature = await completeCadesSignature({
    state: prepared.state,
    signatureValue,
    level: options.level,
    content: options.input,
    ...(options.tsa ? { tsa: options.tsa } : {}),
    ...(options.revocationSource ? { revocationSource: options.revocationSource } : {}),
  });
  await writeFileAtomic(options.output, signature);
  return { output: options.output, signature };
}

export interface RenewCadesOptions {
  /** The existing detached signature (DER). */
  readonly signature: Uint8Array;
  readonly content: DetachedContent;
  readonly tsa: TimestampAuthority;
  readonly revocationSource: RevocationSource;
}

/**
 * Archive renewal (ES-A over ES-A): adds validation data for every timestamp already in the
 * signature (signature and archive timestamps' TSA chains) to SignedData, then a new
 * archive-time-stamp-v3 whose hash index covers it all. Run before the last TSA certificate expires.
 */
export async function renewCadesArchiveTimestamp(options: RenewCadesOptions): Promise<Buffer> {
  let parts = parseSignedData(options.signature);
  const carried = signatureCertificates(options.signature);
  const material = await gatherValidationData(carried.signers, carried.pool, options.revocationSource);
  parts = withValidationMaterial(parts, material);
  const contentSha256 = signerDigestIsSha256(parts)
    ? messageDigestOf(parts)
    : (await digestContent(options.content, ['SHA-256'])).get('SHA-256')!;
  return encodeSignedData(await addArchiveTimestampV3(parts, contentSha256, options.tsa));
}
