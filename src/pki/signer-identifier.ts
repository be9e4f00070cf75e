/**
 * The certificate a CMS SignerInfo's `sid` names (RFC 5652 §5.3): by issuer and serial number, or
 * by subject key identifier. Shared by the TSA's token check and the validator, which had copies.
 */
import type { SignerIdentifier } from '@peculiar/asn1-cms';
import { type CertificateFacts, certificateFacts, serialHex } from './facts.ts';
import { namesEqual } from './names.ts';
import type { ParsedCertificate } from './parse.ts';

/** `facts` lets a caller with a memo (the validator's) avoid reading each candidate again. */
export function signerCertificate(
  sid: SignerIdentifier,
  candidates: readonly ParsedCertificate[],
  facts: (certificate: ParsedCertificate) => CertificateFacts = certificateFacts,
): ParsedCertificate | undefined {
  const byIssuer = sid.issuerAndSerialNumber;
  const bySki = sid.subjectKeyIdentifier;
  return candidates.find((c) => {
    const tbs = c.certificate.tbsCertificate;
    if (byIssuer !== undefined) {
      return (
        namesEqual(tbs.issuer, byIssuer.issuer) &&
        serialHex(tbs.serialNumber) === serialHex(byIssuer.serialNumber)
      );
    }
    if (bySki !== undefined) {
      return facts(c).subjectKeyIdentifier === Buffer.from(bySki.buffer).toString('hex');
    }
    return false;
  });
}
