/**
 * Certificates in the report, and path building from a certificate to a trust anchor through any
 * certificates found in the signature, the DSS or the trust store. Unlike pki's buildChain, time is
 * not judged here: validity is checked afterwards against the best proven time (past validation).
 */
import { createHash } from 'node:crypto';
import { namesEqual, type ParsedCertificate } from '../pki/index.ts';
import { factsOf, issuedByOnce } from './facts.ts';
import type { CertificateSummary } from './types.ts';

const MAX_PATH = 10;

export function summarise(certificate: ParsedCertificate): CertificateSummary {
  const facts = factsOf(certificate);
  return {
    subject: facts.subject,
    issuer: facts.issuer,
    serialNumber: facts.serialNumber,
    notBefore: facts.notBefore.toISOString(),
    notAfter: facts.notAfter.toISOString(),
    fingerprintSha256: facts.fingerprintSha256,
  };
}

export const fingerprint = (der: Uint8Array): string => createHash('sha256').update(der).digest('hex');

/** Adds certificates to a pool once each (by content). */
export class CertificatePool {
  private readonly byPrint = new Map<string, ParsedCertificate>();

  add(...certificates: readonly ParsedCertificate[]): void {
    for (const c of certificates) {
      const key = fingerprint(c.der);
      if (!this.byPrint.has(key)) this.byPrint.set(key, c);
    }
  }

  all(): ParsedCertificate[] {
    return [...this.byPrint.values()];
  }
}

export type PathResult =
  | { readonly found: true; readonly path: readonly ParsedCertificate[] }
  | {
      readonly found: false;
      readonly reason: 'no-issuer' | 'bad-signature' | 'too-long' | 'not-a-ca';
      readonly partial: readonly ParsedCertificate[];
    };

function isCa(certificate: ParsedCertificate): boolean {
  const facts = factsOf(certificate);
  return facts.isCa && (facts.keyUsage.length === 0 || facts.keyUsage.includes('keyCertSign'));
}

/** leaf → … → anchor (the anchor included; a leaf that is itself an anchor is a path of one). */
export function buildPath(
  leaf: ParsedCertificate,
  anchors: readonly ParsedCertificate[],
  pool: readonly ParsedCertificate[],
): PathResult {
  const isAnchor = (c: ParsedCertificate) => anchors.some((a) => a.der.equals(c.der));
  const path: ParsedCertificate[] = [leaf];
  let current = leaf;
  let nameMatched = false;
  for (let depth = 0; depth < MAX_PATH; depth += 1) {
    if (isAnchor(current)) return { found: true, path };
    const candidates = [...anchors, ...pool].filter(
      (c) =>
        !path.some((seen) => seen.der.equals(c.der)) &&
        namesEqual(current.certificate.tbsCertificate.issuer, c.certificate.tbsCertificate.subject),
    );
    if (candidates.length > 0) nameMatched = true;
    const issuer = candidates.find((c) => issuedByOnce(current, c));
    if (issuer === undefined) {
      return { found: false, reason: nameMatched ? 'bad-signature' : 'no-issuer', partial: path };
    }
    if (!isCa(issuer)) return { found: false, reason: 'not-a-ca', partial: path };
    path.push(issuer);
    current = issuer;
  }
  return { found: false, reason: 'too-long', partial: path };
}

export function validAt(certificate: ParsedCertificate, at: Date): 'valid' | 'expired' | 'not-yet-valid' {
  const facts = factsOf(certificate);
  if (at.getTime() < facts.notBefore.getTime()) return 'not-yet-valid';
  if (at.getTime() > facts.notAfter.getTime()) return 'expired';
  return 'valid';
}
