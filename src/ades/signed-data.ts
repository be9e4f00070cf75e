/**
 * CMS SignedData (RFC 5652) held as the exact bytes of its parts, so that unsigned material
 * (timestamps, certificates, revocation values) can be added after signing without re-encoding —
 * and so without disturbing — anything that a signature or an archive timestamp covers.
 */
import { derInteger, derOid, tlv } from '../pki/index.ts';
import { adesInputTooLarge, adesMalformed, children, readOid, readSingle } from './errors.ts';
import { ADES_OID } from './oids.ts';

/** Largest CMS object accepted (a PDF /Contents or a .p7s with its validation data). */
export const MAX_CMS_BYTES = 16 * 1024 * 1024;

export interface SignerInfoParts {
  /** version, sid, digestAlgorithm, signedAttrs ([0]), signatureAlgorithm, signature — as encoded. */
  readonly signedPart: readonly Buffer[];
  /** Each unsigned Attribute, as encoded, in order. */
  readonly unsignedAttributes: readonly Buffer[];
}

export interface SignedDataParts {
  readonly digestAlgorithms: Buffer;
  readonly encapContentInfo: Buffer;
  /** Each CertificateChoices element, as encoded. */
  readonly certificates: readonly Buffer[];
  /** Each RevocationInfoChoice element, as encoded. */
  readonly crls: readonly Buffer[];
  readonly signerInfos: readonly SignerInfoParts[];
}

/** RFC 5652 5.1: the SignedData version follows from what it contains. */
function signedDataVersion(parts: SignedDataParts): number {
  const otherCertificate = parts.certificates.some((c) => c[0] === 0xa3);
  const otherCrl = parts.crls.some((c) => c[0] === 0xa1);
  if (otherCertificate || otherCrl) return 5;
  if (parts.certificates.some((c) => c[0] === 0xa2)) return 4;
  const [eContentTypeElement] = children(
    readSingle(parts.encapContentInfo, 'encapContentInfo'),
    'encapContentInfo',
  );
  const eContentType = eContentTypeElement === undefined ? '' : readOid(eContentTypeElement, 'eContentType');
  const v3Signer = parts.signerInfos.some((s) => s.signedPart[0]?.equals(derInteger(3)));
  if (parts.certificates.some((c) => c[0] === 0xa1) || v3Signer || eContentType !== ADES_OID.data) return 3;
  return 1;
}

export function encodeSignerInfo(signer: SignerInfoParts): Buffer {
  const unsigned = signer.unsignedAttributes.length > 0 ? [tlv(0xa1, ...signer.unsignedAttributes)] : [];
  return tlv(0x30, ...signer.signedPart, ...unsigned);
}

/** ContentInfo { id-signedData, [0] SignedData }, DER. */
export function encodeSignedData(parts: SignedDataParts): Buffer {
  const optional: Buffer[] = [];
  if (parts.certificates.length > 0) optional.push(tlv(0xa0, ...parts.certificates));
  if (parts.crls.length > 0) optional.push(tlv(0xa1, ...parts.crls));
  const signedData = tlv(
    0x30,
    derInteger(signedDataVersion(parts)),
    parts.digestAlgorithms,
    parts.encapContentInfo,
    ...optional,
    tlv(0x31, ...parts.signerInfos.map(encodeSignerInfo)),
  );
  return tlv(0x30, derOid(ADES_OID.signedData), tlv(0xa0, signedData));
}

