/**
 * Adapters from the modules beside rssp (embedded CA, TSA, mail) to the narrow ports rssp uses.
 * Structural types keep rssp from depending on their internals.
 */
import { embeddedRevocationSource, type RevocationSource } from '../ades/index.ts';
import type { AuditActor } from '../audit/events.ts';
import type { DigestAlgorithm } from '../crypto/index.ts';
import { digestAlgorithmOf } from './algorithms.ts';
import { certificateFacts } from './certificates.ts';
import type {
  CertificateIssuer,
  CertificateStatusSource,
  OneTimeCodeSender,
  RevocationReason,
  TimestampAuthority,
} from './ports.ts';

/** What rssp needs of src/ca's CertificateAuthority. */
export interface EmbeddedCaLike {
  issue(request: { csr: Buffer; profile: 'signer'; actor?: AuditActor }): Promise<{ der: Buffer }>;
  chain(): Promise<Buffer[]>;
  revoke(serialNumber: string, reason: RevocationReason, actor?: AuditActor): Promise<unknown>;
  statusOf(certificate: Uint8Array): Promise<'good' | 'revoked' | 'unknown'>;
  /** For signDoc B-LT/B-LTA validation data (src/ca's CertificateAuthority has these). */
  certificate?(name: 'root' | 'issuing'): Promise<Buffer>;
  crl?(name: 'root' | 'issuing'): Promise<Buffer>;
  respondOcsp?(requestDer: Uint8Array): Promise<Buffer>;
  onRevoked?(listener: (serialNumber: string) => void): () => void;
}

/** An issuer/status source that can also hand out validation data (OCSP, CRL, CA certificates). */
export interface ValidationDataProvider {
  readonly revocationSource: RevocationSource & { load?(): Promise<void> };
}

export function isValidationDataProvider(value: unknown): value is ValidationDataProvider {
  return (
    typeof value === 'object' &&
    value !== null &&
    'revocationSource' in value &&
    typeof (value as { revocationSource?: { revocationFor?: unknown } }).revocationSource?.revocationFor ===
      'function'
  );
}

/**
 * The embedded CA as issuer and status source. In `direct` mode (development and the demo) the
 * certificate is issued at once; in `ra` mode the request waits for the RA (ra.apply + ra.approve)
 * and the operator installs the issued certificate (`shomei rssp install-certificate`).
 */
export function embeddedCaIssuer(
  ca: EmbeddedCaLike,
  mode: 'direct' | 'ra',
): CertificateIssuer & CertificateStatusSource & Partial<ValidationDataProvider> {
  const actor: AuditActor = { kind: 'process', id: 'rssp' };
  // The composition root hands rssp only this adapter over the CA, so the revocation source for
  // signDoc's long-term levels travels with it (OCSP and CRLs produced in-process by the CA).
  const { certificate, crl, respondOcsp } = ca;
  const revocation =
    certificate !== undefined && crl !== undefined && respondOcsp !== undefined
      ? {
          revocationSource: embeddedRevocationSource({
            certificate: (name) => certificate.call(ca, name),
            crl: (name) => crl.call(ca, name),
            respondOcsp: (request) => respondOcsp.call(ca, request),
          }),
        }
      : {};
  return {
    ...revocation,
    async requestCertificate(request) {
      if (mode === 'ra') return { status: 'pending', requestId: request.credentialId };
      const issued = await ca.issue({ csr: request.csr, profile: 'signer', actor });
      return { status: 'issued', certificate: issued.der, chain: await ca.chain() };
    },
    async revokeCertificate(certificate, reason) {
      if ((await ca.statusOf(certificate)) !== 'good') return;
      await ca.revoke(certificateFacts(certificate).serialHex, reason, actor);
    },
    async statusOf(certificate) {
      return ca.statusOf(certificate);
    },
    // Answers are the CA database itself; a revocation in this process drops cached ones at once.
    onRevocation(listener) {
      ca.onRevoked?.(() => listener());
    },
  };
}

/** What rssp needs of a src/ca CaAdapter (an outside CA: cfssl, or the manual RA path). */
export interface CaAdapterLike {
  submit(request: {
    csr: Buffer;
    requestId: string;
  }): Promise<
    | { status: 'issued'; certificate: Buffer; chain: readonly Buffer[] }
    | { status: 'pending'; requestId: string }
  >;
  revoke(certificate: Buffer, reason: RevocationReason): Promise<void>;
  status(certificate: Buffer, chain: readonly Buffer[]): Promise<'good' | 'revoked' | 'unknown'>;
}

/**
 * An outside CA as issuer and status source. The status is the issuing CA's OCSP/CRL answer; rssp
 * keeps a good answer for certificateStatusCacheSeconds, so a revocation at the CA stops signing
 * at the latest one cache window later.
 */
export function caAdapterIssuer(adapter: CaAdapterLike): CertificateIssuer & CertificateStatusSource {
  return {
    async requestCertificate(request) {
      const result = await adapter.submit({ csr: request.csr, requestId: request.credentialId });
      return result.status === 'issued'
        ? { status: 'issued', certificate: result.certificate, chain: [...result.chain] }
        : { status: 'pending', requestId: result.requestId };
    },
    async revokeCertificate(certificate, reason) {
      await adapter.revoke(certificate, reason);
    },
    async statusOf(certificate, issuerChain) {
      try {
        return await adapter.status(certificate, issuerChain);
      } catch {
        // No answer from the CA is not "good": signing waits until the CA can be asked.
        return 'unknown';
      }
    },
  };
}

/** What rssp needs of src/tsa's EmbeddedTsa (or its client for a remote TSA). */
export interface TimestampSourceLike {
  timestamp(
    digest: Uint8Array,
    digestAlgorithm?: DigestAlgorithm,
    options?: { nonce?: boolean | Uint8Array },
  ): Promise<Buffer>;
}

export function timestampAuthority(source: TimestampSourceLike): TimestampAuthority {
  return {
    async timestamp(request) {
      const digest = digestAlgorithmOf(request.hashAlgorithmOid) ?? 'SHA-256';
      let nonce: boolean | Uint8Array = true;
      if (request.nonce !== undefined) {
        const hex = request.nonce.toString(16);
        // A plain Uint8Array with its own buffer (a pooled Buffer's .buffer is the whole pool).
        nonce = new Uint8Array(Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex'));
      }
      return source.timestamp(request.hash, digest, { nonce });
    },
  };
}

/** What rssp needs of src/mail's Mailer. */
export interface MailerLike {
  send(message: { to: string; subject: string; text: string }): Promise<void>;
}

export function mailedCodes(mailer: MailerLike): OneTimeCodeSender {
  return {
    async sendCode(message) {
      const minutes = Math.round(message.expiresInSeconds / 60);
      await mailer.send({
        to: message.to,
        subject: '署名用ワンタイムコード / One-time code for signing',
        text: [
          `署名用のワンタイムコード: ${message.code}`,
          `有効期限: ${minutes} 分。心当たりがない場合は、このメールを破棄し管理者に連絡してください。`,
          '',
          `Your one-time code for signing: ${message.code}`,
          `It expires in ${minutes} minutes. If you did not ask for it, discard this message and tell your administrator.`,
        ].join('\n'),
      });
    },
  };
}
