/**
 * Signing credentials: a key generated in the HSM (non-extractable, sign only), its certificate from
 * the CA, the PIN (argon2id) and one-time-code factor that form the SAD, and the lifecycle
 * (activate, suspend, resume, revoke, renew, end) with the key destroyed whenever it leaves use
 * (REQUIREMENTS 2.2.2 (3)).
 */
import type { Kysely } from 'kysely';
import type { AuditTrail } from '../audit/events.ts';
import { type CryptoModule, digestSignerFor, type KeyAlgorithm } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { KeyRegistry } from '../store/index.ts';
import {
  assertCertifiesKey,
  buildCertificateRequest,
  certificateFacts,
  parseSubject,
} from './certificates.ts';
import { credentialNotFound, credentialState } from './errors.ts';
import type { OneTimeCodeFactor } from './otp.ts';
import type { CertificateIssuer, Clock, RevocationReason } from './ports.ts';
import { hashPin, randomId, verifyPin } from './secrets.ts';
import type { RsspSettings } from './settings.ts';
import type { CredentialAuthMode, CredentialTable, RsspTables } from './tables.ts';

export type Credential = CredentialTable;

export interface NewCredential {
  readonly userId: string;
  readonly tenantId?: string | undefined;
  readonly algorithm: KeyAlgorithm;
  /** Subject of the certificate request, RFC 4514 (e.g. "CN=Yamada Taro, C=JP"). */
  readonly subject: string;
  readonly scal?: '1' | '2' | undefined;
  readonly authMode?: CredentialAuthMode | undefined;
  readonly multisign?: number | undefined;
  readonly description?: string | undefined;
  readonly allowedClients?: readonly string[] | undefined;
  readonly email?: string | undefined;
}

export interface CreatedCredential {
  readonly credential: Credential;
  readonly csr: Buffer;
}

/** How many PIN + one-time-code tries the shared budget still allows (a count only, no secret). */
export interface CredentialAttempts {
  readonly attemptsLeft: number;
  readonly locked: boolean;
}

const PIN_PATTERN = /^[0-9]{6,16}$/;

export function invalidPinFormat(): Error {
  return shomeiError(
    'SHOMEI_RSSP_PIN_FORMAT',
    'PIN は 6〜16 桁の数字にしてください。',
    'The PIN must be 6 to 16 digits.',
    { status: 400 },
  );
}

/** Why a key left the token without a revocation request of ours (key.destroy details.reason). */
export type KeyDestructionReason =
  | 'certificate-expired'
  | 'certificate-revoked-at-ca'
  | 'retirement-resumed'
  | 'service-terminated';

export class CredentialService {
  constructor(
    private readonly db: Kysely<RsspTables>,
    private readonly crypto: CryptoModule,
    private readonly keys: KeyRegistry,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly settings: RsspSettings,
    private readonly otp: OneTimeCodeFactor,
    private readonly issuer: CertificateIssuer | undefined,
    /** Refuses new credentials once the service has ended (ADR 036). */
    private readonly admission: () => Promise<void> = async () => undefined,
  ) {}

  async get(credentialId: string): Promise<Credential | undefined> {
    if (credentialId.length > 100) return undefined;
    return this.db
      .selectFrom('rssp_credentials')
      .selectAll()
      .where('credential_id', '=', credentialId)
      .executeTakeFirst();
  }

  async require(credentialId: string): Promise<Credential> {
    const found = await this.get(credentialId);
    if (found === undefined) throw credentialNotFound(credentialId);
    return found;
  }

  /** The tries left before the credential locks, for telling the signer after a wrong PIN or code. */
  async attempts(credentialId: string): Promise<CredentialAttempts> {
    const row = await this.require(credentialId);
    const locked = row.locked_at !== null;
    const left = locked ? 0 : Math.max(0, this.settings.maxFailedAttempts - row.failed_attempts);
    return { attemptsLeft: left, locked: locked || left === 0 };
  }

