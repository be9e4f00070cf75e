/**
 * Reading the ESS signing-certificate attributes (RFC 2634, RFC 5035) of a timestamp token, which
 * bind it to the TSA certificate. No installed @peculiar package models ESS, and the schema
 * decorators need legacy decorator support this project does not compile with, so the small
 * structures are read with asn1js. The TSA writes its own with pki's signingCertificateV2Der.
 */
import * as asn1js from 'asn1js';
import { asn1Element } from '../pki/index.ts';

/** The first certHash of a SigningCertificateV2 value, with its hash algorithm (for checking). */
export function readSigningCertificateV2(der: Uint8Array): { hashOid: string; certHash: Buffer } | undefined {
  try {
    const outer = asn1Element(der, 'signing-certificate-v2');
    if (!(outer instanceof asn1js.Sequence)) return undefined;
    const certs = outer.valueBlock.value[0];
    if (!(certs instanceof asn1js.Sequence)) return undefined;
    const first = certs.valueBlock.value[0];
    if (!(first instanceof asn1js.Sequence)) return undefined;
    const [a, b] = first.valueBlock.value;
    if (a instanceof asn1js.Sequence) {
      const oid = a.valueBlock.value[0];
      if (!(oid instanceof asn1js.ObjectIdentifier) || !(b instanceof asn1js.OctetString)) return undefined;
      return { hashOid: oid.valueBlock.toString(), certHash: Buffer.from(b.valueBlock.valueHexView) };
    }
    if (!(a instanceof asn1js.OctetString)) return undefined;
    return { hashOid: '2.16.840.1.101.3.4.2.1', certHash: Buffer.from(a.valueBlock.valueHexView) };
  } catch {
    return undefined;
  }
}

/** The first certHash (SHA-1) of a v1 SigningCertificate (RFC 2634), which older TSAs still send. */
export function readSigningCertificateV1(der: Uint8Array): Buffer | undefined {
  try {
    const outer = asn1Element(der, 'signing-certificate');
    if (!(outer instanceof asn1js.Sequence)) return undefined;
    const certs = outer.valueBlock.value[0];
    if (!(certs instanceof asn1js.Sequence)) return undefined;
    const first = certs.valueBlock.value[0];
    if (!(first instanceof asn1js.Sequence)) return undefined;
    const hash = first.valueBlock.value[0];
    return hash instanceof asn1js.OctetString ? Buffer.from(hash.valueBlock.valueHexView) : undefined;
  } catch {
    return undefined;
  }
}
