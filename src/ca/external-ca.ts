/**
 * Working with an outside CA (production): hand over a CSR for an HSM key, take back the
 * certificate issued for it (matched to the key), and import a CA-generated key only wrapped and
 * only with a certificate that chains to a configured trusted CA.
 */
import type { AuditActor, AuditTrail } from '../audit/events.ts';
import { type CryptoModule, digestSignerFor } from '../crypto/index.ts';
import {
  buildChain,
  buildCsr,
  certificateFacts,
  type NameAttribute,
  type ParsedCertificate,
  type PkiInput,
  parseCertificates,
  publicKeySha256,
  toPem,
} from '../pki/index.ts';
import type { KeyRegistry } from '../store/index.ts';
import type { CertificateAuthority } from './certificate-authority.ts';
import { caErrors } from './errors.ts';
import type { IssuedCertificate } from './types.ts';

export interface ExternalCaDependencies {
  readonly ca: CertificateAuthority;
  readonly crypto: CryptoModule;
  readonly keys: KeyRegistry;
  /** The outside CAs (root or intermediate certificates) whose certificates and keys we accept. */
  readonly trustedCas: readonly ParsedCertificate[];
  readonly audit?: AuditTrail;
}

export interface ImportedKey {
  readonly keyId: string;
  readonly certificate: IssuedCertificate;
}

export class ExternalCa {
  constructor(private readonly deps: ExternalCaDependencies) {}

  /** A PEM CSR for an existing HSM key, to send to the outside CA. */
  async exportCsr(keyId: string, subject: readonly NameAttribute[]): Promise<string> {
    const signer = await digestSignerFor(this.deps.crypto, keyId);
    return toPem(await buildCsr(signer, subject), 'CERTIFICATE REQUEST');
  }

  /**
   * Stores the certificate the outside CA issued for our HSM key `keyId`. The PEM may carry the
   * CA certificates after the leaf. Refused when the key differs or the chain is not trusted.
   */
  async importCertificate(
    keyId: string,
    certificatePem: PkiInput,
    actor?: AuditActor,
  ): Promise<IssuedCertificate> {
    const [leaf, ...intermediates] = parseCertificates(certificatePem);
    const key = await this.deps.crypto.getKey(keyId);
    const facts = certificateFacts(leaf!);
    if (key.publicKey === undefined || !key.publicKey.equals(facts.publicKey)) {
      await this.audit(actor, 'certificate.import', facts.serialNumber, 'failure', {
        keyId,
        refused: 'key-mismatch',
      });
      throw caErrors.keyMismatch({ keyId });
    }
    await this.requireTrusted(leaf!, intermediates, actor);
    const issued = await this.record(leaf!, keyId);
    await this.audit(actor, 'certificate.import', facts.serialNumber, 'success', {
      keyId,
      issuer: facts.issuer,
    });
    return issued;
  }

  /**
   * Imports a key pair the trusted outside CA generated, delivered wrapped (AES key wrap) under our
   * wrapping key, together with its certificate. The certificate is checked before the key enters
   * the HSM; the HSM then proves the unwrapped key matches the certificate.
   */
  async importWrappedKey(params: {
    readonly wrappingKeyId: string;
    readonly wrappedKey: Uint8Array;
    readonly certificate: PkiInput;
    readonly label: string;
    readonly actor?: AuditActor;
  }): Promise<ImportedKey> {
    const [leaf, ...intermediates] = parseCertificates(params.certificate);
    const facts = certificateFacts(leaf!);
    await this.requireTrusted(leaf!, intermediates, params.actor);
    const key = await this.deps.crypto.importWrappedSigningKey({
      wrappingKeyId: params.wrappingKeyId,
      wrappedKey: params.wrappedKey,
      publicKey: facts.publicKey,
      label: params.label,
    });
    try {
      await this.deps.keys.record({
        keyId: key.id,
        label: key.label,
        kind: key.kind,
        algorithm: key.algorithm,
        purpose: 'imported-signing',
        publicKey: facts.publicKey,
      });
      const certificate = await this.record(leaf!, key.id);
      await this.audit(params.actor, 'key.import', facts.serialNumber, 'success', {
        keyId: key.id,
        issuer: facts.issuer,
      });
      return { keyId: key.id, certificate };
    } catch (error) {
      await this.deps.crypto.destroyKey(key.id);
      throw error;
    }
  }

  private async requireTrusted(
    leaf: ParsedCertificate,
    intermediates: readonly ParsedCertificate[],
    actor: AuditActor | undefined,
  ): Promise<void> {
    const result = buildChain(leaf, { anchors: this.deps.trustedCas, intermediates });
    if (!result.trusted) {
      const serial = certificateFacts(leaf).serialNumber;
      await this.audit(actor, 'certificate.import', serial, 'failure', {
        refused: 'untrusted',
        reason: result.reason,
      });
      throw caErrors.untrusted(result.reason);
    }
  }

  private async record(leaf: ParsedCertificate, keyId: string): Promise<IssuedCertificate> {
    const facts = certificateFacts(leaf);
    return this.deps.ca.recordImported({
      serial_number: facts.serialNumber,
      issuer: 'external',
      profile: 'imported',
      subject: facts.subject,
      certificate: leaf.der,
      public_key_sha256: publicKeySha256(facts.publicKey),
      key_id: keyId,
      not_before: facts.notBefore.toISOString(),
      not_after: facts.notAfter.toISOString(),
      status: 'valid',
      revoked_at: null,
      revocation_reason: null,
      application_id: null,
      issued_at: new Date().toISOString(),
    });
  }

  private async audit(
    actor: AuditActor | undefined,
    type: string,
    serial: string,
    outcome: 'success' | 'failure',
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.deps.audit?.append({
      type,
      actor: actor ?? { kind: 'process', id: 'external-ca' },
      subject: { kind: 'certificate', id: serial },
      outcome,
      details,
    });
  }
}
