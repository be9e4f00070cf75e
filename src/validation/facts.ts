/**
 * Memoised certificate facts and parsed revocation data: one validation reads the same
 * certificates and DSS responses for every signature and every certificate in every chain, and
 * parsing them again each time dominated the run time (bench/validation.ts).
 */
import { createHash } from 'node:crypto';
import {
  type CertificateFacts,
  certificateFacts,
  issuedBy,
  ocspResponseCertificates,
  type ParsedCertificate,
  type ParsedCrl,
  type ParsedOcspResponse,
  parseCertificate,
  parseCrl,
  parseOcspResponse,
} from '../pki/index.ts';

const facts = new WeakMap<ParsedCertificate, CertificateFacts>();
type ParsedOcsp = { parsed: ParsedOcspResponse; certificates: ParsedCertificate[] } | null;
const CACHE_SIZE = 1024;

/** A bounded map keyed by the SHA-256 of the bytes (oldest entries leave first). */
class ContentCache<T> {
  private readonly entries = new Map<string, T>();
  get(der: Uint8Array, make: () => T): T {
    const key = createHash('sha256').update(der).digest('base64');
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const value = make();
    if (this.entries.size >= CACHE_SIZE) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
    return value;
  }
}

const ocsp = new ContentCache<ParsedOcsp>();
const crls = new ContentCache<ParsedCrl | null>();
const issued = new Map<string, boolean>();

export function factsOf(certificate: ParsedCertificate): CertificateFacts {
  let found = facts.get(certificate);
  if (found === undefined) {
    found = certificateFacts(certificate);
    facts.set(certificate, found);
  }
  return found;
}

/** Parsed OCSP responses and CRLs are immutable facts; their validity is judged on every use. */
export function parsedOcsp(der: Uint8Array): ParsedOcsp {
  return ocsp.get(der, () => {
    try {
      const parsed = parseOcspResponse(der);
      let certificates: ParsedCertificate[] = [];
      try {
        certificates = parsed.basic ? ocspResponseCertificates(parsed.basic) : [];
      } catch {
        certificates = [];
      }
      return { parsed, certificates };
    } catch {
      return null;
    }
  });
}

export function parsedCrl(der: Uint8Array): ParsedCrl | null {
  return crls.get(der, () => {
    try {
      return parseCrl(der);
    } catch {
      return null;
    }
  });
}

/** `issuedBy` (names and signature) remembered per pair of certificates. */
export function issuedByOnce(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  const key = `${factsOf(child).fingerprintSha256}:${factsOf(issuer).fingerprintSha256}`;
  let found = issued.get(key);
  if (found === undefined) {
    found = issuedBy(child, issuer);
    if (issued.size >= CACHE_SIZE) issued.delete(issued.keys().next().value!);
    issued.set(key, found);
  }
  return found;
}

const CERTIFICATE_CACHE_SIZE = 1024;
const certificates = new Map<string, ParsedCertificate>();

/**
 * Parses a certificate, reusing an earlier parse of the same bytes: CA, TSA and OCSP responder
 * certificates recur in every document, and parsing with the ASN.1 schema library is the most
 * expensive step of a validation. The cache is bounded (oldest entries leave first).
 */
export function parseCertificateOnce(der: Uint8Array): ParsedCertificate {
  const key = createHash('sha256').update(der).digest('base64');
  const found = certificates.get(key);
  if (found !== undefined) return found;
  const parsed = parseCertificate(der);
  if (certificates.size >= CERTIFICATE_CACHE_SIZE) certificates.delete(certificates.keys().next().value!);
  certificates.set(key, parsed);
  return parsed;
}
