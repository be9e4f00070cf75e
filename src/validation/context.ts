/** What every check in one validation run shares: trust anchors, the certificate pool, revocation data, time. */
import type { ParsedCertificate } from '../pki/index.ts';
import { CertificatePool } from './certificates.ts';
import type { ValidationPolicy } from './policy.ts';
import type { RevocationMaterial } from './revocation.ts';
import type { RevocationFetcher } from './types.ts';

export interface ValidationContext {
  readonly anchors: readonly ParsedCertificate[];
  readonly pool: CertificatePool;
  readonly revocation: { crls: Uint8Array[]; ocspResponses: Uint8Array[] };
  readonly fetcher: RevocationFetcher | undefined;
  readonly validationTime: Date;
  readonly policy: ValidationPolicy;
  /** Answers per certificate, so that a chain shared by several signatures is checked once. */
  readonly revocationCache: Map<string, Promise<unknown>>;
}

export function newContext(
  anchors: readonly ParsedCertificate[],
  fetcher: RevocationFetcher | undefined,
  validationTime: Date,
  policy: ValidationPolicy,
): ValidationContext {
  return {
    anchors,
    policy,
    pool: new CertificatePool(),
    revocation: { crls: [], ocspResponses: [] },
    fetcher,
    validationTime,
    revocationCache: new Map(),
  };
}

export function addRevocation(context: ValidationContext, material: RevocationMaterial): void {
  context.revocation.crls.push(...material.crls);
  context.revocation.ocspResponses.push(...material.ocspResponses);
}
