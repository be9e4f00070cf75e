/**
 * signatures/signHash: before every signature the credential must be active, its certificate inside
 * its validity and not revoked (asked of the CA), the caller entitled to it, and a SAD (or
 * credential-scope token) must cover exactly these digests. Every attempt is audited.
 */
import type { AuditEventInput, AuditTrail } from '../audit/events.ts';
import type { TransactionalAuditTrail } from '../audit/index.ts';
import type { CryptoModule, KeyAlgorithm } from '../crypto/index.ts';
import { entitled, type SignatureActivationModule, sadHashOf } from './activation.ts';
import { resolveSignAlgorithm } from './algorithms.ts';
import type { CredentialService } from './credentials.ts';
import { CSC, CscError, invalidRequest } from './errors.ts';
import { decodeHashes } from './hashes.ts';
import type { CertificateStatus, CertificateStatusSource, Clock } from './ports.ts';
import type { RsspPrincipal } from './principal.ts';
import type { CredentialTable } from './tables.ts';

export interface SignHashRequest {
  readonly credentialId: string;
  readonly sad?: string;
  readonly hashes: readonly string[];
  readonly hashAlgorithmOid?: string;
  readonly signAlgo: string;
  readonly signAlgoParams?: string;
  readonly userId?: string;
  readonly source?: string | undefined;
}

function isTransactional(audit: AuditTrail): audit is TransactionalAuditTrail {
  return typeof (audit as Partial<TransactionalAuditTrail>).appendWithin === 'function';
}

/** What signHash works with; without a status source the certificate is not asked about before signing. */
export interface HashSigningDependencies {
  readonly crypto: CryptoModule;
  readonly credentials: CredentialService;
  readonly activation: SignatureActivationModule;
  readonly statusSource: CertificateStatusSource | undefined;
  readonly audit: AuditTrail;
  readonly clock: Clock;
  /** How long a "good" answer of the status source is reused (capped by the source's own limit). */
  readonly statusCacheSeconds?: number | undefined;
}

export class HashSigningService {
  /**
   * "good" answers of the status source by credential and certificate serial, until (ms). Asking the
   * CA before every call cost more than the signatures of a 100-hash call on fast keys; a short reuse
   * keeps the check at signing time in substance, and any revocation in this process clears it.
   */
  private readonly goodUntil = new Map<string, number>();
  private readonly statusTtlMs: number;

  constructor(private readonly deps: HashSigningDependencies) {
    const ceiling = deps.statusSource?.maxStatusAgeSeconds ?? Number.POSITIVE_INFINITY;
    this.statusTtlMs = Math.max(0, Math.min(deps.statusCacheSeconds ?? 0, ceiling)) * 1000;
    deps.statusSource?.onRevocation?.(() => this.forgetCertificateStatus());
  }

  /** Drops every cached "good" status (a revocation became known). */
  forgetCertificateStatus(): void {
    this.goodUntil.clear();
  }

  async signHash(principal: RsspPrincipal, request: SignHashRequest): Promise<Buffer[]> {
    const credential = await this.deps.credentials.get(request.credentialId);
    const userId = principal.userId ?? request.userId ?? null;
    const refuse = async (error: CscError, extra: Record<string, unknown> = {}): Promise<never> => {
      await this.deps.audit.append({
        type: 'signature.create',
        actor: actorOf(principal, userId),
        subject: { kind: 'credential', id: request.credentialId.slice(0, 100) },
        outcome: 'failure',
        source: request.source,
        details: {
          reason: error.description,
          clientId: principal.clientId,
          serviceAuthentication: principal.authMethod,
          certificateSerial: credential?.cert_serial ?? null,
          hashCount: request.hashes.length,
          ...extra,
        },
      });
      throw error;
    };
    if (credential === undefined || !entitled(principal, credential, userId)) {
      return refuse(CSC.invalidParameter('credentialID'));
    }
    const key = credential.key_algorithm as KeyAlgorithm;
    let algorithm: ReturnType<typeof resolveSignAlgorithm>;
    let digests: Buffer[];
    try {
      algorithm = resolveSignAlgorithm(
        key,
        request.signAlgo,
        request.hashAlgorithmOid,
        request.signAlgoParams,
      );
      digests = decodeHashes(request.hashes, algorithm.digest);
    } catch (error) {
      if (error instanceof CscError) return refuse(error);
      throw error;
    }
    const hashesHex = digests.map((d) => d.toString('hex'));
    const problem = await this.signingProblem(credential);
    if (problem !== undefined) return refuse(problem, { hashes: hashesHex });

    const sadHash = authorisationOf(principal, request);
    if (sadHash instanceof CscError) return refuse(sadHash, { hashes: hashesHex });
    let signatures: Buffer[] | undefined;
    const successEvent = (authenticationMethod: string | null): AuditEventInput =>
      signatureRecord({ principal, userId, credential, request, hashesHex, algorithm }, authenticationMethod);
    const audit = this.deps.audit;
    const inTransaction = isTransactional(audit);
    let consumed: Awaited<ReturnType<SignatureActivationModule['consume']>>;
    try {
      // The HSM signs and the record is written inside the SAD's transaction: a process killed before
      // the commit leaves the SAD usable (the signature never left it), never spent without a record.
      consumed = await this.deps.activation.consume(
        principal,
        credential,
        sadHash,
        digests,
        algorithm.digestOid,
        async (trx, reserved) => {
          signatures = await this.deps.crypto.signDigests(credential.key_id!, digests, {
            digestAlgorithm: algorithm.digest,
            scheme: algorithm.scheme,
          });
          if (inTransaction) await audit.appendWithin(trx, successEvent(reserved.authMethod));
        },
      );
    } catch (error) {
      if (error instanceof CscError) return refuse(error, { hashes: hashesHex });
      // The HSM (or the record) failed: the transaction rolled back, so the SAD is not spent.
      await refuse(new CscError('server_error', 'The signature could not be created', 500), {
        hashes: hashesHex,
      }).catch(() => undefined);
      throw error;
    }
    if (!inTransaction) await audit.append(successEvent(consumed.authMethod));
    if (signatures === undefined) throw new Error('no signatures');
    return signatures;
  }

