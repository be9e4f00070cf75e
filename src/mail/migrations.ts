/** The development outbox (identity's range 0300, numbered 0390 for mail). */
import type { Kysely } from 'kysely';
import type { DialectName, NamedMigrations } from '../store/index.ts';

export const mailMigrations = (_dialect: DialectName): NamedMigrations => ({
  '0390_mail_outbox': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('mail_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        .addColumn('html', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('mail_outbox_created').on('mail_outbox').column('created_at').execute();
    },
  },
});
