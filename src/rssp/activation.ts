/**
 * The Signature Activation Module (JT2A II-3 SAP/SAD, CSC §5.4). credentials/authorize checks the
 * credential's PIN and one-time code and issues a SAD: 256 random bits, stored only as a hash, bound
 * to the credential, the user and client system, the exact digests, a signature count and an expiry.
 * signHash consumes it with conditional updates inside one transaction, so two racing requests can
 * never both spend the same authorisation.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AuditTrail } from '../audit/events.ts';
import type { CredentialService } from './credentials.ts';
import { CSC, CscError } from './errors.ts';
import { auditableIdentifier } from './identifiers.ts';
import type { OneTimeCodeFactor } from './otp.ts';
import type { Clock, LoginFactor } from './ports.ts';
import type { RsspPrincipal } from './principal.ts';
import { randomSecret, secretHash, verifyPin } from './secrets.ts';
import type { RsspSettings } from './settings.ts';
import type { CredentialTable, RsspTables } from './tables.ts';
import type { TenantSigningFactors } from './tenant-signing.ts';

export interface AuthenticationDatum {
  readonly id: string;
  readonly value?: string;
}

export interface AuthorizeCredentialRequest {
  readonly credentialId: string;
  readonly numSignatures: number;
  /** Decoded digests (SCAL2: required). */
  readonly hashes?: readonly Buffer[];
  readonly hashAlgorithmOid?: string;
  readonly authData: readonly AuthenticationDatum[];
  readonly source?: string | undefined;
}

export interface SignatureActivationData {
  readonly sad: string;
  readonly expiresIn: number;
  /** The factors that activated it ('pin+totp', 'pin+email-otp', 'pin+login-totp'): a name, no secret. */
  readonly authenticationMethod?: string;
}

export interface ConsumedAuthorization {
  readonly authMethod: string;
  readonly sadHash: string;
}

export interface SadGrant {
  readonly credentialId: string;
  readonly userId: string;
  readonly clientId: string | null;
  readonly numSignatures: number;
  readonly hashes?: readonly Buffer[] | undefined;
  readonly hashAlgorithmOid?: string | undefined;
  readonly authMethod: string;
  readonly lifetimeSeconds: number;
}

/**
 * Whether the caller may use this credential at all: the user's own credential, through a client
 * system the credential allows. A client system's own token (client_credentials, no user) reaches
 * only credentials that name that client explicitly.
 */
export function entitled(
  principal: RsspPrincipal,
  credential: CredentialTable,
  userId: string | null,
): boolean {
  const user = principal.userId ?? userId;
  if (user === null || credential.user_id !== user) return false;
  if (principal.scope === 'credential' && principal.credentialId !== credential.credential_id) return false;
  const allowed =
    credential.allowed_clients === null ? null : (JSON.parse(credential.allowed_clients) as string[]);
  if (principal.userId === null)
    return principal.clientId !== null && (allowed?.includes(principal.clientId) ?? false);
  if (allowed === null) return true;
  // A credential limited to named client systems is not usable with a bare auth/login token.
  return principal.clientId !== null && allowed.includes(principal.clientId);
}

/** What the SAM works with; without signingFactors every tenant signs with the credential's own code. */
export interface SignatureActivationDependencies {
  readonly db: Kysely<RsspTables>;
  readonly credentials: CredentialService;
  readonly otp: OneTimeCodeFactor;
  readonly audit: AuditTrail;
  readonly clock: Clock;
  readonly settings: RsspSettings;
  readonly signingFactors: TenantSigningFactors | undefined;
  readonly loginFactor: LoginFactor | undefined;
}

export class SignatureActivationModule {
  constructor(private readonly deps: SignatureActivationDependencies) {}