  /** The CA's word on the credential's certificate (credentials/info cert.status); undefined without a source. */
  async certificateStatus(credential: CredentialTable): Promise<CertificateStatus | undefined> {
    if (this.deps.statusSource === undefined || credential.certificate === null) return undefined;
    if (credential.status === 'revoked' || credential.status === 'ended') return 'revoked';
    const chain = (JSON.parse(credential.certificate_chain ?? '[]') as string[]).map((c) =>
      Buffer.from(c, 'base64'),
    );
    return this.deps.statusSource.statusOf(Buffer.from(credential.certificate), chain);
  }

  /** Key active, certificate within validity and not revoked (REQUIREMENTS 2.2.3 (1) ア/イ). */
  async signingProblem(credential: CredentialTable): Promise<CscError | undefined> {
    if (credential.status !== 'active' || credential.key_id === null || credential.certificate === null) {
      return CSC.credentialDisabled();
    }
    const now = this.deps.clock().toISOString();
    if (credential.cert_not_before === null || credential.cert_not_after === null)
      return CSC.credentialDisabled();
    if (now < credential.cert_not_before || now > credential.cert_not_after) return CSC.certificateExpired();
    if (this.deps.statusSource !== undefined) {
      const key = `${credential.credential_id}:${credential.cert_serial}`;
      const nowMs = this.deps.clock().getTime();
      if ((this.goodUntil.get(key) ?? 0) > nowMs) return undefined;
      const chain = (JSON.parse(credential.certificate_chain ?? '[]') as string[]).map((c) =>
        Buffer.from(c, 'base64'),
      );
      const status = await this.deps.statusSource.statusOf(Buffer.from(credential.certificate), chain);
      if (status === 'revoked') return invalidRequest('Signing certificate is revoked');
      if (status === 'suspended') return invalidRequest('Signing certificate is suspended');
      if (status !== 'good') return invalidRequest('Signing certificate status is unknown');
      if (this.statusTtlMs > 0) {
        if (this.goodUntil.size > 10_000) this.goodUntil.clear();
        this.goodUntil.set(key, nowMs + this.statusTtlMs);
      }
    }
    return undefined;
  }
}

function actorOf(principal: RsspPrincipal, userId: string | null) {
  if (userId !== null) {
    return {
      kind: 'user' as const,
      id: userId,
      ...(principal.tenantId === null ? {} : { tenantId: principal.tenantId }),
    };
  }
  return { kind: 'client-system' as const, id: principal.clientId ?? 'unknown' };
}

/** The SAD's hash: the SAD sent, or a credential-scope token that is its own authorisation. */
function authorisationOf(principal: RsspPrincipal, request: SignHashRequest): string | CscError {
  if (request.sad !== undefined) {
    if (request.sad.length === 0 || request.sad.length > 512) return CSC.invalidParameter('SAD');
    return sadHashOf(request.sad);
  }
  if (principal.scope === 'credential') return principal.tokenHash;
  return CSC.missingString('SAD');
}

/** The signature.create record of a signing that succeeded. */
function signatureRecord(
  signed: {
    principal: RsspPrincipal;
    userId: string | null;
    credential: CredentialTable;
    request: SignHashRequest;
    hashesHex: string[];
    algorithm: ReturnType<typeof resolveSignAlgorithm>;
  },
  authenticationMethod: string | null,
): AuditEventInput {
  const { principal, credential, request } = signed;
  return {
    type: 'signature.create',
    actor: actorOf(principal, signed.userId),
    subject: { kind: 'credential', id: credential.credential_id },
    outcome: 'success',
    source: request.source,
    details: {
      credentialId: credential.credential_id,
      certificateSerial: credential.cert_serial,
      hashes: signed.hashesHex,
      hashAlgorithmOID: signed.algorithm.digestOid,
      signAlgo: request.signAlgo,
      clientId: principal.clientId,
      userId: credential.user_id,
      serviceAuthentication: principal.authMethod,
      authenticationMethod,
    },
  };
}