  /** A user's own credential (anyone else's reads as absent, so existence does not leak). */
  async requireOwned(credentialId: string, userId: string): Promise<Credential> {
    const found = await this.get(credentialId);
    if (found === undefined || found.user_id !== userId) throw credentialNotFound(credentialId);
    return found;
  }

  async listForUser(userId: string): Promise<Credential[]> {
    return this.db
      .selectFrom('rssp_credentials')
      .selectAll()
      .where('user_id', '=', userId)
      .where('status', '!=', 'ended')
      .orderBy('created_at')
      .orderBy('credential_id')
      .execute();
  }

  /** Generates the key in the HSM, requests the certificate and activates when it is issued at once. */
  async create(input: NewCredential, actorId: string = input.userId): Promise<CreatedCredential> {
    await this.admission();
    const scal = input.scal ?? '2';
    if (
      scal === '1' &&
      (input.tenantId === undefined || !this.settings.scal1Tenants.includes(input.tenantId))
    ) {
      throw shomeiError(
        'SHOMEI_RSSP_SCAL1_NOT_ALLOWED',
        'SCAL1 (鍵認可レベル1) はテナントが明示的に許可した場合だけ使えます。',
        'SCAL1 (key authorisation level 1) is available only where the tenant has configured it.',
        { status: 403, details: { tenantId: input.tenantId ?? null } },
      );
    }
    const multisign = input.multisign ?? this.settings.multisign;
    if (!Number.isInteger(multisign) || multisign < 1 || multisign > this.settings.multisign) {
      throw shomeiError(
        'SHOMEI_RSSP_MULTISIGN_INVALID',
        `multisign は 1〜${this.settings.multisign} にしてください。`,
        `multisign must be between 1 and ${this.settings.multisign}.`,
        { status: 400 },
      );
    }
    parseSubject(input.subject);
    const credentialId = randomId('cred-');
    // Kept outside the token, wrapped under the user-signing KEK and bound to this credential (ADR 017).
    const key = await this.crypto.generateSigningKey(input.algorithm, `rssp:${credentialId}`, {
      purpose: 'user-signing',
      owner: credentialId,
    });
    const now = this.clock().toISOString();
    try {
      await this.keys.record({
        keyId: key.id,
        label: key.label,
        kind: 'signing',
        algorithm: input.algorithm,
        purpose: 'user-signing',
        publicKey: key.publicKey!,
      });
      await this.db
        .insertInto('rssp_credentials')
        .values(pendingCredentialRow(credentialId, input, { key, scal, multisign, now }))
        .execute();
    } catch (error) {
      // Nothing half-written: a key without its record does not stay in the HSM.
      await this.crypto.destroyKey(key.id).catch(() => undefined);
      throw error;
    }
    await this.record('credential.create', actorId, credentialId, 'success', {
      keyId: key.id,
      algorithm: input.algorithm,
      scal,
    });
    const csr = await buildCertificateRequest(await digestSignerFor(this.crypto, key.id), input.subject);
    await this.db
      .updateTable('rssp_credentials')
      .set({ certificate_request: csr })
      .where('credential_id', '=', credentialId)
      .execute();
    if (this.issuer !== undefined) {
      const issuance = await this.issuer.requestCertificate({
        credentialId,
        userId: input.userId,
        tenantId: input.tenantId,
        csr,
      });
      if (issuance.status === 'issued') {
        return {
          credential: await this.installCertificate(
            credentialId,
            issuance.certificate,
            issuance.chain,
            actorId,
          ),
          csr,
        };
      }
      await this.db
        .updateTable('rssp_credentials')
        .set({ certificate_request_id: issuance.requestId, updated_at: this.clock().toISOString() })
        .where('credential_id', '=', credentialId)
        .execute();
    }
    return { credential: await this.require(credentialId), csr };
  }

