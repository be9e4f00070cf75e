/**
 * Parties by person (issue #15): the tenant of an account-holding party, so its company lists the
 * envelope; and each tenant's allowed signing modes.
 */
import type { Kysely } from 'kysely';
import type { NamedMigrations } from '../../store/index.ts';

export const partyMigrations = (): NamedMigrations => ({
  '0740_contracts_party_tenant': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('contract_parties').addColumn('tenant_id', 'text').execute();
      await db.schema
        .createIndex('contract_parties_tenant')
        .on('contract_parties')
        .columns(['tenant_id', 'envelope_id'])
        .execute();
    },
  },
  // Per tenant: the signing modes its senders may use (none stored: both).
  '0741_contracts_signing_policy': {
    kind: 'expand',
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('contract_tenant_signing_policy')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('allowed_modes', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
});
