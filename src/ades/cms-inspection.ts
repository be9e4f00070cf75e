/**
 * What B-LT needs to know about an existing signature: its signer certificate, the certificates it
 * carries, and the timestamp tokens inside it (whose TSA chains need validation data too).
 */
import { certificateFacts, parseCertificate } from '../pki/index.ts';
import { certificateFields } from './certificate-fields.ts';
import { children, readSingle } from './errors.ts';
import { ADES_OID } from './oids.ts';
import { attributeValues, parseSignedData, type SignedDataParts, soleSigner } from './signed-data.ts';

export interface SignatureCertificates {
  /** The signer certificate of each SignedData (signature, then each timestamp token), DER. */
  readonly signers: readonly Buffer[];
  /** Every certificate carried anywhere in the signature, DER. */
  readonly pool: readonly Buffer[];
}

/** The certificate that the SignerInfo's sid names, among the SignedData's certificates. */
export function signerCertificateOf(parts: SignedDataParts): Buffer | undefined {
  const sid = readSingle(soleSigner(parts).signedPart[1]!, 'sid');
  const certificates = parts.certificates.filter((c) => c[0] === 0x30);
  if (sid.tag === 0x30) {
    const [issuer, serial] = children(sid, 'sid');
    return certificates.find((der) => {
      const fields = certificateFields(der);
      return fields.issuer.raw.equals(issuer!.raw) && fields.serialNumber.raw.equals(serial!.raw);
    });
  }
  if (sid.tag === 0x80) {
    const wanted = sid.value.toString('hex');
    return certificates.find(
      (der) => certificateFacts(parseCertificate(der)).subjectKeyIdentifier === wanted,
    );
  }
  return undefined;
}

/** Signer certificates and all certificates of a CMS signature and of the tokens nested in it. */
export function signatureCertificates(cms: Uint8Array): SignatureCertificates {
  const signers: Buffer[] = [];
  const pool: Buffer[] = [];
  const visit = (bytes: Uint8Array, depth: number): void => {
    const parts = parseSignedData(bytes);
    pool.push(...parts.certificates.filter((c) => c[0] === 0x30));
    const signer = signerCertificateOf(parts);
    if (signer !== undefined) signers.push(signer);
    if (depth > 2) return;
    const unsigned = soleSigner(parts).unsignedAttributes;
    for (const type of [ADES_OID.signatureTimeStampToken, ADES_OID.archiveTimestampV3]) {
      for (const token of attributeValues(unsigned, type)) visit(token, depth + 1);
    }
  };
  visit(cms, 0);
  return { signers, pool };
}
