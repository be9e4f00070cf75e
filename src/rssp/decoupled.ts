/**
 * Decoupled credentials/authorize (csc-api-v2 §4.10–4.11, §5.3): the SCA sends the auth objects'
 * ids without values, gets 202 `{handle}`, and polls credentials/authorizeCheck. The user approves
 * out of band, in shomei (/api/credentials/{id}/authorizations), with the same PIN and one-time code
 * and the same lockout as the explicit flow; the SAD is minted only when the SCA collects it, once.
 */
import type { Kysely } from 'kysely';
import type { AuditTrail } from '../audit/events.ts';
import type { SignatureActivationModule } from './activation.ts';
import { type AuthenticationDatum, sadHashOf } from './activation.ts';
import { CSC, CscError } from './errors.ts';
import type { Clock } from './ports.ts';
import type { RsspPrincipal } from './principal.ts';
import { randomId, randomSecret, secretHash } from './secrets.ts';
import type { RsspSettings } from './settings.ts';
import type { CredentialTable, PendingAuthorizationTable, RsspTables } from './tables.ts';

export interface PendingApproval {
  readonly approvalId: string;
  readonly credentialId: string;
  readonly clientId: string | null;
  readonly numSignatures: number;
  readonly hashes: readonly Buffer[];
  readonly hashAlgorithmOid: string | null;
  readonly description: string | null;
  readonly expiresAt: string;
}

/** authorizeCheck's 202 body: still waiting for the user. */
export class AuthorizationPending extends Error {
  constructor(readonly handle: string) {
    super('authorization pending');
  }
}

export function handleHashOf(handle: string): string {
  return secretHash(`handle:${handle}`);
}

export class DecoupledAuthorizations {
  constructor(
    private readonly db: Kysely<RsspTables>,
    private readonly activation: SignatureActivationModule,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly settings: RsspSettings,
  ) {}

  /** Records the request (the budget already checked by the caller) and returns the handle. */
  async request(
    principal: RsspPrincipal,
    credential: CredentialTable,
    request: {
      numSignatures: number;
      hashes?: readonly Buffer[];
      hashAlgorithmOid?: string;
      description?: string | undefined;
      source?: string;
    },
  ): Promise<string> {
    const handle = randomSecret();
    const now = this.clock();
    const hashes = request.hashes?.map((h) => h.toString('hex'));
    await this.db
      .deleteFrom('rssp_pending_authorizations')
      .where('expires_at', '<', now.toISOString())
      .execute();
    await this.db
      .insertInto('rssp_pending_authorizations')
      .values({
        handle_hash: handleHashOf(handle),
        approval_id: randomId('appr-'),
        credential_id: credential.credential_id,
        user_id: credential.user_id,
        client_id: principal.clientId,
        num_signatures: request.numSignatures,
        hashes: hashes === undefined ? null : JSON.stringify(hashes),
        hash_algorithm_oid: request.hashAlgorithmOid ?? null,
        description: request.description ?? null,
        status: 'pending',
        auth_method: null,
        expires_at: new Date(now.getTime() + this.approvalSeconds() * 1000).toISOString(),
        created_at: now.toISOString(),
        decided_at: null,
      })
      .execute();
    await this.audit.append({
      type: 'sad.request',
      actor: { kind: 'user', id: credential.user_id },
      subject: { kind: 'credential', id: credential.credential_id },
      outcome: 'success',
      source: request.source,
      details: {
        credentialId: credential.credential_id,
        certificateSerial: credential.cert_serial,
        numSignatures: request.numSignatures,
        hashes: hashes ?? [],
        clientId: principal.clientId,
        serviceAuthentication: principal.authMethod,
        mode: 'decoupled',
      },
    });
    return handle;
  }

  /** What waits for this user's approval on a credential (for the user's own app). */
  async pending(userId: string, credentialId: string): Promise<PendingApproval[]> {
    const rows = await this.db
      .selectFrom('rssp_pending_authorizations')
      .selectAll()
      .where('credential_id', '=', credentialId)
      .where('user_id', '=', userId)
      .where('status', '=', 'pending')
      .where('expires_at', '>', this.clock().toISOString())
      .orderBy('created_at')
      .execute();
    return rows.map(toApproval);
  }

