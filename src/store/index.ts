export { ceremonyKeyOf, generateCeremonySecretKey } from './ceremony-keys.ts';
export {
  type Database,
  type DialectName,
  databaseUnavailable,
  isDatabaseUnavailable,
  type OpenDatabaseOptions,
  openDatabase,
  redactUrl,
} from './database.ts';
export { type DestructionEntry, DestructionLog, readDestructionLog } from './destruction-log.ts';
export { KEK_PURPOSES, type KekPurpose, KekRing, kekRegistryPurpose } from './kek-ring.ts';
export { KeyHierarchy, type KeyHierarchyTables, type WrappedKeyTable } from './key-hierarchy.ts';
export { keyHierarchyMigrations } from './key-hierarchy-migrations.ts';
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
export { sqliteAddonOption } from './sqlite-addon.ts';
export type { FoundationTables, InstallationTable, KeyRecordTable } from './tables.ts';