  /** Installs the issued certificate after checking it certifies the HSM key; activates the credential. */
  async installCertificate(
    credentialId: string,
    certificate: Buffer,
    chain: readonly Buffer[],
    actorId: string,
  ): Promise<Credential> {
    const credential = await this.require(credentialId);
    const facts = certificateFacts(certificate);
    for (const c of chain) certificateFacts(c);
    try {
      assertCertifiesKey(facts, Buffer.from(credential.public_key));
    } catch (error) {
      await this.record('credential.certificate.install', actorId, credentialId, 'failure', {
        reason: 'key-mismatch',
        certificateSerial: facts.serialHex,
      });
      throw error;
    }
    const result = await this.db
      .updateTable('rssp_credentials')
      .set({
        status: 'active',
        certificate,
        certificate_chain: JSON.stringify(chain.map((c) => c.toString('base64'))),
        cert_serial: facts.serialHex,
        cert_issuer_dn: facts.issuerDn,
        cert_subject_dn: facts.subjectDn,
        cert_not_before: facts.notBefore.toISOString(),
        cert_not_after: facts.notAfter.toISOString(),
        updated_at: this.clock().toISOString(),
      })
      .where('credential_id', '=', credentialId)
      .where('status', '=', 'pending-certificate')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1)
      throw credentialState(credentialId, credential.status, 'activated');
    await this.record('credential.activate', actorId, credentialId, 'success', {
      certificateSerial: facts.serialHex,
      issuer: facts.issuerDn,
    });
    return this.require(credentialId);
  }

  /** Sets the PIN the first time (credential hand-over). */
  async setPin(credentialId: string, userId: string, pin: string): Promise<void> {
    if (!PIN_PATTERN.test(pin)) throw invalidPinFormat();
    const pinHash = await hashPin(pin);
    const result = await this.db
      .updateTable('rssp_credentials')
      .set({ pin_hash: pinHash, updated_at: this.clock().toISOString() })
      .where('credential_id', '=', credentialId)
      .where('user_id', '=', userId)
      .where('pin_hash', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      await this.requireOwned(credentialId, userId);
      throw shomeiError('SHOMEI_RSSP_PIN_ALREADY_SET', 'PIN は設定済みです。', 'The PIN is already set.', {
        status: 409,
      });
    }
    await this.record('credential.pin.set', userId, credentialId, 'success', {});
  }

  /**
   * Changes the PIN; the old PIN counts towards the lockout like any other attempt, and a right
   * old PIN gives back only its own attempt (the shared PIN + one-time-code budget is not reset).
   */
  async changePin(credentialId: string, userId: string, oldPin: string, newPin: string): Promise<void> {
    if (!PIN_PATTERN.test(newPin)) throw invalidPinFormat();
    const credential = await this.requireOwned(credentialId, userId);
    if (credential.locked_at !== null || !(await this.reserveAttempt(credentialId))) {
      await this.record('credential.pin.change', userId, credentialId, 'failure', { reason: 'locked' });
      throw locked();
    }
    const ok =
      credential.pin_hash !== null && oldPin.length <= 64 && (await verifyPin(credential.pin_hash, oldPin));
    if (!ok) {
      await this.registerFailedAttempt(credentialId);
      await this.record('credential.pin.change', userId, credentialId, 'failure', { reason: 'wrong-pin' });
      throw shomeiError('SHOMEI_RSSP_PIN_WRONG', 'PIN が正しくありません。', 'The PIN is wrong.', {
        status: 400,
      });
    }
    await this.releaseAttempt(credentialId);
    await this.db
      .updateTable('rssp_credentials')
      .set({ pin_hash: await hashPin(newPin), updated_at: this.clock().toISOString() })
      .where('credential_id', '=', credentialId)
      .execute();
    await this.record('credential.pin.change', userId, credentialId, 'success', {});
  }

  /** Enrols a TOTP authenticator; the seed is returned this once and stored only sealed by the HSM. */
  async enrolTotp(credentialId: string, userId: string): Promise<{ secret: string; uri: string }> {
    const credential = await this.requireOwned(credentialId, userId);
    if (credential.otp_method !== null) {
      throw shomeiError(
        'SHOMEI_RSSP_OTP_ALREADY_ENROLLED',
        'ワンタイムコードは登録済みです。',
        'A one-time code factor is already enrolled.',
        { status: 409 },
      );
    }
    const enrolment = await this.otp.newTotpSeed(credentialId);
    const result = await this.db
      .updateTable('rssp_credentials')
      .set({
        otp_method: 'totp',
        totp_seed_sealed: enrolment.sealed,
        last_totp_step: 0,
        updated_at: this.clock().toISOString(),
      })
      .where('credential_id', '=', credentialId)
      .where('otp_method', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1)
      throw credentialState(credentialId, 'enrolled', 'enrolled again');
    await this.record('credential.otp.enrol', userId, credentialId, 'success', { method: 'totp' });
    return { secret: enrolment.secret, uri: enrolment.uri };
  }

  /** Uses e-mailed codes (credentials/getChallenge) as the one-time factor. */
  async enrolEmailCodes(credentialId: string, userId: string, email: string): Promise<void> {
    if (!/^[^\s@]{1,64}@[^\s@]{1,255}$/.test(email)) {
      throw shomeiError(
        'SHOMEI_RSSP_EMAIL_INVALID',
        'メールアドレスが不正です。',
        'The e-mail address is invalid.',
        {
          status: 400,
        },
      );
    }
    const result = await this.db
      .updateTable('rssp_credentials')
      .set({ otp_method: 'email', email, updated_at: this.clock().toISOString() })
      .where('credential_id', '=', credentialId)
      .where('user_id', '=', userId)
      .where('otp_method', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      await this.requireOwned(credentialId, userId);
      throw credentialState(credentialId, 'enrolled', 'enrolled again');
    }
    await this.record('credential.otp.enrol', userId, credentialId, 'success', { method: 'email' });
  }

  /**
   * Counts an attempt before any factor is compared, in one conditional statement, so parallel
   * guesses can never exceed the budget (a guess that finds the budget spent is not compared at
   * all). Returns false when the credential is locked or its budget is used up (it locks then).
   */
  async reserveAttempt(credentialId: string): Promise<boolean> {
    const now = this.clock().toISOString();
    const row = await this.db
      .updateTable('rssp_credentials')
      .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1), updated_at: now }))
      .where('credential_id', '=', credentialId)
      .where('locked_at', 'is', null)
      .where('failed_attempts', '<', this.settings.maxFailedAttempts)
      .returning(['failed_attempts'])
      .executeTakeFirst();
    if (row !== undefined) return true;
    await this.registerFailedAttempt(credentialId);
    return false;
  }

  /**
   * A reserved attempt failed: it stays counted, and the credential locks once the budget is spent.
   * Returns true when the credential is now locked.
   */
  async registerFailedAttempt(credentialId: string): Promise<boolean> {
    const now = this.clock().toISOString();
    const row = await this.db
      .selectFrom('rssp_credentials')
      .select(['failed_attempts', 'locked_at'])
      .where('credential_id', '=', credentialId)
      .executeTakeFirst();
    if (row === undefined) return false;
    if (row.locked_at !== null) return true;
    if (row.failed_attempts < this.settings.maxFailedAttempts) return false;
    const lockedNow = await this.db
      .updateTable('rssp_credentials')
      .set({ locked_at: now, updated_at: now })
      .where('credential_id', '=', credentialId)
      .where('locked_at', 'is', null)
      .executeTakeFirst();
    if (Number(lockedNow.numUpdatedRows) === 1) {
      await this.record(
        'credential.lock',
        'signature-activation-module',
        credentialId,
        'success',
        { failedAttempts: row.failed_attempts },
        'process',
      );
    }
    return true;
  }

  /** Both factors were right: the reservation and earlier failures are cleared. */
  async resetFailedAttempts(credentialId: string): Promise<void> {
    await this.db
      .updateTable('rssp_credentials')
      .set({ failed_attempts: 0 })
      .where('credential_id', '=', credentialId)
      .where('failed_attempts', '>', 0)
      .where('locked_at', 'is', null)
      .execute();
  }

  /**
   * One factor alone was right (the PIN when changing it): only this attempt's reservation is given
   * back, so earlier one-time-code failures still count (a PIN change never restores the budget).
   */
  async releaseAttempt(credentialId: string): Promise<void> {
    await this.db
      .updateTable('rssp_credentials')
      .set((eb) => ({ failed_attempts: eb('failed_attempts', '-', 1) }))
      .where('credential_id', '=', credentialId)
      .where('failed_attempts', '>', 0)
      .where('locked_at', 'is', null)
      .execute();
  }

  /** An operator unlocks after checking the user's identity again (GL 7.1.3). */
  async unlock(credentialId: string, operatorId: string): Promise<void> {
    await this.require(credentialId);
    await this.db
      .updateTable('rssp_credentials')
      .set({ locked_at: null, failed_attempts: 0, updated_at: this.clock().toISOString() })
      .where('credential_id', '=', credentialId)
      .execute();
    await this.record('credential.unlock', operatorId, credentialId, 'success', {}, 'operator');
  }

  async suspend(credentialId: string, actorId: string): Promise<void> {
    await this.transition(credentialId, 'active', 'suspended', actorId, 'credential.suspend');
  }

  async resume(credentialId: string, actorId: string): Promise<void> {
    await this.transition(credentialId, 'suspended', 'active', actorId, 'credential.resume');
  }

  /** Revokes the certificate at the CA and destroys the key in the HSM. */
  async revoke(
    credentialId: string,
    actorId: string,
    reason: RevocationReason = 'unspecified',
  ): Promise<void> {
    await this.retire(credentialId, actorId, 'revoked', reason, 'credential.revoke');
  }

  /** End of use (利用終了): certificate revoked (cessation of operation), key destroyed, record kept. */
  async end(credentialId: string, actorId: string): Promise<void> {
    await this.retire(credentialId, actorId, 'ended', 'cessationOfOperation', 'credential.end');
  }

  /**
   * The user's account was closed (identity's AccountClosedHook): every credential still in use ends —
   * certificate revoked, key destroyed, records kept (EC 2.1.1 (9), RS 2.1.1 (6)).
   */
  async endAllForUser(userId: string, actorId: string): Promise<string[]> {
    const ended: string[] = [];
    const all = await this.db
      .selectFrom('rssp_credentials')
      .selectAll()
      .where('user_id', '=', userId)
      .execute();
    for (const credential of all) {
      if (credential.status === 'ended' || credential.status === 'revoked') continue;
      await this.end(credential.credential_id, actorId);
      ended.push(credential.credential_id);
    }
    return ended;
  }

  /** A new credential with a new key for the same user; the old one is revoked (superseded) and its key destroyed. */
  async renew(credentialId: string, actorId: string, subject: string): Promise<CreatedCredential> {
    const old = await this.require(credentialId);
    if (old.status !== 'active' && old.status !== 'suspended')
      throw credentialState(credentialId, old.status, 'renewed');
    const created = await this.create(
      {
        userId: old.user_id,
        ...(old.tenant_id === null ? {} : { tenantId: old.tenant_id }),
        algorithm: old.key_algorithm as KeyAlgorithm,
        subject,
        scal: old.scal,
        authMode: old.auth_mode,
        multisign: old.multisign,
        ...(old.description === null ? {} : { description: old.description }),
        ...(old.allowed_clients === null
          ? {}
          : { allowedClients: JSON.parse(old.allowed_clients) as string[] }),
        ...(old.email === null ? {} : { email: old.email }),
      },
      actorId,
    );
    await this.supersede(credentialId, created.credential.credential_id, actorId);
    return { credential: await this.require(created.credential.credential_id), csr: created.csr };
  }

  /**
   * The renewal's last step (JT2A appendix 4: the old key is destroyed when a new one replaces it):
   * the new credential takes over the signer's PIN and one-time-code factor, and the old one is
   * revoked as superseded, its key destroyed. Signatures it made stay valid (their timestamps prove when).
   */
  async supersede(oldId: string, newId: string, actorId: string, actorKind: 'user' | 'operator' = 'user') {
    const old = await this.require(oldId);
    await this.db
      .updateTable('rssp_credentials')
      .set({
        pin_hash: old.pin_hash,
        otp_method: old.otp_method,
        totp_seed_sealed: old.totp_seed_sealed,
        last_totp_step: old.last_totp_step,
        email: old.email,
      })
      .where('credential_id', '=', newId)
      .execute();
    await this.retire(oldId, actorId, 'revoked', 'superseded', 'credential.renew', actorKind, newId);
  }

  private async transition(
    credentialId: string,
    from: Credential['status'],
    to: Credential['status'],
    actorId: string,
    event: string,
  ): Promise<void> {
    const result = await this.db
      .updateTable('rssp_credentials')
      .set({ status: to, updated_at: this.clock().toISOString() })
      .where('credential_id', '=', credentialId)
      .where('status', '=', from)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      const current = await this.require(credentialId);
      throw credentialState(credentialId, current.status, to);
    }
    // Outstanding SADs die with the suspension: a resumed credential needs a fresh authorisation.
    if (to === 'suspended') await this.invalidateSads(credentialId);
    await this.record(event, actorId, credentialId, 'success', {});
  }

  private async retire(
    credentialId: string,
    actorId: string,
    to: 'revoked' | 'ended',
    reason: RevocationReason,
    event: string,
    actorKind: 'user' | 'operator' = 'user',
    successor?: string,
  ): Promise<void> {
    const credential = await this.require(credentialId);
    if (credential.status === 'revoked' || credential.status === 'ended') {
      throw credentialState(credentialId, credential.status, to);
    }
    // Stop signing first, then revoke at the CA, then destroy the key.
    await this.db
      .updateTable('rssp_credentials')
      .set({ status: to, updated_at: this.clock().toISOString() })
      .where('credential_id', '=', credentialId)
      .execute();
    await this.invalidateSads(credentialId);
    const details: Record<string, unknown> = {
      reason,
      certificateSerial: credential.cert_serial,
      successor,
    };
    if (credential.certificate !== null && this.issuer !== undefined) {
      await this.issuer.revokeCertificate(Buffer.from(credential.certificate), reason);
      details.certificateRevoked = true;
    }
    if (credential.key_id !== null) {
      if (await this.crypto.hasKey(credential.key_id)) await this.crypto.destroyKey(credential.key_id);
      await this.keys.markDestroyed(credential.key_id, `credential ${to}: ${reason}`).catch(() => undefined);
      await this.db
        .updateTable('rssp_credentials')
        .set({ key_id: null })
        .where('credential_id', '=', credentialId)
        .execute();
      details.keyDestroyed = credential.key_id;
    }
    await this.record(event, actorId, credentialId, 'success', details, actorKind);
  }

  /** Every credential that still holds a key (the service termination destroys them all, ADR 036). */
  async holdingKeys(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('rssp_credentials')
      .select('credential_id')
      .where('key_id', 'is not', null)
      .orderBy('credential_id')
      .execute();
    return rows.map((r) => r.credential_id);
  }

  /**
   * A key whose certificate has ended (expiry plus grace) or was revoked at the CA by someone else:
   * the credential stops, its key is destroyed and a `key.destroy` record says why. Nothing is sent
   * to the CA. Safe to run twice and after a crash in the middle: a credential already stopped with
   * its key still held is finished, one without a key is left alone.
   */
  async destroyKeyOfEndedCertificate(credentialId: string, reason: KeyDestructionReason): Promise<boolean> {
    const credential = await this.require(credentialId);
    if (credential.key_id === null) return false;
    const to = reason === 'certificate-revoked-at-ca' ? 'revoked' : 'ended';
    if (credential.status !== 'revoked' && credential.status !== 'ended') {
      await this.db
        .updateTable('rssp_credentials')
        .set({ status: to, updated_at: this.clock().toISOString() })
        .where('credential_id', '=', credentialId)
        .execute();
    }
    await this.invalidateSads(credentialId);
    const keyId = credential.key_id;
    // Another instance's sweep may be destroying it at the same moment: gone is what counts.
    if (await this.crypto.hasKey(keyId)) {
      await this.crypto.destroyKey(keyId).catch(async (error) => {
        if (await this.crypto.hasKey(keyId)) throw error;
      });
    }
    await this.keys.markDestroyed(keyId, `credential ${credentialId}: ${reason}`).catch(() => undefined);
    const cleared = await this.db
      .updateTable('rssp_credentials')
      .set({ key_id: null })
      .where('credential_id', '=', credentialId)
      .where('key_id', '=', keyId)
      .executeTakeFirst();
    // One record per destruction, written by whichever sweep cleared the key.
    if (Number(cleared.numUpdatedRows) !== 1) return false;
    await this.audit.append({
      type: 'key.destroy',
      actor: { kind: 'process', id: 'rssp' },
      subject: { kind: 'key', id: keyId },
      outcome: 'success',
      details: {
        reason,
        credentialId,
        certificateSerial: credential.cert_serial,
        certificateNotAfter: credential.cert_not_after,
        purpose: 'user-signing',
      },
    });
    return true;
  }

  private async invalidateSads(credentialId: string): Promise<void> {
    await this.db
      .updateTable('rssp_sads')
      .set({ status: 'replaced', remaining: 0 })
      .where('credential_id', '=', credentialId)
      .where('status', '=', 'active')
      .execute();
  }

  private record(
    type: string,
    actorId: string,
    credentialId: string,
    outcome: 'success' | 'failure',
    details: Record<string, unknown>,
    kind: 'user' | 'operator' | 'process' = 'user',
  ): Promise<void> {
    return this.audit.append({
      type,
      actor: { kind, id: actorId },
      subject: { kind: 'credential', id: credentialId },
      outcome,
      details,
    });
  }
}

