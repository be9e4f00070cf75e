/**
 * A minimal chain builder: from a certificate up to one of the given trust anchors, through the
 * given intermediates, checking names, signatures, validity at a time, and CA constraints.
 * src/validation extends this with revocation and policy checks.
 */
import { verifySignature } from './algorithms.ts';
import { certificateFacts } from './facts.ts';
import { namesEqual } from './names.ts';
import type { ParsedCertificate } from './parse.ts';

export interface ChainOptions {
  readonly anchors: readonly ParsedCertificate[];
  readonly intermediates?: readonly ParsedCertificate[];
  /** When the chain must be valid; default now. */
  readonly at?: Date;
  readonly maxDepth?: number;
}

export type ChainFailure =
  | 'no-issuer-found'
  | 'signature-invalid'
  | 'expired-or-not-yet-valid'
  | 'issuer-not-a-ca'
  | 'path-too-long';

export type ChainResult =
  | { readonly trusted: true; readonly chain: readonly ParsedCertificate[] }
  | {
      readonly trusted: false;
      readonly reason: ChainFailure;
      /** How far the builder got, leaf first. */
      readonly partial: readonly ParsedCertificate[];
    };

export function issuedBy(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  if (!namesEqual(child.certificate.tbsCertificate.issuer, issuer.certificate.tbsCertificate.subject))
    return false;
  return verifySignature(
    certificateFacts(issuer).publicKey,
    child.certificate.signatureAlgorithm,
    child.tbsDer,
    new Uint8Array(child.certificate.signatureValue),
  );
}

function validAt(cert: ParsedCertificate, at: Date): boolean {
  const facts = certificateFacts(cert);
  return facts.notBefore.getTime() <= at.getTime() && at.getTime() <= facts.notAfter.getTime();
}

/** Builds leaf → … → anchor. The leaf may itself be an anchor. */
export function buildChain(leaf: ParsedCertificate, options: ChainOptions): ChainResult {
  const at = options.at ?? new Date();
  const maxDepth = options.maxDepth ?? 8;
  const chain: ParsedCertificate[] = [leaf];
  if (!validAt(leaf, at)) return { trusted: false, reason: 'expired-or-not-yet-valid', partial: chain };
  if (options.anchors.some((a) => a.der.equals(leaf.der))) return { trusted: true, chain };
  let current = leaf;
  let sawNameMatch = false;
  for (let depth = 0; depth < maxDepth; depth += 1) {
    for (const anchor of options.anchors) {
      if (!namesEqual(current.certificate.tbsCertificate.issuer, anchor.certificate.tbsCertificate.subject))
        continue;
      sawNameMatch = true;
      if (!issuedBy(current, anchor)) continue;
      if (!validAt(anchor, at)) return { trusted: false, reason: 'expired-or-not-yet-valid', partial: chain };
      if (!isCaCertificate(anchor)) return { trusted: false, reason: 'issuer-not-a-ca', partial: chain };
      return { trusted: true, chain: [...chain, anchor] };
    }
    const next = (options.intermediates ?? []).find(
      (c) => !chain.some((seen) => seen.der.equals(c.der)) && issuedBy(current, c),
    );
    if (next === undefined) {
      const nameMatch =
        sawNameMatch ||
        (options.intermediates ?? []).some((c) =>
          namesEqual(current.certificate.tbsCertificate.issuer, c.certificate.tbsCertificate.subject),
        );
      return { trusted: false, reason: nameMatch ? 'signature-invalid' : 'no-issuer-found', partial: chain };
    }
    if (!validAt(next, at)) return { trusted: false, reason: 'expired-or-not-yet-valid', partial: chain };
    if (!isCaCertificate(next)) return { trusted: false, reason: 'issuer-not-a-ca', partial: chain };
    chain.push(next);
    current = next;
  }
  return { trusted: false, reason: 'path-too-long', partial: chain };
}

function isCaCertificate(cert: ParsedCertificate): boolean {
  const facts = certificateFacts(cert);
  return facts.isCa && (facts.keyUsage.length === 0 || facts.keyUsage.includes('keyCertSign'));
}
