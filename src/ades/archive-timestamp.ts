/**
 * CAdES B-LTA: archive-time-stamp-v3 (ETSI EN 319 122-1 5.5.3) with its ats-hash-index-v3 (5.5.2).
 *
 * Message imprint input, in this order:
 *   1. encapContentInfo.eContentType, as encoded;
 *   2. the hash of the signed (here: detached) content under the archive timestamp's hash algorithm;
 *   3. SignerInfo version, sid, digestAlgorithm, signedAttrs, signatureAlgorithm, signature, as encoded;
 *   4. the ATSHashIndexV3 that is then put, as the ats-hash-index-v3 unsigned attribute, into the
 *      timestamp token's own SignerInfo.
 * ATSHashIndexV3 lists, under hashIndAlgorithm, the hash of each CertificateChoices and each
 * RevocationInfoChoice of the SignedData, and for every value of every unsigned attribute of the
 * signer the hash of (attrType ‖ that AttributeValue), all as encoded.
 */
import { createHash } from 'node:crypto';
import { derOid, tlv } from '../pki/index.ts';
import { adesMalformed, children, readSingle } from './errors.ts';
import { ADES_OID } from './oids.ts';
import { type SignedDataParts, soleSigner, unsignedAttribute, withUnsignedAttribute } from './signed-data.ts';
import { requestTimestamp, type TimestampAuthority } from './timestamp.ts';

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

function sequenceOfHashes(inputs: readonly Uint8Array[]): Buffer {
  return tlv(0x30, ...inputs.map((input) => tlv(0x04, sha256(input))));
}

/** The ATSHashIndexV3 for the signature as it is now (SHA-256, algorithm written out as in Annex D). */
export function atsHashIndexV3(parts: SignedDataParts): Buffer {
  const signer = soleSigner(parts);
  const attributeValueInputs: Buffer[] = [];
  for (const raw of signer.unsignedAttributes) {
    const [attrType, values] = children(readSingle(raw, 'unsigned attribute'), 'unsigned attribute');
    if (attrType?.tag !== 0x06 || values?.tag !== 0x31)
      throw adesMalformed('unsigned attribute', 'bad Attribute');
    for (const value of children(values, 'unsigned attribute')) {
      attributeValueInputs.push(Buffer.concat([attrType.raw, value.raw]));
    }
  }
  return tlv(
    0x30,
    tlv(0x30, derOid(ADES_OID.sha256)),
    sequenceOfHashes(parts.certificates),
    sequenceOfHashes(parts.crls),
    sequenceOfHashes(attributeValueInputs),
  );
}

/** The bytes whose SHA-256 is the archive-time-stamp-v3 message imprint. */
export function archiveTimestampInput(
  parts: SignedDataParts,
  contentSha256: Uint8Array,
  hashIndex: Uint8Array,
): Buffer {
  const [eContentType] = children(readSingle(parts.encapContentInfo, 'encapContentInfo'), 'encapContentInfo');
  if (eContentType?.tag !== 0x06) throw adesMalformed('encapContentInfo', 'no eContentType');
  return Buffer.concat([eContentType.raw, contentSha256, ...soleSigner(parts).signedPart, hashIndex]);
}

/** Adds an archive-time-stamp-v3 over the signature as it is now. */
export async function addArchiveTimestampV3(
  parts: SignedDataParts,
  contentSha256: Uint8Array,
  tsa: TimestampAuthority,
): Promise<SignedDataParts> {
  if (contentSha256.length !== 32) throw adesMalformed('content digest', 'not SHA-256');
  const hashIndex = atsHashIndexV3(parts);
  const imprint = sha256(archiveTimestampInput(parts, contentSha256, hashIndex));
  const token = await requestTimestamp(tsa, imprint, 'SHA-256');
  // The hash index travels as an unsigned attribute of the token's SignerInfo (not covered by the
  // TSA's signature, so adding it keeps the token valid).
  const withIndex = withUnsignedAttribute(token.parts, unsignedAttribute(ADES_OID.atsHashIndexV3, hashIndex));
  const tokenDer = encodeTokenLike(token.der, withIndex);
  return withUnsignedAttribute(parts, unsignedAttribute(ADES_OID.archiveTimestampV3, tokenDer));
}

/** Re-encodes a token with its new SignerInfo, keeping the TSA's SignedData version as it was. */
function encodeTokenLike(original: Buffer, parts: SignedDataParts): Buffer {
  const [, explicit] = children(readSingle(original, 'timestamp token'), 'timestamp token');
  const [signedData] = children(explicit!, 'timestamp token');
  const [version] = children(signedData!, 'timestamp token');
  const optional: Buffer[] = [];
  if (parts.certificates.length > 0) optional.push(tlv(0xa0, ...parts.certificates));
  if (parts.crls.length > 0) optional.push(tlv(0xa1, ...parts.crls));
  const signer = soleSigner(parts);
  const signerInfo = tlv(0x30, ...signer.signedPart, tlv(0xa1, ...signer.unsignedAttributes));
  const body = tlv(
    0x30,
    version!.raw,
    parts.digestAlgorithms,
    parts.encapContentInfo,
    ...optional,
    tlv(0x31, signerInfo),
  );
  return tlv(0x30, derOid(ADES_OID.signedData), tlv(0xa0, body));
}
