/**
 * The fields of one of shomei's own stored certificates (the TSA unit's, a CA tier's) that its
 * tokens, CRLs and OCSP answers copy byte for byte, read with the DER walker. A whole asn1-schema
 * parse is the first, cold one of a process (35–40 ms of warm-up in `shomei sign`, ADR 051) and
 * yields the same bytes re-encoded; these are the bytes as stored, which is what RFC 5652's
 * IssuerAndSerialNumber and RFC 5035's IssuerSerial must match.
 */
import { createHash } from 'node:crypto';
import { PKI_LIMITS } from './der.ts';
import { type DerElement, type DerFailure, type DerReader, derReader, tlv } from './der-walker.ts';
import { inputTooLarge, malformed } from './errors.ts';
import { nameDerToString } from './names.ts';

const reader = derReader(malformed);

export interface CertificateParts {
  readonly der: Buffer;
  readonly issuer: DerElement;
  readonly serialNumber: DerElement;
  readonly subject: DerElement;
  readonly subjectPublicKeyInfo: DerElement;
  /** The subjectPublicKey BIT STRING's bits (without the unused-bits octet): what OCSP's key hash covers. */
  readonly subjectPublicKey: Buffer;
}

/** The elements of a Certificate and of its tbsCertificate (RFC 5280 4.1), as read. */
export interface CertificateStructure {
  readonly certificate: DerElement;
  readonly tbs: DerElement;
  readonly signatureAlgorithm: DerElement;
  readonly signature: DerElement;
  readonly serialNumber: DerElement;
  readonly issuer: DerElement;
  readonly validity: DerElement;
  readonly subject: DerElement;
  readonly subjectPublicKeyInfo: DerElement;
  /** The [3] extensions field, when present. */
  readonly extensions: DerElement | undefined;
}

/**
 * The one walk of a certificate's outer structure, for this module and for AdES's certificate fields
 * (which read foreign certificates): each passes its own reader and failure, so its error codes stay.
 */
export function certificateStructure(
  der: Uint8Array,
  what: string,
  reader: DerReader,
  fail: DerFailure,
): CertificateStructure {
  const certificate = reader.readSingle(der, what);
  if (certificate.tag !== 0x30) throw fail(what, 'not a SEQUENCE');
  const [tbs, signatureAlgorithm, signature] = reader.children(certificate, what);
  if (tbs?.tag !== 0x30 || signatureAlgorithm?.tag !== 0x30 || signature?.tag !== 0x03) {
    throw fail(what, 'not a Certificate');
  }
  const fields = reader.children(tbs, what);
  const [serialNumber, , issuer, validity, subject, spki] = fields.slice(fields[0]?.tag === 0xa0 ? 1 : 0);
  if (
    serialNumber?.tag !== 0x02 ||
    issuer?.tag !== 0x30 ||
    validity?.tag !== 0x30 ||
    subject?.tag !== 0x30 ||
    spki?.tag !== 0x30
  ) {
    throw fail(what, 'unexpected tbsCertificate fields');
  }
  const extensions = fields.find((field) => field.tag === 0xa3);
  return {
    certificate,
    tbs,
    signatureAlgorithm,
    signature,
    serialNumber,
    issuer,
    validity,
    subject,
    subjectPublicKeyInfo: spki,
    extensions,
  };
}

export function certificateParts(der: Uint8Array, what = 'certificate'): CertificateParts {
  if (der.byteLength > PKI_LIMITS.certificate) {
    throw inputTooLarge(what, der.byteLength, PKI_LIMITS.certificate);
  }
  const {
    certificate,
    issuer,
    serialNumber,
    subject,
    subjectPublicKeyInfo: spki,
  } = certificateStructure(der, what, reader, malformed);
  const [, bits] = reader.children(spki, what);
  if (bits?.tag !== 0x03 || bits.value.length === 0) throw malformed(what, 'no subjectPublicKey');
  return {
    der: Buffer.from(certificate.raw),
    issuer,
    serialNumber,
    subject,
    subjectPublicKeyInfo: spki,
    subjectPublicKey: bits.value.subarray(1),
  };
}

/**
 * RFC 5035 SigningCertificateV2 with one ESSCertIDv2 (SHA-256, the DEFAULT, so omitted) and its
 * IssuerSerial: GeneralNames holding one directoryName ([4], explicit because Name is a CHOICE).
 */
export function signingCertificateV2Der(certificate: CertificateParts): Buffer {
  const certHash = createHash('sha256').update(certificate.der).digest();
  const issuerSerial = tlv(0x30, tlv(0x30, tlv(0xa4, certificate.issuer.raw)), certificate.serialNumber.raw);
  return tlv(0x30, tlv(0x30, tlv(0x30, tlv(0x04, certHash), issuerSerial)));
}

/**
 * A certificate's subject as certificateFacts writes it (RFC 4514), from the Name's DER alone: no
 * parse of the whole certificate with its extensions (`shomei sign`'s output).
 */
export function certificateSubject(der: Uint8Array): string {
  const { subject } = certificateParts(der);
  try {
    return nameDerToString(subject.raw);
  } catch (error) {
    throw malformed('certificate', 'unreadable subject', error);
  }
}