  /** credentials/authorize: PIN + one-time code → SAD (explicit mode). Every refusal is audited. */
  async authorizeCredential(
    principal: RsspPrincipal,
    userId: string | null,
    request: AuthorizeCredentialRequest,
  ): Promise<SignatureActivationData> {
    const credential = await this.checkedRequest(principal, userId, request);
    const user = credential.user_id;
    const audited = {
      credentialId: credential.credential_id,
      certificateSerial: credential.cert_serial,
      numSignatures: request.numSignatures,
      hashes: request.hashes?.map((h) => h.toString('hex')) ?? [],
      hashAlgorithmOID: request.hashAlgorithmOid ?? null,
      clientId: principal.clientId,
      serviceAuthentication: principal.authMethod,
    };
    const factors = (await this.deps.credentials.reserveAttempt(credential.credential_id))
      ? await this.verifyFactors(credential, request.authData)
      : undefined;
    if (factors === undefined || !factors.ok) {
      const nowLocked = await this.deps.credentials.registerFailedAttempt(credential.credential_id);
      await this.deps.audit.append({
        type: 'sad.issue',
        actor: { kind: 'user', id: user },
        subject: { kind: 'credential', id: credential.credential_id },
        outcome: 'failure',
        source: request.source,
        details: {
          ...audited,
          reason: factors?.reason ?? 'locked',
          locked: nowLocked,
          authenticationMethod: factors?.method,
        },
      });
      throw factors === undefined ? CSC.credentialLocked() : CSC.invalidAuthenticationData();
    }
    await this.deps.credentials.resetFailedAttempts(credential.credential_id);
    const sad = randomSecret();
    await this.storeSad(sadHashOf(sad), {
      credentialId: credential.credential_id,
      userId: user,
      clientId: principal.clientId,
      numSignatures: request.numSignatures,
      hashes: request.hashes,
      hashAlgorithmOid: request.hashAlgorithmOid,
      authMethod: factors.method,
      lifetimeSeconds: this.deps.settings.sadLifetimeSeconds,
    });
    await this.deps.audit.append({
      type: 'sad.issue',
      actor: { kind: 'user', id: user },
      subject: { kind: 'credential', id: credential.credential_id },
      outcome: 'success',
      source: request.source,
      details: {
        ...audited,
        authenticationMethod: factors.method,
        expiresIn: this.deps.settings.sadLifetimeSeconds,
      },
    });
    return { sad, expiresIn: this.deps.settings.sadLifetimeSeconds, authenticationMethod: factors.method };
  }

  /**
   * The credential and the budget asked for, before any factor is looked at. A refusal here (not
   * the caller's credential, locked, disabled, out of budget) is recorded like a wrong PIN (ADR 009:
   * every attempt is audited), with the identifier as sent made printable.
   */
  private async checkedRequest(
    principal: RsspPrincipal,
    userId: string | null,
    request: AuthorizeCredentialRequest,
  ): Promise<CredentialTable> {
    try {
      const credential = await this.usableCredential(principal, userId, request.credentialId);
      if (credential.auth_mode !== 'explicit') throw CSC.invalidParameter('credentialID');
      this.checkBudget(credential, request.numSignatures, request.hashes, request.hashAlgorithmOid);
      return credential;
    } catch (error) {
      const caller = principal.userId ?? userId;
      await this.deps.audit.append({
        type: 'sad.issue',
        actor:
          caller === null
            ? { kind: 'client-system', id: auditableIdentifier(principal.clientId) }
            : { kind: 'user', id: auditableIdentifier(caller) },
        subject: { kind: 'credential', id: auditableIdentifier(request.credentialId) },
        outcome: 'failure',
        source: request.source,
        details: {
          reason: error instanceof CscError ? error.description : 'error',
          numSignatures: request.numSignatures,
          clientId: principal.clientId,
          serviceAuthentication: principal.authMethod,
        },
      });
      throw error;
    }
  }

  /**
   * Checks PIN and one-time code for the OAuth authorization page (oauth2code credentials) and the
   * decoupled approval, with the same lockout; returns the authentication method on success.
   */
  async verifyActivationFactors(
    credential: CredentialTable,
    authData: readonly AuthenticationDatum[],
  ): Promise<string> {
    if (
      credential.locked_at !== null ||
      !(await this.deps.credentials.reserveAttempt(credential.credential_id))
    )
      throw CSC.credentialLocked();
    const factors = await this.verifyFactors(credential, authData);
    if (!factors.ok) {
      await this.deps.credentials.registerFailedAttempt(credential.credential_id);
      throw CSC.invalidAuthenticationData();
    }
    await this.deps.credentials.resetFailedAttempts(credential.credential_id);
    return factors.method;
  }

