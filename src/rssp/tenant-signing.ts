/**
 * Which second factor activates a tenant's signing credentials (JT2A level 2 needs two factors; the
 * PIN is always one). By default each credential has its own one-time code (TOTP enrolled per
 * credential, or mailed codes); a tenant may instead let the user's login authenticator (the TOTP app
 * they log in with) be the second factor. Only the contracts module's tenant-settings door
 * (tenant administrator, audited) calls `set`.
 */
import type { Kysely } from 'kysely';
import type { Clock } from './ports.ts';
import type { RsspTables, SigningFactor } from './tables.ts';

export const SIGNING_FACTORS = ['credential-otp', 'login-totp'] as const satisfies readonly SigningFactor[];
export const DEFAULT_SIGNING_FACTOR: SigningFactor = 'credential-otp';

export class TenantSigningFactors {
  constructor(
    private readonly db: Kysely<RsspTables>,
    private readonly clock: Clock,
  ) {}

  async of(tenantId: string | null): Promise<SigningFactor> {
    if (tenantId === null) return DEFAULT_SIGNING_FACTOR;
    const row = await this.db
      .selectFrom('rssp_tenant_signing')
      .select('signing_factor')
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    return row?.signing_factor ?? DEFAULT_SIGNING_FACTOR;
  }

  async set(tenantId: string, factor: SigningFactor): Promise<void> {
    const now = this.clock().toISOString();
    await this.db
      .insertInto('rssp_tenant_signing')
      .values({ tenant_id: tenantId, signing_factor: factor, updated_at: now })
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ signing_factor: factor, updated_at: now }))
      .execute();
  }
}
