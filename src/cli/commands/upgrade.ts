/**
 * `shomei upgrade check`: the pre-flight of an upgrade or a rollback, run with the release about to
 * start. It reads only the database's migration records (no HSM, nothing written) and says which
 * migrations this release would apply, which ones a newer release applied that this one does not
 * know, and whether this release can run on the schema (docs/admin-guide.md, "Upgrades").
 */
import type { Command } from 'commander';
import { allMigrations } from '../../app/index.ts';
import { loadConfig } from '../../config/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { applicationName } from '../../ops/index.ts';
import { databaseUnavailable, isDatabaseUnavailable, openDatabase, schemaStatus } from '../../store/index.ts';
import { printJson } from '../output.ts';

export function registerUpgradeCommands(program: Command): void {
  const upgrade = program
    .command('upgrade')
    .description('Upgrades and rollbacks / アップグレードとロールバック');
  upgrade
    .command('check')
    .description(
      'Pending migrations and schema compatibility of this release, without changing anything / このリリースの未適用マイグレーションとスキーマ互換性を確認 (変更なし)',
    )
    .action(async () => {
      const config = loadConfig();
      const database = openDatabase(config.databaseUrl, { applicationName: applicationName() });
      try {
        const status = await schemaStatus(database.db, allMigrations(database.dialect)).catch((error) => {
          throw isDatabaseUnavailable(error) ? databaseUnavailable(database.displayUrl, error) : error;
        });
        printJson({
          schemaVersion: status.schemaVersion ?? null,
          releaseVersion: status.releaseVersion,
          pending: status.pending,
          unknown: status.unknown,
          compatible: status.compatible,
          // Starting this release applies the pending migrations (all in one transaction).
          action: status.compatible ? (status.pending.length > 0 ? 'migrate' : 'none') : 'refuse',
        });
        if (!status.compatible) {
          throw shomeiError(
            'SHOMEI_SCHEMA_TOO_NEW',
            `このリリースはスキーマ ${status.schemaVersion} では動きません (互換性のない変更: ${status.unknown
              .filter((m) => m.kind === 'contract')
              .map((m) => m.name)
              .join(', ')})。`,
            `This release cannot run on schema ${status.schemaVersion} (incompatible changes: ${status.unknown
              .filter((m) => m.kind === 'contract')
              .map((m) => m.name)
              .join(', ')}).`,
            { status: 500, details: { schemaVersion: status.schemaVersion } },
          );
        }
      } finally {
        await database.close();
      }
    });
}
