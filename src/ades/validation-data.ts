/**
 * Gathering validation data for B-LT: the chain of every certificate that a verifier must trust
 * (signer, TSA, OCSP responders) and revocation information for each non-root certificate.
 * Revocation comes through a `RevocationSource` port (the embedded CA, or a fetcher of CRL/OCSP URLs).
 *
 * Chains are built with the DER walker (names compared as encoded, then the issuer's signature
 * checked), which is much cheaper than full certificate parsing; revocation requests for one round
 * of certificates run in parallel, and a cache shares answers between the signatures of one document.
 */
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { OID, verifySignature } from '../pki/index.ts';
import { type CertificateFields, certificateFields } from './certificate-fields.ts';
import { adesMalformed, children, readOid, readSingle, validationDataUnavailable } from './errors.ts';

export interface RevocationInformation {
  readonly crls: readonly Uint8Array[];
  readonly ocspResponses: readonly Uint8Array[];
}

export interface RevocationSource {
  /** CRLs and/or OCSP responses (DER) that cover `certificate`, issued by `issuer`. */
  revocationFor(certificate: Uint8Array, issuer: Uint8Array): Promise<RevocationInformation>;
  /** CA certificates that may complete a chain (for example the TSA's issuing CA and root). */
  readonly certificates?: readonly Uint8Array[] | undefined;
  /** Finds an issuer none of the certificates at hand is (e.g. through AIA caIssuers). */
  issuerOf?(certificate: Uint8Array): Promise<Uint8Array | undefined>;
}

export interface ValidationMaterial {
  readonly certificates: readonly Buffer[];
  readonly crls: readonly Buffer[];
  readonly ocspResponses: readonly Buffer[];
}

/** Revocation answers already obtained, by certificate fingerprint (share it across one document). */
export type RevocationCache = Map<string, Promise<RevocationInformation>>;

const MAX_CERTIFICATES = 64;
const ID_PKIX_OCSP_NOCHECK = '1.3.6.1.5.5.7.48.1.5';

function fingerprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

function signedBy(child: CertificateFields, issuer: CertificateFields): boolean {
  if (!child.issuer.raw.equals(issuer.subject.raw)) return false;
  return verifySignature(
    issuer.subjectPublicKeyInfo.raw,
    signatureAlgorithmOf(child),
    child.tbs.raw,
    child.signatureValue,
  );
}

/**
 * The certificate's signatureAlgorithm, as the schema parse gives it. PKCS#1 v1.5 and ECDSA are
 * named by their OID with NULL or no parameters, which the DER walker reads; RSASSA-PSS (whose
 * parameters matter) and anything else take the schema parse. Every chain link of a B-LT signature
 * is checked here, and the schema's generic parser was cold in `shomei sign` (ADR 051).
 */
function signatureAlgorithmOf(certificate: CertificateFields): AlgorithmIdentifier {
  const [oid, parameters, ...rest] = children(certificate.signatureAlgorithm, 'signature algorithm');
  if (oid?.tag !== 0x06 || rest.length > 0) {
    throw adesMalformed('signature algorithm', 'not an AlgorithmIdentifier');
  }
  const algorithm = readOid(oid, 'signature algorithm');
  const nullParameters = parameters?.tag === 0x05 && parameters.value.length === 0;
  if (algorithm === OID.rsassaPss || (parameters !== undefined && !nullParameters)) {
    return AsnConvert.parse(certificate.signatureAlgorithm.raw, AlgorithmIdentifier);
  }
  // As the schema reads them: NULL parameters are null, absent ones undefined.
  return new AlgorithmIdentifier({ algorithm, ...(nullParameters ? { parameters: null } : {}) });
}

/** The certificates inside an OCSPResponse's BasicOCSPResponse (the responder and its chain). */
export function ocspResponderCertificates(response: Uint8Array): Buffer[] {
  const top = readSingle(response, 'OCSP response');
  const [, responseBytes] = children(top, 'OCSP response');
  if (responseBytes?.tag !== 0xa0) return [];
  const [wrapper] = children(responseBytes, 'OCSP response');
  const [, octets] = wrapper === undefined ? [] : children(wrapper, 'OCSP response');
  if (octets?.tag !== 0x04) return [];
  const basic = readSingle(octets.value, 'OCSP basic response');
  const certs = children(basic, 'OCSP basic response').find((f) => f.tag === 0xa0);
  if (certs === undefined) return [];
  const [sequence] = children(certs, 'OCSP basic response');
  return sequence === undefined
    ? []
    : children(sequence, 'OCSP basic response').map((c) => Buffer.from(c.raw));
}

/**
 * Certificates of every chain starting at `leaves` (ending at a self-issued root found among the
 * leaves, `pool` or the source's certificates) with revocation information for each non-root.
 */
export async function gatherValidationData(
  leaves: readonly Uint8Array[],
  pool: readonly Uint8Array[],
  source: RevocationSource,
  cache: RevocationCache = new Map(),
): Promise<ValidationMaterial> {
  const candidates = [...pool, ...(source.certificates ?? [])].map((der) => certificateFields(der));
  const certificates = new Map<string, Buffer>();
  const crls = new Map<string, Buffer>();
  const ocspResponses = new Map<string, Buffer>();
  let round = leaves.map((der) => certificateFields(der));

  while (round.length > 0) {
    const requests: { id: string; fields: CertificateFields; issuer: CertificateFields }[] = [];
    const next: CertificateFields[] = [];
    for (const current of round) {
      const id = fingerprint(current.der);
      if (certificates.has(id)) continue;
      certificates.set(id, current.der);
      if (certificates.size > MAX_CERTIFICATES) throw validationDataUnavailable('too many certificates');
      if (current.issuer.raw.equals(current.subject.raw) && signedBy(current, current)) continue;
      let issuer = candidates.find((candidate) => signedBy(current, candidate));
      if (issuer === undefined && source.issuerOf !== undefined) {
        const fetched = await source.issuerOf(current.der);
        if (fetched !== undefined) issuer = certificateFields(fetched);
        if (issuer !== undefined && signedBy(current, issuer)) candidates.push(issuer);
        else issuer = undefined;
      }
      if (issuer === undefined) throw validationDataUnavailable('issuer certificate not found');
      next.push(issuer);
      if (!current.extensionOids.includes(ID_PKIX_OCSP_NOCHECK))
        requests.push({ id, fields: current, issuer });
    }
    const answers = await Promise.all(
      requests.map(({ id, fields, issuer }) => {
        let answer = cache.get(id);
        if (answer === undefined) {
          answer = source.revocationFor(fields.der, issuer.der);
          cache.set(id, answer);
        }
        return answer;
      }),
    );
    for (const revocation of answers) {
      if (revocation.crls.length === 0 && revocation.ocspResponses.length === 0) {
        throw validationDataUnavailable('no revocation information');
      }
      for (const crl of revocation.crls) crls.set(fingerprint(crl), Buffer.from(crl));
      for (const response of revocation.ocspResponses) {
        ocspResponses.set(fingerprint(response), Buffer.from(response));
        // The responder's own certificate (and its chain) must be verifiable too.
        next.push(...ocspResponderCertificates(response).map((der) => certificateFields(der)));
      }
    }
    round = next;
  }
  return {
    certificates: [...certificates.values()],
    crls: [...crls.values()],
    ocspResponses: [...ocspResponses.values()],
  };
}
