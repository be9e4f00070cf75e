/** One-use recovery codes: shown once at enrolment, stored as hashes, each accepted once. */
import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from './model.ts';
import { hashSecret } from './secrets.ts';
import type { IdentityTables } from './tables.ts';

// Crockford-style alphabet without look-alikes (0/O, 1/I/L): 32 symbols, 5 bits each.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 16;
export const RECOVERY_CODE_COUNT = 10;

function newCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8, 12)}-${code.slice(12)}`;
}

function normalise(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '');
}

export class RecoveryCodes {
  constructor(
    private readonly db: Kysely<IdentityTables>,
    private readonly clock: Clock,
  ) {}

  /** Replaces all of a user's codes with fresh ones and returns them (the only time they are visible). */
  async regenerate(userId: string, db: Kysely<IdentityTables> = this.db): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
    const now = this.clock().toISOString();
    await db.deleteFrom('identity_recovery_codes').where('user_id', '=', userId).execute();
    await db
      .insertInto('identity_recovery_codes')
      .values(
        codes.map((c) => ({
          code_hash: hashSecret(normalise(c)),
          user_id: userId,
          created_at: now,
          used_at: null,
        })),
      )
      .execute();
    return codes;
  }

  /** Uses a code; true only the first time a valid code is presented. */
  async consume(userId: string, code: string): Promise<boolean> {
    const normalised = normalise(code);
    if (normalised.length !== CODE_LENGTH) return false;
    const result = await this.db
      .updateTable('identity_recovery_codes')
      .set({ used_at: this.clock().toISOString() })
      .where('code_hash', '=', hashSecret(normalised))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async remaining(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('identity_recovery_codes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
