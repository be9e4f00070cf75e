export { type Database, type DialectName, openDatabase, redactUrl } from './database.ts';
export { type KeyRecord, KeyRegistry, type NewKeyRecord, publicKeyFingerprint } from './key-registry.ts';
export { applyMigrations, binaryType, foundationMigrations, type NamedMigrations } from './migrations.ts';
export type { FoundationTables, InstallationTable, KeyRecordTable } from './tables.ts';
