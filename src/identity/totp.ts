/**
 * TOTP authenticators (RFC 6238, otplib): enrolment shows a QR code; the seed is sealed in the HSM's
 * data-encryption key; a code is accepted once (the accepted time step is remembered, so a replay
 * inside the same window is refused).
 */
import type { Kysely } from 'kysely';
import { invalidState } from './errors.ts';
import type { Clock } from './model.ts';
import type { SecretSealer } from './secret-sealer.ts';
import type { IdentityTables } from './tables.ts';

/** otplib on first use: a command whose operator signs in with a session file checks no code (ADR 046). */
const otplib = () => import('otplib');

/** One period either side tolerates clock drift between phone and server (RFC 6238 section 6). */
const TOLERANCE_SECONDS = 30;

export interface TotpEnrolment {
  /** Base32 seed for manual entry; shown once, never logged. */
  readonly secret: string;
  readonly otpauthUri: string;
  readonly qrCodeDataUrl: string;
}

/** What TOTP enrolment and checks work with, passed as one object (docs/CONTRIBUTING.md, Code). */
export interface TotpAuthenticatorsDeps {
  readonly db: Kysely<IdentityTables>;
  readonly sealer: SecretSealer;
  readonly clock: Clock;
  readonly issuer: string;
}

export class TotpAuthenticators {
  constructor(private readonly deps: TotpAuthenticatorsDeps) {}

  async hasConfirmed(userId: string): Promise<boolean> {
    const row = await this.deps.db
      .selectFrom('identity_totp')
      .select('status')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.status === 'confirmed';
  }

  /** Starts (or restarts) enrolment; refused while a confirmed authenticator exists. */
  async begin(userId: string, accountName: string): Promise<TotpEnrolment> {
    if (await this.hasConfirmed(userId)) {
      throw invalidState({
        ja: '認証アプリは既に登録されています。先に削除してください。',
        en: 'An authenticator app is already enrolled; remove it first.',
      });
    }
    const { generateSecret, generateURI } = await otplib();
    const secret = generateSecret({ length: 20 });
    const { keyId, sealed } = await this.deps.sealer.seal(Buffer.from(secret, 'utf8'));
    const now = this.deps.clock().toISOString();
    const row = {
      key_id: keyId,
      sealed_seed: sealed,
      status: 'pending',
      last_time_step: null,
      created_at: now,
      confirmed_at: null,
    };
    await this.deps.db
      .insertInto('identity_totp')
      .values({ user_id: userId, ...row })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(row))
      .execute();
    const otpauthUri = generateURI({ issuer: this.deps.issuer, label: accountName, secret });
    const qrCodeDataUrl = await (await import('qrcode')).default.toDataURL(otpauthUri, {
      errorCorrectionLevel: 'M',
      margin: 2,
    });
    return { secret, otpauthUri, qrCodeDataUrl };
  }

  /** Confirms a pending enrolment with a first code; true when accepted. */
  async confirm(userId: string, code: string): Promise<boolean> {
    return this.check(userId, code, 'pending');
  }

  /** Checks a code against the confirmed authenticator; each code is accepted once. */
  async verify(userId: string, code: string): Promise<boolean> {
    return this.check(userId, code, 'confirmed');
  }

  async remove(userId: string): Promise<boolean> {
    const result = await this.deps.db
      .deleteFrom('identity_totp')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  private async check(userId: string, code: string, status: 'pending' | 'confirmed'): Promise<boolean> {
    if (!/^\d{6}$/.test(code)) return false;
    const row = await this.deps.db
      .selectFrom('identity_totp')
      .selectAll()
      .where('user_id', '=', userId)
      .where('status', '=', status)
      .executeTakeFirst();
    if (row === undefined) return false;
    const secret = (await this.deps.sealer.open(row.key_id, row.sealed_seed)).toString('utf8');
    const result = await (await otplib()).verify({
      secret,
      token: code,
      epoch: Math.floor(this.deps.clock().getTime() / 1000),
      epochTolerance: TOLERANCE_SECONDS,
      ...(row.last_time_step === null ? {} : { afterTimeStep: Number(row.last_time_step) }),
    });
    if (!result.valid || !('timeStep' in result)) return false;
    const step = result.timeStep;
    // The conditional update makes acceptance single-use even for two concurrent requests.
    let update = this.deps.db
      .updateTable('identity_totp')
      .set({
        last_time_step: step,
        ...(status === 'pending'
          ? { status: 'confirmed', confirmed_at: this.deps.clock().toISOString() }
          : {}),
      })
      .where('user_id', '=', userId)
      .where('status', '=', status);
    update =
      row.last_time_step === null
        ? update.where('last_time_step', 'is', null)
        : update.where('last_time_step', '=', row.last_time_step);
    const updated = await update.executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  }
}
