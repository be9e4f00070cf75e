/**
 * The few fields of an X.509 certificate that CMS copies byte for byte (issuer, serial number,
 * public key). Read with the DER walker so that IssuerAndSerialNumber and ESSCertIDv2 match the
 * certificate exactly, whatever encoding choices its CA made.
 */
import { createHash } from 'node:crypto';
import type { DerElement } from '../pki/index.ts';
import { adesInputTooLarge, adesMalformed, children, readOid, readSingle } from './errors.ts';

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
  const certificate = readSingle(der, what);
  if (certificate.tag !== 0x30) throw adesMalformed(what, 'not a SEQUENCE');
  const [tbs, signatureAlgorithm, signatureBits] = children(certificate, what);
  if (tbs?.tag !== 0x30 || signatureAlgorithm?.tag !== 0x30 || signatureBits?.tag !== 0x03) {
    throw adesMalformed(what, 'not a Certificate');
  }
  const fields = children(tbs, what);
  const start = fields[0]?.tag === 0xa0 ? 1 : 0;
  const [serialNumber, , issuer, validity, subject, spki] = fields.slice(start);
  if (
    serialNumber?.tag !== 0x02 ||
    issuer?.tag !== 0x30 ||
    validity?.tag !== 0x30 ||
    subject?.tag !== 0x30 ||
    spki?.tag !== 0x30
  ) {
    throw adesMalformed(what, 'unexpected tbsCertificate fields');
  }
  const extensionsField = fields.find((f) => f.tag === 0xa3);
  const extensionOids: string[] = [];
  if (extensionsField !== undefined) {
    const [sequence] = children(extensionsField, what);
    for (const extension of sequence === undefined ? [] : children(sequence, what)) {
      const [oid] = children(extension, what);
      if (oid !== undefined) extensionOids.push(readOid(oid, what));
    }
  }
  return {
    der: Buffer.from(certificate.raw),
    tbs,
    signatureAlgorithm,
    signatureValue: signatureBits.value.subarray(1),
    extensionOids,
    issuer,
    subject,
    serialNumber,
    subjectPublicKeyInfo: spki,
    notAfter: parseTime(children(validity, what)[1]),
  };
}

export function isSelfIssued(fields: CertificateFields): boolean {
  return fields.issuer.raw.equals(fields.subject.raw);
}

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}
