export {
  type Database,
  type DialectName,
  databaseUnavailable,
  isDatabaseUnavailable,
  type OpenDatabaseOptions,
  openDatabase,
  redactUrl,
} from './database.ts';
export { type KeyRecord, KeyRegistry, type NewKeyRecord, publicKeyFingerprint } from './key-registry.ts';
export {
  applyMigrations,
  binaryType,
  foundationMigrations,
  type NamedMigrations,
  type SchemaStatus,
  type ShomeiMigration,
  schemaStatus,
} from './migrations.ts';
export type { FoundationTables, InstallationTable, KeyRecordTable } from './tables.ts';
