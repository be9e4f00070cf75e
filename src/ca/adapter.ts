/**
 * Where user credentials' certificates come from (issue #17): one interface, three kinds.
 * - embedded: the embedded CA issues at once (development) or after RA approval;
 * - manual:   the RA carries the CSR to an outside CA by hand and uploads the certificate, which is
 *             checked against the key when it is installed (`shomei rssp install-certificate --certificate`);
 * - cfssl:    an outside CA server speaking CFSSL's HTTP API (src/ca/cfssl.ts).
 * Status before each signature is the issuing CA's word: the embedded CA's table, or the outside
 * CA's OCSP/CRL (the composition root hands in a status function over the online fetcher).
 */
import type { AuditActor } from '../audit/events.ts';
import { certificateFacts, parseCertificate } from '../pki/index.ts';
import type { CertificateAuthority } from './certificate-authority.ts';
import type { RevocationReason } from './types.ts';

export type CaAdapterKind = 'embedded' | 'manual' | 'cfssl';

export interface CaSubmission {
  /** PKCS#10 (DER) whose subject is the one the RA approved, signed with the HSM key. */
  readonly csr: Buffer;
  /** Our request id (the credential id); the manual path hands it back as the pending id. */
  readonly requestId: string;
}

export type CaSubmissionResult =
  | { readonly status: 'issued'; readonly certificate: Buffer; readonly chain: readonly Buffer[] }
  | { readonly status: 'pending'; readonly requestId: string };

export type CaCertificateStatus = 'good' | 'revoked' | 'unknown';

export interface CaAdapter {
  readonly kind: CaAdapterKind;
  /** Who certifies, for reports (the CA server's URL or the embedded CA's name). */
  readonly description: string;
  submit(request: CaSubmission): Promise<CaSubmissionResult>;
  revoke(certificate: Buffer, reason: RevocationReason): Promise<void>;
  status(certificate: Buffer, chain: readonly Buffer[]): Promise<CaCertificateStatus>;
}

/** The embedded CA: `direct` issues at once, `ra` waits for RA approval and installation. */
export function embeddedCaAdapter(ca: CertificateAuthority, mode: 'direct' | 'ra'): CaAdapter {
  const actor: AuditActor = { kind: 'process', id: 'rssp' };
  return {
    kind: 'embedded',
    description: 'embedded CA',
    async submit(request) {
      if (mode === 'ra') return { status: 'pending', requestId: request.requestId };
      const issued = await ca.issue({ csr: request.csr, profile: 'signer', actor });
      return { status: 'issued', certificate: issued.der, chain: await ca.chain() };
    },
    async revoke(certificate, reason) {
      if ((await ca.statusOf(certificate)) !== 'good') return;
      await ca.revoke(certificateFacts(parseCertificate(certificate)).serialNumber, reason, actor);
    },
    status: (certificate) => ca.statusOf(certificate),
  };
}

/**
 * The manual (offline) path: nothing is sent anywhere; the CSR waits for the RA officer, who takes
 * it to the outside CA and uploads what comes back. Revocation is asked of the CA the same way, so
 * here it only reports; status comes from that CA's OCSP/CRL.
 */
export function manualCaAdapter(
  status: (certificate: Buffer, chain: readonly Buffer[]) => Promise<CaCertificateStatus>,
  onRevocationRequested: (certificate: Buffer, reason: RevocationReason) => Promise<void>,
): CaAdapter {
  return {
    kind: 'manual',
    description: 'outside CA (manual CSR hand-off)',
    submit: async (request) => ({ status: 'pending', requestId: request.requestId }),
    revoke: onRevocationRequested,
    status,
  };
}
