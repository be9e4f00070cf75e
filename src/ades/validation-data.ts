/**
 * Gathering validation data for B-LT: the chain of every certificate that a verifier must trust
 * (signer, TSA, OCSP responders) and revocation information for each non-root certificate.
 * Revocation comes through a `RevocationSource` port (the embedded CA, or a fetcher of CRL/OCSP URLs).
 */
import { createHash } from 'node:crypto';
import {
  certificateFacts,
  issuedBy,
  ocspResponseCertificates,
  type ParsedCertificate,
  parseCertificate,
  parseOcspResponse,
} from '../pki/index.ts';
import { validationDataUnavailable } from './errors.ts';

export interface RevocationInformation {
  readonly crls: readonly Uint8Array[];
  readonly ocspResponses: readonly Uint8Array[];
}

export interface RevocationSource {
  /** CRLs and/or OCSP responses (DER) that cover `certificate`, issued by `issuer`. */
  revocationFor(certificate: Uint8Array, issuer: Uint8Array): Promise<RevocationInformation>;
  /** CA certificates that may complete a chain (for example the TSA's issuing CA and root). */
  readonly certificates?: readonly Uint8Array[];
}

export interface ValidationMaterial {
  readonly certificates: readonly Buffer[];
  readonly crls: readonly Buffer[];
  readonly ocspResponses: readonly Buffer[];
}

const MAX_CERTIFICATES = 64;

function key(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

function selfIssued(cert: ParsedCertificate): boolean {
  return issuedBy(cert, cert);
}

/**
 * Certificates of every chain starting at `leaves` (ending at a self-issued root found among the
 * leaves, `pool` or the source's certificates) with revocation information for each non-root.
 */
export async function gatherValidationData(
  leaves: readonly Uint8Array[],
  pool: readonly Uint8Array[],
  source: RevocationSource,
): Promise<ValidationMaterial> {
  const candidates = [...pool, ...(source.certificates ?? [])].map((der) => parseCertificate(der));
  const certificates = new Map<string, Buffer>();
  const crls = new Map<string, Buffer>();
  const ocspResponses = new Map<string, Buffer>();
  const pending = leaves.map((der) => parseCertificate(der));
  const done = new Set<string>();

  while (pending.length > 0) {
    const current = pending.shift()!;
    const id = key(current.der);
    if (done.has(id)) continue;
    done.add(id);
    certificates.set(id, current.der);
    if (certificates.size > MAX_CERTIFICATES) throw validationDataUnavailable('too many certificates');
    if (selfIssued(current)) continue;
    const issuer = candidates.find((c) => issuedBy(current, c));
    if (issuer === undefined) {
      throw validationDataUnavailable('issuer certificate not found', {
        subject: certificateFacts(current).subject,
      });
    }
    pending.push(issuer);
    if (certificateFacts(current).ocspNoCheck) continue;
    const revocation = await source.revocationFor(current.der, issuer.der);
    if (revocation.crls.length === 0 && revocation.ocspResponses.length === 0) {
      throw validationDataUnavailable('no revocation information', {
        subject: certificateFacts(current).subject,
      });
    }
    for (const crl of revocation.crls) crls.set(key(crl), Buffer.from(crl));
    for (const response of revocation.ocspResponses) {
      ocspResponses.set(key(response), Buffer.from(response));
      const parsed = parseOcspResponse(response);
      // The responder's own certificate (and its chain) must be verifiable too.
      if (parsed.basic) pending.push(...ocspResponseCertificates(parsed.basic));
    }
  }
  return {
    certificates: [...certificates.values()],
    crls: [...crls.values()],
    ocspResponses: [...ocspResponses.values()],
  };
}
