/**
 * The operator console's parts from other modules, put together here (composition root): the
 * dual-control kinds for revoking credentials and certificates, restoring backups and promoting a
 * restored installation, the backup catalogue, and the /api/admin routes for credentials,
 * certificates and backups. Once per
 * installation object, however many servers are built on it (tests build several).
 */
import { type ConsoleRoutes, POLICY_PUBLISH_KIND } from '../admin/index.ts';
import { caConsoleRoutes } from '../ca/index.ts';
import { LAWFUL_DELETION_KIND, lawfulDeletionExecutor } from '../contracts/index.ts';
import {
  BackupCatalogue,
  backupConsoleRoutes,
  backupRestoreExecutor,
  PROMOTE_KIND,
  promotionExecutor,
} from '../ops/index.ts';
import { credentialRevokeExecutor, rsspConsoleRoutes } from '../rssp/index.ts';
import { KEY_COMPROMISE_KIND, keyCompromiseExecutor } from './key-compromise.ts';
import { policyPublisher } from './policy-documents.ts';
import { certificateRevokeAndDestroyExecutor } from './revocation.ts';
import type { Shomei } from './shomei.ts';
import { tsaRenewExecutor } from './tsa-renewal.ts';

export interface OperatorConsole {
  readonly backups: BackupCatalogue;
  readonly routes: readonly ConsoleRoutes[];
}

const consoles = new WeakMap<Shomei, OperatorConsole>();

export function operatorConsole(shomei: Shomei): OperatorConsole {
  const known = consoles.get(shomei);
  if (known !== undefined) return known;
  const sources = {
    config: shomei.config,
    database: shomei.database,
    crypto: shomei.crypto,
    keys: shomei.keys,
    installationId: shomei.installationId,
  };
  const backups = new BackupCatalogue({ sources, audit: shomei.audit.trail });
  const dualControl = shomei.admin.dualControl;
  dualControl.register('credential.revoke', credentialRevokeExecutor(shomei.rssp));
  dualControl.register('certificate.revoke', certificateRevokeAndDestroyExecutor(shomei));
  dualControl.register('backup.restore', backupRestoreExecutor(backups, sources));
  dualControl.register('tsa.renew', tsaRenewExecutor(shomei));
  dualControl.register(LAWFUL_DELETION_KIND, lawfulDeletionExecutor(shomei.contracts.context));
  dualControl.register(PROMOTE_KIND, promotionExecutor(shomei.ops.mode));
  dualControl.register(POLICY_PUBLISH_KIND, policyPublisher(shomei));
  dualControl.register(KEY_COMPROMISE_KIND, keyCompromiseExecutor(shomei));
  const created: OperatorConsole = {
    backups,
    routes: [rsspConsoleRoutes(shomei.rssp), caConsoleRoutes(shomei.ca), backupConsoleRoutes(backups)],
  };
  consoles.set(shomei, created);
  return created;
}