  /** credentials/extendTransaction (JT2A appendix 1 method 2): the next hashes under the remaining budget. */
  async extendTransaction(
    principal: RsspPrincipal,
    userId: string | null,
    request: {
      credentialId: string;
      sad: string;
      hashes?: readonly Buffer[];
      hashAlgorithmOid?: string;
      source?: string;
    },
  ): Promise<SignatureActivationData> {
    const credential = await this.usableCredential(principal, userId, request.credentialId);
    if (credential.scal === '2' && request.hashes === undefined) throw CSC.missingArray('hashes');
    if (request.hashes !== undefined && request.hashAlgorithmOid === undefined)
      throw CSC.missingString('hashAlgorithmOID');
    const oldHash = sadHashOf(request.sad);
    const now = this.deps.clock();
    const newSad = randomSecret();
    const newHash = sadHashOf(newSad);
    const count = request.hashes?.length ?? 0;
    const expiresIn = await this.deps.db
      .transaction()
      .execute(async (trx) => {
        const old = await trx
          .updateTable('rssp_sads')
          .set({ status: 'replaced' })
          .where('sad_hash', '=', oldHash)
          .where('credential_id', '=', credential.credential_id)
          .where('user_id', '=', credential.user_id)
          .where('status', '=', 'active')
          .where('remaining', '>=', Math.max(1, count))
          .where('expires_at', '>', now.toISOString())
          .returning([
            'remaining',
            'num_signatures',
            'transaction_expires_at',
            'auth_method',
            'client_id',
            'hash_algorithm_oid',
          ])
          .executeTakeFirst();
        if (old === undefined || old.client_id !== principal.clientId) {
          throw await this.diagnoseSad(trx, oldHash, credential.credential_id, now);
        }
        if (
          old.hash_algorithm_oid !== null &&
          request.hashAlgorithmOid !== undefined &&
          old.hash_algorithm_oid !== request.hashAlgorithmOid
        ) {
          throw CSC.invalidParameter('hashAlgorithmOID');
        }
        const transactionEnd = new Date(old.transaction_expires_at);
        const expiry = new Date(
          Math.min(now.getTime() + this.deps.settings.sadLifetimeSeconds * 1000, transactionEnd.getTime()),
        );
        await insertSad(trx, newHash, {
          credentialId: credential.credential_id,
          userId: credential.user_id,
          clientId: principal.clientId,
          numSignatures: old.num_signatures,
          remaining: old.remaining,
          hashes: request.hashes,
          hashAlgorithmOid: request.hashAlgorithmOid ?? old.hash_algorithm_oid ?? undefined,
          authMethod: old.auth_method,
          expiresAt: expiry,
          transactionExpiresAt: transactionEnd,
          now,
        });
        return Math.max(1, Math.floor((expiry.getTime() - now.getTime()) / 1000));
      })
      .catch(async (error: unknown) => {
        await this.deps.audit.append({
          type: 'sad.extend',
          actor: { kind: 'user', id: credential.user_id },
          subject: { kind: 'credential', id: credential.credential_id },
          outcome: 'failure',
          details: {
            clientId: principal.clientId,
            reason: error instanceof CscError ? error.description : 'error',
          },
        });
        throw error;
      });
    await this.deps.audit.append({
      type: 'sad.extend',
      actor: { kind: 'user', id: credential.user_id },
      subject: { kind: 'credential', id: credential.credential_id },
      outcome: 'success',
      source: request.source,
      details: {
        credentialId: credential.credential_id,
        certificateSerial: credential.cert_serial,
        hashes: request.hashes?.map((h) => h.toString('hex')) ?? [],
        clientId: principal.clientId,
      },
    });
    return { sad: newSad, expiresIn };
  }

  /** Stores an authorisation issued elsewhere in this module (a credential-scope OAuth token acts as SAD). */
  async storeSad(sadHash: string, grant: SadGrant): Promise<void> {
    const now = this.deps.clock();
    const expiry = new Date(now.getTime() + grant.lifetimeSeconds * 1000);
    await this.deps.db.transaction().execute((trx) =>
      insertSad(trx, sadHash, {
        ...grant,
        remaining: grant.numSignatures,
        expiresAt: expiry,
        transactionExpiresAt: new Date(now.getTime() + this.deps.settings.transactionSeconds * 1000),
        now,
      }),
    );
  }

