/** Assembling an X.509 v3 certificate from a template and signing it with a CA key in the HSM. */
import { randomBytes } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  Certificate,
  Extension,
  Extensions,
  type Name,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import type { DigestSigner } from '../crypto/index.ts';
import { encode, signingAlgorithm, signTbs } from '../pki/index.ts';

export interface CertificateTemplate {
  readonly serialNumber: Buffer;
  readonly subject: Name;
  readonly issuer: Name;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SubjectPublicKeyInfo, DER. */
  readonly publicKey: Uint8Array;
  readonly extensions: readonly Extension[];
}

/** 128 random bits (RFC 5280 allows 20 octets; CA/B asks ≥ 64 bits of entropy), positive, no leading zero. */
export function randomSerial(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes;
}

/** An extension whose value is the DER of `value` (or ASN.1 NULL when `value` is null). */
export function extension(oid: string, critical: boolean, value: object | null): Extension {
  const der = value === null ? new Uint8Array([0x05, 0x00]) : new Uint8Array(AsnConvert.serialize(value));
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(der) });
}

/** Whole seconds: DER times carry no fractions (RFC 5280 4.1.2.5). */
export function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

export async function signCertificate(template: CertificateTemplate, signer: DigestSigner): Promise<Buffer> {
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(template.serialNumber).buffer,
    signature: signingAlgorithm(signer),
    issuer: template.issuer,
    validity: new Validity({
      notBefore: wholeSeconds(template.notBefore),
      notAfter: wholeSeconds(template.notAfter),
    }),
    subject: template.subject,
    subjectPublicKeyInfo: AsnConvert.parse(template.publicKey, SubjectPublicKeyInfo),
    extensions: new Extensions([...template.extensions]),
  });
  const signed = await signTbs(tbs, signer);
  return encode(
    new Certificate({
      tbsCertificate: tbs,
      signatureAlgorithm: signed.signatureAlgorithm,
      signatureValue: new Uint8Array(signed.signature).buffer,
    }),
  );
}
