/** Every module's migrations, in the order the modules stack up (ARCHITECTURE.md, Layers). */
import { adminMigrations } from '../admin/index.ts';
import { auditMigrations } from '../audit/index.ts';
import { caMigrations } from '../ca/index.ts';
import { contractsMigrations } from '../contracts/index.ts';
import { identityMigrations } from '../identity/index.ts';
import { mailMigrations } from '../mail/index.ts';
import { operatingModeMigrations } from '../ops/index.ts';
import { rsspMigrations } from '../rssp/index.ts';
import {
  type DialectName,
  foundationMigrations,
  keyHierarchyMigrations,
  type NamedMigrations,
} from '../store/index.ts';
import { tsaMigrations } from '../tsa/index.ts';

export function allMigrations(dialect: DialectName): NamedMigrations[] {
  return [
    foundationMigrations(dialect),
    keyHierarchyMigrations(dialect),
    operatingModeMigrations(),
    auditMigrations(dialect),
    adminMigrations(dialect),
    caMigrations(dialect),
    tsaMigrations(dialect),
    identityMigrations(dialect),
    mailMigrations(dialect),
    rsspMigrations(dialect),
    contractsMigrations(dialect),
  ];
}