  /**
   * Spends `digests.length` signatures of the SAD atomically: the SAD row by a conditional decrement,
   * each digest by a conditional mark. Any refusal rolls the whole reservation back. `within` runs
   * inside the same transaction (signing and its audit record), so a process killed before the commit
   * leaves the SAD unspent, and a spent SAD always has its record.
   */
  async consume(
    principal: RsspPrincipal,
    credential: CredentialTable,
    sadHash: string,
    digests: readonly Buffer[],
    digestOid: string,
    within?: (trx: Transaction<RsspTables>, consumed: ConsumedAuthorization) => Promise<void>,
  ): Promise<ConsumedAuthorization> {
    const now = this.deps.clock();
    const k = digests.length;
    return this.deps.db.transaction().execute(async (trx) => {
      let update = trx
        .updateTable('rssp_sads')
        .set((eb) => ({ remaining: eb('remaining', '-', k) }))
        .where('sad_hash', '=', sadHash)
        .where('credential_id', '=', credential.credential_id)
        .where('user_id', '=', credential.user_id)
        .where('status', '=', 'active')
        .where('remaining', '>=', k)
        .where('expires_at', '>', now.toISOString());
      update =
        principal.clientId === null
          ? update.where('client_id', 'is', null)
          : update.where('client_id', '=', principal.clientId);
      const row = await update
        .returning(['hash_bound', 'hash_algorithm_oid', 'auth_method'])
        .executeTakeFirst();
      if (row === undefined) throw await this.diagnoseSad(trx, sadHash, credential.credential_id, now, k);
      if (row.hash_algorithm_oid !== null && row.hash_algorithm_oid !== digestOid) {
        throw CSC.invalidParameter('hashAlgorithmOID');
      }
      if (row.hash_bound === 1) {
        const marked = await trx
          .updateTable('rssp_sad_hashes')
          .set({ consumed_at: now.toISOString() })
          .where('sad_hash', '=', sadHash)
          .where('consumed_at', 'is', null)
          .where(
            'digest',
            'in',
            digests.map((d) => d.toString('hex')),
          )
          .executeTakeFirst();
        if (Number(marked.numUpdatedRows) !== k) throw CSC.hashNotAuthorized();
      } else if (credential.scal === '2') {
        // A SCAL2 credential never signs under an authorisation that is not bound to hashes.
        throw CSC.hashNotAuthorized();
      }
      const consumed = { authMethod: row.auth_method, sadHash };
      if (within !== undefined) await within(trx, consumed);
      return consumed;
    });
  }

