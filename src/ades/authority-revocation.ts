/**
 * A RevocationSource over the embedded CA (src/ca's CertificateAuthority fits this shape): a fresh
 * OCSP response for end-entity certificates of the issuing CA, and the CRL of whichever tier issued
 * the certificate. Both are produced in-process, so B-LT needs no network.
 */
import { createHash } from 'node:crypto';
import { CertID, OCSPRequest, Request, TBSRequest } from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { certificateFields } from './certificate-fields.ts';
import { validationDataUnavailable } from './errors.ts';
import type { RevocationInformation, RevocationSource } from './validation-data.ts';

const SHA1 = '1.3.14.3.2.26';

/** What the embedded CA offers for revocation (structural: no dependency on src/ca internals). */
export interface EmbeddedCertificateAuthority {
  certificate(name: 'root' | 'issuing'): Promise<Buffer>;
  crl(name: 'root' | 'issuing'): Promise<Buffer>;
  respondOcsp(requestDer: Uint8Array): Promise<Buffer>;
}

/** An OCSP request for one certificate (CertID with SHA-1, as RFC 6960 responders expect). */
export function ocspRequestFor(certificate: Uint8Array, issuer: Uint8Array): Buffer {
  const subject = certificateFields(certificate);
  const issuerFields = certificateFields(issuer, 'issuer certificate');
  const spki = AsnConvert.parse(issuerFields.subjectPublicKeyInfo.raw, SubjectPublicKeyInfo);
  const sha1 = (data: Uint8Array): ArrayBuffer =>
    new Uint8Array(createHash('sha1').update(data).digest()).buffer;
  const serial = subject.serialNumber.value;
  const request = new OCSPRequest({
    tbsRequest: new TBSRequest({
      requestList: [
        new Request({
          reqCert: new CertID({
            hashAlgorithm: new AlgorithmIdentifier({ algorithm: SHA1, parameters: null }),
            issuerNameHash: new OctetString(sha1(issuerFields.subject.raw)),
            issuerKeyHash: new OctetString(sha1(new Uint8Array(spki.subjectPublicKey))),
            serialNumber: new Uint8Array(serial).buffer,
          }),
        }),
      ],
    }),
  });
  return Buffer.from(AsnConvert.serialize(request));
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
          ocspResponses: [await ca.respondOcsp(ocspRequestFor(certificate, issuer))],
        };
      }
      if (by.equals(root!)) return { crls: [await ca.crl('root')], ocspResponses: [] };
      throw validationDataUnavailable('the certificate was not issued by the embedded CA');
    },
  };
  return source;
}
