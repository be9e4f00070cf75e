/** PKCS#10 certificate requests: built for an HSM key, and checked when they come from outside. */
import { Attributes, CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import { AsnConvert } from '@peculiar/asn1-schema';
import { SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import type { DigestSigner } from '../crypto/index.ts';
import { verifySignature } from './algorithms.ts';
import { encode } from './der.ts';
import { buildName, type NameAttribute } from './names.ts';
import { type ParsedCsr, parseCsr } from './parse.ts';
import { type SigningOptions, signTbs } from './sign.ts';

/** A CSR for the HSM key behind `signer` (proof of possession signed inside the token). */
export async function buildCsr(
  signer: DigestSigner,
  subject: readonly NameAttribute[],
  options: SigningOptions = {},
): Promise<Buffer> {
  const info = new CertificationRequestInfo({
    version: 0,
    subject: buildName(subject),
    subjectPKInfo: AsnConvert.parse(signer.publicKey, SubjectPublicKeyInfo),
    attributes: new Attributes(),
  });
  const signed = await signTbs(info, signer, options);
  const request = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: signed.signatureAlgorithm,
    signature: new Uint8Array(signed.signature).buffer,
  });
  return encode(request);
}

/** True when the CSR's signature verifies with the public key it carries (proof of possession). */
export function csrSignatureValid(parsed: ParsedCsr): boolean {
  return verifySignature(
    csrPublicKey(parsed),
    parsed.csr.signatureAlgorithm,
    parsed.infoDer,
    new Uint8Array(parsed.csr.signature),
  );
}

export function csrPublicKey(parsed: ParsedCsr): Buffer {
  return encode(parsed.csr.certificationRequestInfo.subjectPKInfo);
}

export { parseCsr };
