/**
 * The one-time-code factor of the SAD: TOTP per credential (RFC 6238 via otplib, seed sealed by an
 * AES key inside the HSM) or a code e-mailed through credentials/getChallenge. Either way a code is
 * accepted once: TOTP by a strictly increasing time step, mailed codes by a conditional consume.
 */

import type { Kysely } from 'kysely';
import { generateSecret, generateURI, verify as verifyTotpCode } from 'otplib';
import type { CryptoModule } from '../crypto/index.ts';
import { ceremonyKeyOf, generateCeremonySecretKey, type KeyRegistry } from '../store/index.ts';
import { CSC } from './errors.ts';
import type { Clock, OneTimeCodeSender } from './ports.ts';
import { randomId, randomNumericCode, sameSecretHash, secretHash } from './secrets.ts';
import type { CredentialTable, RsspTables } from './tables.ts';

const SEAL_KEY_PURPOSE = 'rssp-otp-seal';

/** The key ceremony step for the key that seals one-time-code seeds (idempotent). */
export function generateOtpSealKey(
  crypto: CryptoModule,
  keys: KeyRegistry,
): Promise<{ keyId: string; generated: boolean }> {
  return generateCeremonySecretKey(crypto, keys, SEAL_KEY_PURPOSE, SEAL_KEY_PURPOSE);
}

const CODE_PATTERN = /^[0-9]{6,8}$/;

export class OneTimeCodeFactor {
  private sealKey: Promise<string> | undefined;

  constructor(
    private readonly db: Kysely<RsspTables>,
    private readonly crypto: CryptoModule,
    private readonly keys: KeyRegistry,
    private readonly clock: Clock,
    private readonly issuerName: string,
    private readonly sender: OneTimeCodeSender | undefined,
    private readonly emailCodeSeconds: number,
    private readonly challengeLimit: { readonly count: number; readonly windowSeconds: number } = {
      count: 5,
      windowSeconds: 900,
    },
  ) {}

  async newTotpSeed(credentialId: string): Promise<{ secret: string; uri: string; sealed: Buffer }> {
    const secret = generateSecret({ length: 20 });
    const sealed = await this.crypto.encryptWithKey(await this.sealKeyId(), Buffer.from(secret, 'utf8'));
    const uri = generateURI({ issuer: this.issuerName, label: credentialId, secret });
    return { secret, uri, sealed };
  }

  /** Checks a TOTP code (±1 step) and burns its time step; false for a wrong or replayed code. */
  async verifyTotp(credential: CredentialTable, code: string): Promise<boolean> {
    if (credential.totp_seed_sealed === null || !CODE_PATTERN.test(code)) return false;
    const secret = (
      await this.crypto.decryptWithKey(await this.sealKeyId(), Buffer.from(credential.totp_seed_sealed))
    ).toString('utf8');
    const epoch = Math.floor(this.clock().getTime() / 1000);
    let result: Awaited<ReturnType<typeof verifyTotpCode>>;
    try {
      result = await verifyTotpCode({ secret, token: code, epoch, epochTolerance: 30 });
    } catch {
      return false;
    }
    if (!result.valid || !('timeStep' in result)) return false;
    const step = result.timeStep;
    const accepted = await this.db
      .updateTable('rssp_credentials')
      .set({ last_totp_step: step })
      .where('credential_id', '=', credential.credential_id)
      .where('last_totp_step', '<', step)
      .executeTakeFirst();
    return Number(accepted.numUpdatedRows) === 1;
  }

  /**
   * Sends a fresh code to the credential's e-mail address (credentials/getChallenge, answered 204).
   * Only the newest code is open: sending one cancels the others, so more requests never mean more
   * codes to guess at; and a credential gets at most `challengeLimit.count` codes per window.
   */
  async sendEmailCode(credential: CredentialTable): Promise<void> {
    if (this.sender === undefined || credential.email === null) {
      throw new Error('no e-mail delivery for this credential');
    }
    const code = randomNumericCode(6);
    const now = this.clock();
    const windowStart = new Date(now.getTime() - this.challengeLimit.windowSeconds * 1000).toISOString();
    await this.db.transaction().execute(async (trx) => {
      const recent = await trx
        .selectFrom('rssp_otp_challenges')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('credential_id', '=', credential.credential_id)
        .where('created_at', '>', windowStart)
        .executeTakeFirstOrThrow();
      if (Number(recent.n) >= this.challengeLimit.count) throw CSC.tooManyChallenges();
      await trx
        .updateTable('rssp_otp_challenges')
        .set({ consumed_at: now.toISOString() })
        .where('credential_id', '=', credential.credential_id)
        .where('consumed_at', 'is', null)
        .execute();
      await trx
        .insertInto('rssp_otp_challenges')
        .values({
          challenge_id: randomId('otp-'),
          credential_id: credential.credential_id,
          code_hash: secretHash(`${credential.credential_id}:${code}`),
          expires_at: new Date(now.getTime() + this.emailCodeSeconds * 1000).toISOString(),
          consumed_at: null,
          created_at: now.toISOString(),
        })
        .execute();
    });
    await this.sender.sendCode({
      to: credential.email,
      credentialId: credential.credential_id,
      code,
      expiresInSeconds: this.emailCodeSeconds,
    });
  }

  /** Consumes a matching, unexpired mailed code; a code is never accepted twice. */
  async verifyEmailCode(credential: CredentialTable, code: string): Promise<boolean> {
    if (!CODE_PATTERN.test(code)) return false;
    const now = this.clock().toISOString();
    const wanted = secretHash(`${credential.credential_id}:${code}`);
    const open = await this.db
      .selectFrom('rssp_otp_challenges')
      .select(['challenge_id', 'code_hash'])
      .where('credential_id', '=', credential.credential_id)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .execute();
    const match = open.find((c) => sameSecretHash(c.code_hash, wanted));
    if (match === undefined) return false;
    const consumed = await this.db
      .updateTable('rssp_otp_challenges')
      .set({ consumed_at: now })
      .where('challenge_id', '=', match.challenge_id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    return Number(consumed.numUpdatedRows) === 1;
  }

  private sealKeyId(): Promise<string> {
    // Made by the key ceremony at `shomei init` (ADR 019), never here on first use.
    this.sealKey ??= ceremonyKeyOf(this.keys, SEAL_KEY_PURPOSE);
    this.sealKey.catch(() => {
      this.sealKey = undefined;
    });
    return this.sealKey;
  }
}