  /**
   * The user's decision. Approving checks PIN and one-time code through the Signature Activation
   * Module (wrong factors count towards the lockout and leave the request pending).
   */
  async decide(
    userId: string,
    credential: CredentialTable,
    approvalId: string,
    decision: { approve: true; authData: readonly AuthenticationDatum[] } | { approve: false },
    source?: string,
  ): Promise<void> {
    const now = this.clock().toISOString();
    const row = await this.db
      .selectFrom('rssp_pending_authorizations')
      .selectAll()
      .where('approval_id', '=', approvalId)
      .where('credential_id', '=', credential.credential_id)
      .where('user_id', '=', userId)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (row === undefined) throw CSC.invalidParameter('approvalID');
    let authMethod: string | null = null;
    if (decision.approve) {
      if (credential.status !== 'active' || credential.key_id === null) throw CSC.credentialDisabled();
      try {
        authMethod = await this.activation.verifyActivationFactors(credential, decision.authData);
      } catch (error) {
        await this.audit.append({
          type: 'sad.approve',
          actor: { kind: 'user', id: userId },
          subject: { kind: 'credential', id: credential.credential_id },
          outcome: 'failure',
          source,
          details: {
            approvalId,
            clientId: row.client_id,
            reason: error instanceof CscError ? error.description : 'error',
          },
        });
        throw error;
      }
    }
    const updated = await this.db
      .updateTable('rssp_pending_authorizations')
      .set({
        status: decision.approve ? 'approved' : 'rejected',
        auth_method: authMethod,
        decided_at: this.clock().toISOString(),
      })
      .where('handle_hash', '=', row.handle_hash)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw CSC.invalidParameter('approvalID');
    await this.audit.append({
      type: 'sad.approve',
      actor: { kind: 'user', id: userId },
      subject: { kind: 'credential', id: credential.credential_id },
      outcome: decision.approve ? 'success' : 'failure',
      source,
      details: {
        approvalId,
        credentialId: credential.credential_id,
        certificateSerial: credential.cert_serial,
        numSignatures: row.num_signatures,
        hashes: row.hashes === null ? [] : (JSON.parse(row.hashes) as string[]),
        clientId: row.client_id,
        ...(decision.approve ? { authenticationMethod: authMethod } : { reason: 'rejected-by-user' }),
      },
    });
  }

  /** authorizeCheck: the SAD once approved (minted now, returned once), else 202 or the specified error. */
  async check(
    principal: RsspPrincipal,
    userId: string | null,
    handle: string,
  ): Promise<{ sad: string; expiresIn: number }> {
    const handleHash = handleHashOf(handle);
    const row = await this.db
      .selectFrom('rssp_pending_authorizations')
      .selectAll()
      .where('handle_hash', '=', handleHash)
      .executeTakeFirst();
    const user = principal.userId ?? userId;
    if (
      row === undefined ||
      row.user_id !== user ||
      row.client_id !== principal.clientId ||
      row.status === 'retrieved' ||
      (row.status === 'pending' && row.expires_at <= this.clock().toISOString())
    ) {
      throw CSC.invalidParameter('handle');
    }
    // Still entitled, active and not locked (a lockout during approval is reported as such).
    await this.activation.usableCredential(principal, userId, row.credential_id);
    if (row.status === 'pending') throw new AuthorizationPending(handle);
    const taken = await this.db
      .updateTable('rssp_pending_authorizations')
      .set({ status: 'retrieved' })
      .where('handle_hash', '=', handleHash)
      .where('status', '=', row.status)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1) throw CSC.invalidParameter('handle');
    if (row.status === 'rejected') throw CSC.invalidAuthenticationData();
    const sad = randomSecret();
    const hashes = row.hashes === null ? undefined : (JSON.parse(row.hashes) as string[]);
    await this.activation.storeSad(sadHashOf(sad), {
      credentialId: row.credential_id,
      userId: row.user_id,
      clientId: row.client_id,
      numSignatures: row.num_signatures,
      hashes: hashes?.map((h) => Buffer.from(h, 'hex')),
      ...(row.hash_algorithm_oid === null ? {} : { hashAlgorithmOid: row.hash_algorithm_oid }),
      authMethod: row.auth_method ?? 'unknown',
      lifetimeSeconds: this.settings.sadLifetimeSeconds,
    });
    await this.audit.append({
      type: 'sad.issue',
      actor: { kind: 'user', id: row.user_id },
      subject: { kind: 'credential', id: row.credential_id },
      outcome: 'success',
      details: {
        credentialId: row.credential_id,
        numSignatures: row.num_signatures,
        hashes: hashes ?? [],
        hashAlgorithmOID: row.hash_algorithm_oid,
        clientId: row.client_id,
        serviceAuthentication: principal.authMethod,
        authenticationMethod: row.auth_method,
        mode: 'decoupled',
        expiresIn: this.settings.sadLifetimeSeconds,
      },
    });
    return { sad, expiresIn: this.settings.sadLifetimeSeconds };
  }

  private approvalSeconds(): number {
    return this.settings.approvalSeconds ?? 300;
  }
}

function toApproval(row: PendingAuthorizationTable): PendingApproval {
  return {
    approvalId: row.approval_id,
    credentialId: row.credential_id,
    clientId: row.client_id,
    numSignatures: row.num_signatures,
    hashes: row.hashes === null ? [] : (JSON.parse(row.hashes) as string[]).map((h) => Buffer.from(h, 'hex')),
    hashAlgorithmOid: row.hash_algorithm_oid,
    description: row.description,
    expiresAt: row.expires_at,
  };
}