/** Reads a ContentInfo holding SignedData (DER, definite lengths) into its parts. */
export function parseSignedData(bytes: Uint8Array, what = 'CMS signature'): SignedDataParts {
  if (bytes.length > MAX_CMS_BYTES) throw adesInputTooLarge(what, bytes.length, MAX_CMS_BYTES);
  const contentInfo = readSingle(bytes, what);
  if (contentInfo.tag !== 0x30) throw adesMalformed(what, 'not a ContentInfo');
  const [contentType, explicit] = children(contentInfo, what);
  if (
    contentType === undefined ||
    readOid(contentType, what) !== ADES_OID.signedData ||
    explicit?.tag !== 0xa0
  ) {
    throw adesMalformed(what, 'not SignedData');
  }
  const [signedData] = children(explicit, what);
  if (signedData?.tag !== 0x30) throw adesMalformed(what, 'SignedData is not a SEQUENCE');
  const fields = children(signedData, what);
  const [version, digestAlgorithms, encapContentInfo] = fields;
  const signerInfos = fields[fields.length - 1];
  if (
    version?.tag !== 0x02 ||
    digestAlgorithms?.tag !== 0x31 ||
    encapContentInfo?.tag !== 0x30 ||
    signerInfos?.tag !== 0x31 ||
    fields.length < 4
  ) {
    throw adesMalformed(what, 'unexpected SignedData fields');
  }
  let certificates: Buffer[] = [];
  let crls: Buffer[] = [];
  for (const field of fields.slice(3, -1)) {
    if (field.tag === 0xa0) certificates = children(field, what).map((c) => Buffer.from(c.raw));
    else if (field.tag === 0xa1) crls = children(field, what).map((c) => Buffer.from(c.raw));
    else throw adesMalformed(what, 'unexpected SignedData field');
  }
  const signers = children(signerInfos, what).map((signerInfo): SignerInfoParts => {
    if (signerInfo.tag !== 0x30) throw adesMalformed(what, 'SignerInfo is not a SEQUENCE');
    const signerFields = children(signerInfo, what);
    const last = signerFields[signerFields.length - 1];
    const hasUnsigned = last?.tag === 0xa1;
    const signedPart = (hasUnsigned ? signerFields.slice(0, -1) : signerFields).map((f) =>
      Buffer.from(f.raw),
    );
    if (signedPart.length !== 6 || signedPart[3]?.[0] !== 0xa0 || signedPart[5]?.[0] !== 0x04) {
      throw adesMalformed(what, 'SignerInfo without signed attributes');
    }
    return {
      signedPart,
      unsignedAttributes: hasUnsigned ? children(last, what).map((a) => Buffer.from(a.raw)) : [],
    };
  });
  if (signers.length === 0) throw adesMalformed(what, 'no SignerInfo');
  return {
    digestAlgorithms: Buffer.from(digestAlgorithms.raw),
    encapContentInfo: Buffer.from(encapContentInfo.raw),
    certificates,
    crls,
    signerInfos: signers,
  };
}

/** The only signer of a signature shomei made or extends (several signers are refused). */
export function soleSigner(parts: SignedDataParts, what = 'CMS signature'): SignerInfoParts {
  if (parts.signerInfos.length !== 1) throw adesMalformed(what, 'more than one SignerInfo');
  return parts.signerInfos[0]!;
}

/** The signature value (SignerInfo.signature octets). */
export function signatureValue(signer: SignerInfoParts): Buffer {
  const element = readSingle(signer.signedPart[5]!, 'signature');
  return Buffer.from(element.value);
}

/** The signed attributes as the DER SET OF that was signed ([0] IMPLICIT turned back into SET). */
export function signedAttributesSet(signer: SignerInfoParts): Buffer {
  return tlv(0x31, readSingle(signer.signedPart[3]!, 'signedAttrs').value);
}

/** The values of one attribute in a SET of attributes (signed or unsigned), as encoded. */
export function attributeValues(attributes: readonly Buffer[], type: string): Buffer[] {
  const out: Buffer[] = [];
  for (const raw of attributes) {
    const [attrType, values] = children(readSingle(raw, 'attribute'), 'attribute');
    if (attrType === undefined || values?.tag !== 0x31) throw adesMalformed('attribute', 'bad Attribute');
    if (readOid(attrType, 'attribute') === type) {
      out.push(...children(values, 'attribute').map((v) => Buffer.from(v.raw)));
    }
  }
  return out;
}

export function withUnsignedAttribute(parts: SignedDataParts, attribute: Buffer): SignedDataParts {
  const signer = soleSigner(parts);
  return {
    ...parts,
    signerInfos: [{ ...signer, unsignedAttributes: [...signer.unsignedAttributes, attribute] }],
  };
}

export function unsignedAttribute(type: string, value: Buffer): Buffer {
  return tlv(0x30, derOid(type), tlv(0x31, value));
}
