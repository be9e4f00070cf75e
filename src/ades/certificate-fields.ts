/**
 * The few fields of an X.509 certificate that CMS copies byte for byte (issuer, serial number,
 * public key). Read with the DER walker so that IssuerAndSerialNumber and ESSCertIDv2 match the
 * certificate exactly, whatever encoding choices its CA made.
 */
import { createHash } from 'node:crypto';
import { certificateStructure, type DerElement } from '../pki/index.ts';
import { adesDerReader, adesInputTooLarge, adesMalformed, children, readOid } from './errors.ts';

export const MAX_CERTIFICATE_BYTES = 64 * 1024;

export interface CertificateFields {
  readonly der: Buffer;
  /** The exact tbsCertificate bytes the CA signed. */
  readonly tbs: DerElement;
  readonly signatureAlgorithm: DerElement;
  /** The BIT STRING value without its unused-bits octet. */
  readonly signatureValue: Buffer;
  /** Extension OIDs (dotted), in order. */
  readonly extensionOids: readonly string[];
  readonly issuer: DerElement;
  readonly subject: DerElement;
  readonly serialNumber: DerElement;
  readonly subjectPublicKeyInfo: DerElement;
  readonly notAfter: Date | undefined;
}

function parseTime(element: DerElement | undefined): Date | undefined {
  if (element === undefined) return undefined;
  const text = element.value.toString('latin1');
  const utc = element.tag === 0x17;
  const match = utc ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : null;
  if (match) {
    const year = Number(match[1]) < 50 ? 2000 + Number(match[1]) : 1900 + Number(match[1]);
    return new Date(Date.UTC(year, Number(match[2]) - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!));
  }
  const general = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (general) {
    return new Date(
      Date.UTC(+general[1]!, +general[2]! - 1, +general[3]!, +general[4]!, +general[5]!, +general[6]!),
    );
  }
  return undefined;
}

export function certificateFields(der: Uint8Array, what = 'certificate'): CertificateFields {
  if (der.length > MAX_CERTIFICATE_BYTES) throw adesInputTooLarge(what, der.length, MAX_CERTIFICATE_BYTES);
  const parts = certificateStructure(der, what, adesDerReader, adesMalformed);
  const extensionOids: string[] = [];
  if (parts.extensions !== undefined) {
    const [sequence] = children(parts.extensions, what);
    for (const extension of sequence === undefined ? [] : children(sequence, what)) {
      const [oid] = children(extension, what);
      if (oid !== undefined) extensionOids.push(readOid(oid, what));
    }
  }
  return {
    der: Buffer.from(parts.certificate.raw),
    tbs: parts.tbs,
    signatureAlgorithm: parts.signatureAlgorithm,
    signatureValue: parts.signature.value.subarray(1),
    extensionOids,
    issuer: parts.issuer,
    subject: parts.subject,
    serialNumber: parts.serialNumber,
    subjectPublicKeyInfo: parts.subjectPublicKeyInfo,
    notAfter: parseTime(children(parts.validity, what)[1]),
  };
}

export function isSelfIssued(fields: CertificateFields): boolean {
  return fields.issuer.raw.equals(fields.subject.raw);
}

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}