  /** Gives signatures back when the HSM failed after the reservation (nothing half-spent). */
  async release(sadHash: string, digests: readonly Buffer[]): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('rssp_sads')
        .set((eb) => ({ remaining: eb('remaining', '+', digests.length) }))
        .where('sad_hash', '=', sadHash)
        .execute();
      await trx
        .updateTable('rssp_sad_hashes')
        .set({ consumed_at: null })
        .where('sad_hash', '=', sadHash)
        .where(
          'digest',
          'in',
          digests.map((d) => d.toString('hex')),
        )
        .execute();
    });
  }

  /** The credential, if it exists, is the caller's, and can take an authorisation now. */
  async usableCredential(
    principal: RsspPrincipal,
    userId: string | null,
    credentialId: string,
  ): Promise<CredentialTable> {
    const credential = await this.deps.credentials.get(credentialId);
    if (credential === undefined || !entitled(principal, credential, userId))
      throw CSC.invalidParameter('credentialID');
    if (credential.status !== 'active' || credential.key_id === null) throw CSC.credentialDisabled();
    if (credential.locked_at !== null) throw CSC.credentialLocked();
    return credential;
  }

  /** numSignatures within 1..multisign; SCAL2 needs hashes, with their algorithm, no more than numSignatures. */
  checkBudget(
    credential: CredentialTable,
    numSignatures: number,
    hashes: readonly Buffer[] | undefined,
    hashAlgorithmOid: string | undefined,
  ): void {
    if (numSignatures < 1) throw CSC.numSignaturesTooLow();
    if (numSignatures > credential.multisign) throw CSC.numSignaturesTooHigh();
    if (credential.scal === '2' && hashes === undefined) throw CSC.missingArray('hashes');
    if (hashes !== undefined && hashAlgorithmOid === undefined) throw CSC.missingString('hashAlgorithmOID');
    if (hashes !== undefined && hashes.length > numSignatures) throw CSC.invalidParameter('hashes');
  }

  /** PIN AND OTP (the credential's auth.expression); both are always checked so neither leaks alone. */
  private async verifyFactors(
    credential: CredentialTable,
    authData: readonly AuthenticationDatum[],
  ): Promise<{ ok: true; method: string } | { ok: false; method: string; reason: string }> {
    const loginFactor = await this.loginFactorFor(credential);
    const method =
      loginFactor !== undefined
        ? 'pin+login-totp'
        : credential.otp_method === 'email'
          ? 'pin+email-otp'
          : 'pin+totp';
    const pins = authData.filter((d) => d.id === 'PIN');
    const otps = authData.filter((d) => d.id === 'OTP');
    if (pins.length !== 1 || otps.length !== 1 || authData.length !== 2) {
      return { ok: false, method, reason: 'authData-incomplete' };
    }
    const pin = pins[0]!.value ?? '';
    const code = otps[0]!.value ?? '';
    if (credential.pin_hash === null || (loginFactor === undefined && credential.otp_method === null)) {
      return { ok: false, method, reason: 'factors-not-enrolled' };
    }
    const pinOk = pin.length <= 64 && (await verifyPin(credential.pin_hash, pin));
    const otpOk =
      loginFactor !== undefined
        ? code.length <= 16 && (await loginFactor.verifyTotpCode(credential.user_id, code))
        : credential.otp_method === 'totp'
          ? await this.deps.otp.verifyTotp(credential, code)
          : await this.deps.otp.verifyEmailCode(credential, code);
    if (pinOk && otpOk) return { ok: true, method };
    return { ok: false, method, reason: !pinOk && !otpOk ? 'pin-and-otp' : !pinOk ? 'pin' : 'otp' };
  }

  /** The login authenticator, when the credential's tenant made it the signing factor (else the credential's own). */
  private async loginFactorFor(credential: CredentialTable): Promise<LoginFactor | undefined> {
    if (this.deps.loginFactor === undefined || this.deps.signingFactors === undefined) return undefined;
    return (await this.deps.signingFactors.of(credential.tenant_id)) === 'login-totp'
      ? this.deps.loginFactor
      : undefined;
  }

  /** Why a SAD could not be used, in the specification's words. */
  private async diagnoseSad(
    trx: Transaction<RsspTables>,
    sadHash: string,
    credentialId: string,
    now: Date,
    wanted = 1,
  ): Promise<CscError> {
    const row = await trx
      .selectFrom('rssp_sads')
      .select(['credential_id', 'status', 'remaining', 'expires_at'])
      .where('sad_hash', '=', sadHash)
      .executeTakeFirst();
    if (row === undefined || row.credential_id !== credentialId || row.status !== 'active') {
      return CSC.invalidParameter('SAD');
    }
    if (row.expires_at <= now.toISOString()) return CSC.sadExpired();
    if (row.remaining <= 0) return CSC.invalidParameter('SAD');
    if (row.remaining < wanted) return CSC.numSignaturesTooHigh();
    // Bound to another user or client system.
    return CSC.invalidParameter('SAD');
  }
}

export function sadHashOf(sad: string): string {
  return secretHash(`sad:${sad}`);
}

async function insertSad(
  trx: Transaction<RsspTables>,
  sadHash: string,
  sad: {
    credentialId: string;
    userId: string;
    clientId: string | null;
    numSignatures: number;
    remaining: number;
    hashes?: readonly Buffer[] | undefined;
    hashAlgorithmOid?: string | undefined;
    authMethod: string;
    expiresAt: Date;
    transactionExpiresAt: Date;
    now: Date;
  },
): Promise<void> {
  await trx
    .insertInto('rssp_sads')
    .values({
      sad_hash: sadHash,
      credential_id: sad.credentialId,
      user_id: sad.userId,
      client_id: sad.clientId,
      num_signatures: sad.numSignatures,
      remaining: sad.remaining,
      hash_algorithm_oid: sad.hashAlgorithmOid ?? null,
      hash_bound: sad.hashes === undefined ? 0 : 1,
      status: 'active',
      auth_method: sad.authMethod,
      expires_at: sad.expiresAt.toISOString(),
      transaction_expires_at: sad.transactionExpiresAt.toISOString(),
      created_at: sad.now.toISOString(),
    })
    .execute();
  if (sad.hashes !== undefined && sad.hashes.length > 0) {
    await trx
      .insertInto('rssp_sad_hashes')
      .values(sad.hashes.map((h) => ({ sad_hash: sadHash, digest: h.toString('hex'), consumed_at: null })))
      .execute();
  }
}
