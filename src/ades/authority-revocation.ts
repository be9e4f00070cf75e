/**
 * A RevocationSource over the embedded CA (src/ca's CertificateAuthority fits this shape): a fresh
 * OCSP response for end-entity certificates of the issuing CA, and the CRL of whichever tier issued
 * the certificate. Both are produced in-process, so B-LT needs no network.
 */
import { createHash } from 'node:crypto';
import { derOid, tlv } from '../pki/index.ts';
import { certificateFields } from './certificate-fields.ts';
import { children, validationDataUnavailable } from './errors.ts';
import type { RevocationInformation, RevocationSource } from './validation-data.ts';

const SHA1_WITH_NULL = tlv(0x30, derOid('1.3.14.3.2.26'), Buffer.from([0x05, 0x00]));

/** What the embedded CA offers for revocation (structural: no dependency on src/ca internals). */
export interface EmbeddedCertificateAuthority {
  certificate(name: 'root' | 'issuing'): Promise<Buffer>;
  crl(name: 'root' | 'issuing'): Promise<Buffer>;
  respondOcsp(requestDer: Uint8Array): Promise<Buffer>;
  /** The answer for one certificate it issued, without a request (src/ca's CertificateAuthority). */
  respondOcspFor?(certificate: Uint8Array): Promise<Buffer>;
}

/**
 * An OCSP request for one certificate (CertID with SHA-1, as RFC 6960 responders expect), written
 * as DER from the certificates' own bytes: OCSPRequest { TBSRequest { requestList { Request {
 * CertID } } } }, version v1 (the DEFAULT, omitted), no extensions. The schema classes' generic
 * encoder was cold in every `shomei sign --level B-LT/B-LTA` for the same bytes (ADR 051).
 */
export function ocspRequestFor(certificate: Uint8Array, issuer: Uint8Array): Buffer {
  const subject = certificateFields(certificate);
  const issuerFields = certificateFields(issuer, 'issuer certificate');
  const [, keyBits] = children(issuerFields.subjectPublicKeyInfo, 'issuer certificate');
  if (keyBits?.tag !== 0x03 || keyBits.value.length === 0) {
    throw validationDataUnavailable('the issuer certificate has no public key');
  }
  const sha1 = (data: Uint8Array): Buffer => createHash('sha1').update(data).digest();
  const certId = tlv(
    0x30,
    SHA1_WITH_NULL,
    tlv(0x04, sha1(issuerFields.subject.raw)),
    // issuerKeyHash: the subjectPublicKey BIT STRING's bits, without its unused-bits octet.
    tlv(0x04, sha1(keyBits.value.subarray(1))),
    subject.serialNumber.raw,
  );
  return tlv(0x30, tlv(0x30, tlv(0x30, tlv(0x30, certId))));
}

export function embeddedRevocationSource(
  ca: EmbeddedCertificateAuthority,
  extraCertificates: readonly Uint8Array[] = [],
): RevocationSource & { load(): Promise<void> } {
  let root: Buffer | undefined;
  let issuing: Buffer | undefined;
  const certificates: Uint8Array[] = [...extraCertificates];
  const source = {
    certificates,
    async load(): Promise<void> {
      root = await ca.certificate('root');
      issuing = await ca.certificate('issuing');
      certificates.push(issuing, root);
    },
    async revocationFor(certificate: Uint8Array, issuer: Uint8Array): Promise<RevocationInformation> {
      if (root === undefined || issuing === undefined) await source.load();
      const by = Buffer.from(issuer);
      if (by.equals(issuing!)) {
        return {
          crls: [await ca.crl('issuing')],
          // The CA's own answer, as to a request for this certificate (the issuer is its issuing
          // CA, checked above), without one written and decoded in this process (ADR 051).
          ocspResponses: [
            await (ca.respondOcspFor?.(certificate) ?? ca.respondOcsp(ocspRequestFor(certificate, issuer))),
          ],
        };
      }
      if (by.equals(root!)) return { crls: [await ca.crl('root')], ocspResponses: [] };
      throw validationDataUnavailable('the certificate was not issued by the embedded CA');
    },
  };
  return source;
}
