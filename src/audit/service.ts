/**
 * The audit services an installation runs, assembled once by the composition root: the trail, the
 * checkpointer with the HSM key, and verification against the registered checkpoint keys.
 */
import type { CryptoModule } from '../crypto/index.ts';
import type { Logger } from '../log/index.ts';
import type { Database, KeyRegistry } from '../store/index.ts';
import { CHECKPOINT_KEY_PURPOSE, ensureCheckpointKey } from './checkpoint-key.ts';
import { Checkpointer } from './checkpoints.ts';
import type { CheckpointTimestamper } from './timestamp.ts';
import { DatabaseAuditTrail } from './trail.ts';
import { type ChainVerification, verifyAuditChain } from './verify.ts';

export interface AuditSettings {
  /** Seconds between checkpoints while running; 0 turns the timer off (shutdown still checkpoints). */
  readonly checkpointIntervalSeconds: number;
}

export const DEFAULT_AUDIT_SETTINGS: AuditSettings = { checkpointIntervalSeconds: 3600 };

export interface AuditServices {
  readonly trail: DatabaseAuditTrail;
  readonly checkpointer: Checkpointer;
  /** SHA-256 fingerprints (hex) of every checkpoint key this installation ever registered. */
  trustedKeyFingerprints(): Promise<string[]>;
  verify(): Promise<ChainVerification>;
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
  readonly logger?: Logger;
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
  const settings = options.settings ?? DEFAULT_AUDIT_SETTINGS;
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
    details: { pid: process.pid, checkpointIntervalSeconds: settings.checkpointIntervalSeconds },
  });
  if (settings.checkpointIntervalSeconds > 0) checkpointer.start(settings.checkpointIntervalSeconds * 1000);
  return {
    trail,
    checkpointer,
    trustedKeyFingerprints,
    async verify() {
      return verifyAuditChain(trail, {
        trustedKeyFingerprints: await trustedKeyFingerprints(),
        installationId: options.installationId,
      });
    },
    async shutdown() {
      checkpointer.stopTimer();
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
