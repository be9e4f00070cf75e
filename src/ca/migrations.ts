/** CA migrations (range 0100). They run on SQLite and PostgreSQL. */
import type { Kysely } from 'kysely';
import { binaryType, type DialectName, type NamedMigrations } from '../store/index.ts';

export const caMigrations = (dialect: DialectName): NamedMigrations => ({
  '0100_ca_certificates': {
    async up(db: Kysely<unknown>) {
      const bin = binaryType(dialect);
      await db.schema
        .createTable('ca_authorities')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('certificate', bin, (c) => c.notNull())
        .addColumn('serial_number', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('crl_number', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('ocsp_key_id', 'text')
        .addColumn('ocsp_certificate', bin)
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('ca_certificates')
        .addColumn('serial_number', 'text', (c) => c.primaryKey())
        .addColumn('issuer', 'text', (c) => c.notNull())
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('certificate', bin, (c) => c.notNull())
        .addColumn('public_key_sha256', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text')
        .addColumn('not_before', 'text', (c) => c.notNull())
        .addColumn('not_after', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('revocation_reason', 'text')
        .addColumn('application_id', 'text')
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ca_certificates_by_key').on('ca_certificates').column('key_id').execute();
      await db.schema
        .createIndex('ca_certificates_by_public_key')
        .on('ca_certificates')
        .column('public_key_sha256')
        .execute();
      await db.schema
        .createTable('ca_applications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('alt_names', 'text', (c) => c.notNull())
        .addColumn('applicant', 'text', (c) => c.notNull())
        .addColumn('identity_check_method', 'text', (c) => c.notNull())
        .addColumn('identity_check_reference', 'text', (c) => c.notNull())
        .addColumn('delegation', 'text')
        .addColumn('csr', bin, (c) => c.notNull())
        .addColumn('public_key_sha256', 'text', (c) => c.notNull())
        .addColumn('submitted_at', 'text', (c) => c.notNull())
        .addColumn('submitted_by', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('decision_reason', 'text')
        .addColumn('certificate_serial', 'text')
        .execute();
      await db.schema
        .createIndex('ca_applications_by_status')
        .on('ca_applications')
        .columns(['status', 'submitted_at'])
        .execute();
    },
  },
  // The last CRL of an authority whose key was destroyed after a compromise (ADR 035): the CA can never
  // sign another, so this one is kept and served.
  '0110_ca_final_crl': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('ca_authorities').addColumn('final_crl', binaryType(dialect)).execute();
    },
  },
  // The last regular CRL of each authority, served by every process until revocations change or half
  // its validity passes (ADR 049). Only adds columns.
  '0120_ca_last_crl': {
    kind: 'expand',
    async up(db: Kysely<unknown>) {
      const columns: [string, 'text' | 'bigint' | 'blob' | 'bytea'][] = [
        ['last_crl', binaryType(dialect)],
        ['last_crl_number', 'bigint'],
        ['last_crl_stamp', 'text'],
        ['last_crl_produced_at', 'text'],
      ];
      for (const [name, type] of columns) {
        await db.schema.alterTable('ca_authorities').addColumn(name, type).execute();
      }
    },
  },
});