function locked(): Error {
  return shomeiError(
    'SHOMEI_RSSP_CREDENTIAL_LOCKED',
    'クレデンシャルはロックされています。',
    'The credential is locked.',
    { status: 423 },
  );
}

/** The row of a credential whose key was just generated: no certificate, PIN or one-time factor yet. */
function pendingCredentialRow(
  credentialId: string,
  input: NewCredential,
  made: {
    key: { id: string; publicKey?: Buffer | undefined };
    scal: '1' | '2';
    multisign: number;
    now: string;
  },
): CredentialTable {
  return {
    credential_id: credentialId,
    user_id: input.userId,
    tenant_id: input.tenantId ?? null,
    description: input.description ?? null,
    key_id: made.key.id,
    key_algorithm: input.algorithm,
    public_key: made.key.publicKey!,
    status: 'pending-certificate',
    scal: made.scal,
    auth_mode: input.authMode ?? 'explicit',
    multisign: made.multisign,
    allowed_clients: input.allowedClients === undefined ? null : JSON.stringify(input.allowedClients),
    certificate: null,
    certificate_chain: null,
    cert_serial: null,
    cert_issuer_dn: null,
    cert_subject_dn: null,
    cert_not_before: null,
    cert_not_after: null,
    certificate_request_id: null,
    certificate_request: null,
    pin_hash: null,
    otp_method: null,
    totp_seed_sealed: null,
    last_totp_step: 0,
    email: input.email ?? null,
    failed_attempts: 0,
    locked_at: null,
    created_at: made.now,
    updated_at: made.now,
  };
}
