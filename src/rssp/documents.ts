/**
 * signatures/signDoc with `documentDigests` (csc-api-v2 §4.16, §6.6): the SCA sends the document
 * digest (for PAdES the digest of the PDF byte ranges), the SAD must cover exactly that digest, and
 * the service returns a detached CMS (AdES-B-B; PAdES without, CAdES with signing-time) in
 * `SignatureObject`. The HSM signs the digest of the signed attributes built around it.
 */
import type { AuditTrail } from '../audit/events.ts';
import type { CryptoModule, KeyAlgorithm } from '../crypto/index.ts';
import type { SignatureActivationModule } from './activation.ts';
import { entitled, sadHashOf } from './activation.ts';
import { resolveSignAlgorithm } from './algorithms.ts';
import type { CredentialService } from './credentials.ts';
import { CSC, CscError, invalidRequest } from './errors.ts';
import { decodeHashes } from './hashes.ts';
import type { Clock, CmsSignatureBuilder } from './ports.ts';
import type { RsspPrincipal } from './principal.ts';
import type { HashSigningService } from './signing.ts';

export interface DocumentDigestRequest {
  readonly hashes: readonly string[];
  readonly hashAlgorithmOid?: string;
  readonly signatureFormat: 'P' | 'C';
  readonly signAlgo: string;
  readonly signAlgoParams?: string;
}

export interface SignDocRequest {
  readonly credentialId: string;
  readonly sad?: string;
  readonly documentDigests: readonly DocumentDigestRequest[];
  readonly userId?: string;
  readonly source?: string;
}

export class DocumentSigningService {
  constructor(
    private readonly crypto: CryptoModule,
    private readonly credentials: CredentialService,
    private readonly activation: SignatureActivationModule,
    private readonly hashSigning: HashSigningService,
    private readonly cms: CmsSignatureBuilder,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
  ) {}

  /** Returns one detached CMS per digest, in request order. */
  async signDoc(principal: RsspPrincipal, request: SignDocRequest): Promise<Buffer[]> {
    const userId = principal.userId ?? request.userId ?? null;
    const credential = await this.credentials.get(request.credentialId);
    const refuse = async (error: CscError): Promise<never> => {
      await this.audit.append({
        type: 'signature.create',
        actor:
          userId === null
            ? { kind: 'client-system', id: principal.clientId ?? 'unknown' }
            : { kind: 'user', id: userId },
        subject: { kind: 'credential', id: request.credentialId.slice(0, 100) },
        outcome: 'failure',
        ...(request.source === undefined ? {} : { source: request.source }),
        details: {
          method: 'signDoc',
          reason: error.description,
          clientId: principal.clientId,
          certificateSerial: credential?.cert_serial ?? null,
        },
      });
      throw error;
    };
    if (credential === undefined || !entitled(principal, credential, userId))
      return refuse(CSC.invalidParameter('credentialID'));
    const key = credential.key_algorithm as KeyAlgorithm;
    // Every digest of every entry, resolved and decoded before anything is spent.
    const entries: {
      digest: Buffer;
      algorithm: ReturnType<typeof resolveSignAlgorithm>;
      format: 'P' | 'C';
    }[] = [];
    try {
      for (const entry of request.documentDigests) {
        const algorithm = resolveSignAlgorithm(
          key,
          entry.signAlgo,
          entry.hashAlgorithmOid,
          entry.signAlgoParams,
        );
        for (const digest of decodeHashes(entry.hashes, algorithm.digest))
          entries.push({ digest, algorithm, format: entry.signatureFormat });
      }
    } catch (error) {
      if (error instanceof CscError) return refuse(error);
      throw error;
    }
    const digestOids = new Set(entries.map((e) => e.algorithm.digestOid));
    if (digestOids.size !== 1) return refuse(CSC.invalidParameter('hashAlgorithmOID'));
    const all = entries.map((e) => e.digest);
    if (new Set(all.map((d) => d.toString('hex'))).size !== all.length)
      return refuse(CSC.invalidParameter('hashes'));
    const problem = await this.hashSigning.signingProblem(credential);
    if (problem !== undefined) return refuse(problem);
    let sadHash: string;
    if (request.sad !== undefined) sadHash = sadHashOf(request.sad);
    else if (principal.scope === 'credential') sadHash = principal.tokenHash;
    else return refuse(CSC.missingString('SAD'));
    let consumed: Awaited<ReturnType<SignatureActivationModule['consume']>>;
    try {
      consumed = await this.activation.consume(principal, credential, sadHash, all, [...digestOids][0]!);
    } catch (error) {
      // The specification's signDoc answer for a digest outside the authorisation.
      if (error instanceof CscError && error.description === 'Hash is not authorized by the SAD') {
        return refuse(
          new CscError('invalid_hash', 'Document or documentDigest does not match authorized hash', 403),
        );
      }
      if (error instanceof CscError) return refuse(error);
      throw error;
    }
    const chain = (JSON.parse(credential.certificate_chain ?? '[]') as string[]).map((c) =>
      Buffer.from(c, 'base64'),
    );
    let signatures: Buffer[];
    try {
      signatures = await Promise.all(
        entries.map(async (entry) => {
          const prepared = this.cms.prepare({
            contentDigest: entry.digest,
            digestAlgorithm: entry.algorithm.digest,
            signatureScheme: entry.algorithm.scheme,
            signerCertificate: Buffer.from(credential.certificate!),
            certificateChain: chain,
            ...(entry.format === 'C' ? { signingTime: this.clock.now() } : {}),
          });
          const value = await this.crypto.signDigest(credential.key_id!, prepared.digestToSign, {
            digestAlgorithm: entry.algorithm.digest,
            scheme: entry.algorithm.scheme,
          });
          return this.cms.complete(prepared.state, value);
        }),
      );
    } catch (error) {
      await this.activation.release(sadHash, all);
      await refuse(new CscError('server_error', 'The signature could not be created', 500)).catch(
        () => undefined,
      );
      throw error;
    }
    await this.audit.append({
      type: 'signature.create',
      actor: { kind: 'user', id: credential.user_id },
      subject: { kind: 'credential', id: credential.credential_id },
      outcome: 'success',
      ...(request.source === undefined ? {} : { source: request.source }),
      details: {
        method: 'signDoc',
        formats: entries.map((e) => e.format),
        credentialId: credential.credential_id,
        certificateSerial: credential.cert_serial,
        hashes: all.map((d) => d.toString('hex')),
        clientId: principal.clientId,
        userId: credential.user_id,
        serviceAuthentication: principal.authMethod,
        authenticationMethod: consumed.authMethod,
      },
    });
    return signatures;
  }
}

export function unsupportedLevel(): CscError {
  return invalidRequest('Invalid parameter conformance_level');
}
