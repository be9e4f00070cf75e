/**
 * The credential's certificate: a PKCS#10 request signed inside the HSM, and the facts
 * credentials/info reports (issuer, subject, serial, validity) read from the issued certificate.
 */
import { createHash, X509Certificate as NodeCertificate } from 'node:crypto';
import { CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Name as AsnName, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { Name, X509Certificate } from '@peculiar/x509';
import { type CryptoModule, type DigestAlgorithm, isRsa, type KeyAlgorithm } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import { CSC_OID } from './algorithms.ts';

const MAX_CERTIFICATE_BYTES = 64 * 1024;

export interface CertificateFacts {
  readonly serialHex: string;
  readonly issuerDn: string;
  readonly subjectDn: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: Buffer;
}

function csrSignature(key: KeyAlgorithm): { digest: DigestAlgorithm; algorithm: AlgorithmIdentifier } {
  if (isRsa(key)) {
    return {
      digest: 'SHA-256',
      algorithm: new AlgorithmIdentifier({ algorithm: CSC_OID.sha256WithRSA, parameters: null }),
    };
  }
  if (key === 'EC-P384')
    return { digest: 'SHA-384', algorithm: new AlgorithmIdentifier({ algorithm: CSC_OID.ecdsaWithSha384 }) };
  return { digest: 'SHA-256', algorithm: new AlgorithmIdentifier({ algorithm: CSC_OID.ecdsaWithSha256 }) };
}

/** Builds and signs (in the HSM) a PKCS#10 request for the key; returns its DER. */
export async function buildCertificateRequest(
  crypto: CryptoModule,
  keyId: string,
  keyAlgorithm: KeyAlgorithm,
  spki: Buffer,
  subject: string,
): Promise<Buffer> {
  const info = new CertificationRequestInfo({
    subject: AsnConvert.parse(new Name(subject).toArrayBuffer(), AsnName),
    subjectPKInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
  });
  const tbs = Buffer.from(AsnConvert.serialize(info));
  const { digest, algorithm } = csrSignature(keyAlgorithm);
  const hashed = createHash(digest.replace('-', '').toLowerCase()).update(tbs).digest();
  const signature = await crypto.signDigest(keyId, hashed, { digestAlgorithm: digest });
  const request = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: algorithm,
    signature: new Uint8Array(signature).buffer,
  });
  return Buffer.from(AsnConvert.serialize(request));
}

function unusableCertificate(reason: string, cause?: unknown): Error {
  return shomeiError(
    'SHOMEI_RSSP_CERTIFICATE_INVALID',
    `証明書を使用できません: ${reason}`,
    `The certificate cannot be used: ${reason}`,
    { status: 400, details: { reason }, cause },
  );
}

export function certificateFacts(der: Buffer): CertificateFacts {
  if (der.length === 0 || der.length > MAX_CERTIFICATE_BYTES) throw unusableCertificate('size');
  let node: NodeCertificate;
  let peculiar: X509Certificate;
  try {
    node = new NodeCertificate(der);
    peculiar = new X509Certificate(der);
  } catch (error) {
    throw unusableCertificate('not an X.509 certificate', error);
  }
  return {
    serialHex: node.serialNumber.toLowerCase(),
    issuerDn: peculiar.issuer,
    subjectDn: peculiar.subject,
    notBefore: peculiar.notBefore,
    notAfter: peculiar.notAfter,
    publicKey: node.publicKey.export({ type: 'spki', format: 'der' }),
  };
}

/** The certificate must certify exactly the HSM key (GL III-16/17). */
export function assertCertifiesKey(facts: CertificateFacts, spki: Buffer): void {
  if (!facts.publicKey.equals(spki)) {
    throw shomeiError(
      'SHOMEI_RSSP_CERTIFICATE_KEY_MISMATCH',
      '証明書の公開鍵が HSM 内の鍵と一致しません。',
      'The public key in the certificate does not match the key in the HSM.',
      { status: 400 },
    );
  }
}

/** GeneralizedTime as CSC wants it for validFrom/validTo: YYYYMMDDHHMMSSZ. */
export function generalizedTime(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}
