/**
 * The audit services an installation runs, assembled once by the composition root: the trail, the
 * checkpointer with the HSM key, and verification against the registered checkpoint keys.
 */
import type { CryptoModule } from '../crypto/index.ts';
import type { Logger } from '../log/index.ts';
import type { Database, KeyRegistry } from '../store/index.ts';
import { AlertMonitor, type AlertNotifier } from './alerts.ts';
import {
  type ArchiveRange,
  type ArchiveVerification,
  type ExportResult,
  exportAuditArchive,
  verifyAuditArchive,
} from './archive.ts';
import { CHECKPOINT_KEY_PURPOSE, ensureCheckpointKey } from './checkpoint-key.ts';
import { Checkpointer } from './checkpoints.ts';
import type { AuditRecord } from './events.ts';
import { AuditParameterStore, type AuditParameters } from './parameters.ts';
import { checkAuditPrune, DEFAULT_RETENTION_YEARS, type PruneResult, pruneAuditRecords } from './prune.ts';
import { type AuditSearchFilter, searchAuditEvents } from './search.ts';
import type { CheckpointTimestamper } from './timestamp.ts';
import { DatabaseAuditTrail } from './trail.ts';
import { type ChainVerification, verifyAuditChain } from './verify.ts';

/** Starting values from configuration; changes made later through dual control take precedence. */
export type AuditSettings = AuditParameters;

export const DEFAULT_AUDIT_SETTINGS: AuditSettings = {
  checkpointIntervalSeconds: 3600,
  businessHours: { startMinute: 8 * 60, endMinute: 20 * 60 },
  timeZone: 'Asia/Tokyo',
  rateLimit: { events: 30, seconds: 10 },
};

/** How often the alert monitor scans new records while the server runs. */
const ALERT_SCAN_MS = 5000;

export interface AuditServices {
  readonly trail: DatabaseAuditTrail;
  readonly checkpointer: Checkpointer;
  readonly parameters: AuditParameterStore;
  readonly alerts: AlertMonitor;
  /** Starts the background timers a server needs (checkpoints, alert scans). */
  startBackgroundWork(): void;
  /** SHA-256 fingerprints (hex) of every checkpoint key this installation ever registered. */
  trustedKeyFingerprints(): Promise<string[]>;
  verify(): Promise<ChainVerification>;
  search(filter: AuditSearchFilter): Promise<AuditRecord[]>;
  /** Writes a signed, timestamped archive of a range and verifies the written file. */
  exportArchive(
    file: string,
    range: ArchiveRange,
    exportedBy: string,
  ): Promise<ExportResult & { verification: ArchiveVerification }>;
  /** Deletes records through `throughSeq` once exported and verified, leaving a signed anchor. */
  prune(throughSeq: unknown, prunedBy: string): Promise<PruneResult>;
  /** The checks of `prune` alone (range, retention floor, timestamped archive); throws if refused. */
  checkPrune(throughSeq: unknown): Promise<void>;
  /** Records `audit.stop` and signs the final head. */
  shutdown(): Promise<void>;
}

export interface OpenAuditOptions {
  readonly database: Database;
  readonly crypto: CryptoModule;
  readonly keys: KeyRegistry;
  readonly installationId: string;
  readonly settings?: AuditSettings;
  readonly timestamper?: CheckpointTimestamper | undefined;
  readonly notifier?: AlertNotifier | undefined;
  readonly logger?: Logger;
  /** Years audit records are kept before they may be pruned (default 7). */
  readonly retentionYears?: number;
}

export async function openAuditServices(options: OpenAuditOptions): Promise<AuditServices> {
  const trail = new DatabaseAuditTrail(options.database);
  const signer = await ensureCheckpointKey(options.crypto, options.keys);
  const checkpointer = new Checkpointer({
    trail,
    signer: async () => signer,
    timestamper: options.timestamper,
    installationId: options.installationId,
    logger: options.logger,
  });
  const parameters = new AuditParameterStore(trail, options.settings ?? DEFAULT_AUDIT_SETTINGS);
  await parameters.load();
  const alerts = new AlertMonitor(trail, () => parameters.current, options.notifier, options.logger);
  const restartCheckpoints = (seconds: number): void => {
    checkpointer.stopTimer();
    if (seconds > 0) checkpointer.start(seconds * 1000);
  };
  parameters.onChange((p) => restartCheckpoints(p.checkpointIntervalSeconds));
  const trustedKeyFingerprints = async (): Promise<string[]> => {
    const records = await options.keys.list();
    return records
      .filter((r) => r.purpose === CHECKPOINT_KEY_PURPOSE && r.public_key_sha256 !== null)
      .map((r) => r.public_key_sha256!);
  };
  await trail.append({
    type: 'audit.start',
    actor: { kind: 'process', id: 'shomei' },
    outcome: 'success',
    details: { pid: process.pid, checkpointIntervalSeconds: parameters.current.checkpointIntervalSeconds },
  });
  return {
    trail,
    checkpointer,
    parameters,
    alerts,
    startBackgroundWork() {
      restartCheckpoints(parameters.current.checkpointIntervalSeconds);
      alerts.start(ALERT_SCAN_MS);
    },
    trustedKeyFingerprints,
    async verify() {
      return verifyAuditChain(trail, {
        trustedKeyFingerprints: await trustedKeyFingerprints(),
        installationId: options.installationId,
      });
    },
    search: (filter) => searchAuditEvents(trail, filter),
    async exportArchive(file, range, exportedBy) {
      const result = await exportAuditArchive({
        trail,
        signer,
        timestamper: options.timestamper,
        installationId: options.installationId,
        file,
        range,
        exportedBy,
        logger: options.logger,
      });
      return { ...result, verification: verifyAuditArchive(file) };
    },
    prune: (throughSeq, prunedBy) =>
      pruneAuditRecords({
        trail,
        checkpointer,
        throughSeq,
        prunedBy,
        retentionYears: options.retentionYears ?? DEFAULT_RETENTION_YEARS,
      }),
    async checkPrune(throughSeq) {
      await checkAuditPrune({
        trail,
        throughSeq,
        retentionYears: options.retentionYears ?? DEFAULT_RETENTION_YEARS,
      });
    },
    async shutdown() {
      checkpointer.stopTimer();
      alerts.stop();
      try {
        await trail.append({
          type: 'audit.stop',
          actor: { kind: 'process', id: 'shomei' },
          outcome: 'success',
          details: { pid: process.pid },
        });
      } finally {
        await checkpointer.shutdown();
      }
    },
  };
}
