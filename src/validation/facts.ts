/**
 * Memoised certificate facts and parsed revocation data: one validation reads the same
 * certificates and DSS responses for every signature and every certificate in every chain, and
 * parsing them again each time dominated the run time (bench/validation.ts).
 */
import { createHash } from 'node:crypto';
import {
  type CertificateFacts,
  certificateFacts,
  ocspResponseCertificates,
  type ParsedCertificate,
  type ParsedCrl,
  type ParsedOcspResponse,
  parseCertificate,
  parseCrl,
  parseOcspResponse,
} from '../pki/index.ts';

const facts = new WeakMap<ParsedCertificate, CertificateFacts>();
const ocsp = new WeakMap<
  Uint8Array,
  { parsed: ParsedOcspResponse; certificates: ParsedCertificate[] } | null
>();
const crls = new WeakMap<Uint8Array, ParsedCrl | null>();

export function factsOf(certificate: ParsedCertificate): CertificateFacts {
  let found = facts.get(certificate);
  if (found === undefined) {
    found = certificateFacts(certificate);
    facts.set(certificate, found);
  }
  return found;
}

export function parsedOcsp(
  der: Uint8Array,
): { parsed: ParsedOcspResponse; certificates: ParsedCertificate[] } | null {
  let found = ocsp.get(der);
  if (found === undefined) {
    try {
      const parsed = parseOcspResponse(der);
      let certificates: ParsedCertificate[] = [];
      try {
        certificates = parsed.basic ? ocspResponseCertificates(parsed.basic) : [];
      } catch {
        certificates = [];
      }
      found = { parsed, certificates };
    } catch {
      found = null;
    }
    ocsp.set(der, found);
  }
  return found;
}

export function parsedCrl(der: Uint8Array): ParsedCrl | null {
  let found = crls.get(der);
  if (found === undefined) {
    try {
      found = parseCrl(der);
    } catch {
      found = null;
    }
    crls.set(der, found);
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
