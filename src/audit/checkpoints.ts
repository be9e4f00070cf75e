/**
 * Checkpoints: the chain head (sequence, hash, time) signed with the HSM key and timestamped by a
 * TSA, at an interval, at shutdown, and before a prune. A checkpoint pins everything up to its
 * sequence: altering an earlier record and re-hashing the chain no longer verifies.
 */

import { randomUUID } from 'node:crypto';
import { type Clock, systemClock } from '../clock/index.ts';
import type { DigestSigner } from '../crypto/index.ts';
import type { Logger } from '../log/index.ts';
import { canonicalJson } from './canonical.ts';
import { type CheckpointTimestamper, sha256 } from './timestamp.ts';
import type { ChainHead, DatabaseAuditTrail } from './trail.ts';

export const CHECKPOINT_PAYLOAD_TYPE = 'shomei.audit.checkpoint';

export type CheckpointReason = 'interval' | 'shutdown' | 'prune' | 'export' | 'manual';

export interface CheckpointPayload {
  readonly type: typeof CHECKPOINT_PAYLOAD_TYPE;
  readonly v: 1;
  readonly installationId: string;
  readonly throughSeq: number;
  readonly headHash: string;
  readonly signedAt: string;
}

export interface Checkpoint {
  readonly id: string;
  readonly payload: CheckpointPayload;
  readonly payloadText: string;
  readonly keyId: string;
  readonly algorithm: string;
  readonly publicKey: Buffer;
  readonly signature: Buffer;
  readonly timestampToken: Buffer | null;
  readonly reason: CheckpointReason;
}

export interface CheckpointerOptions {
  readonly trail: DatabaseAuditTrail;
  readonly signer: () => Promise<DigestSigner>;
  readonly timestamper?: CheckpointTimestamper | undefined;
  readonly installationId: string;
  readonly logger?: Logger | undefined;
  readonly clock?: Clock;
}

/** Signs a payload with the checkpoint key and timestamps its digest; shared with archive manifests. */
export async function signAndTimestamp(
  signer: DigestSigner,
  timestamper: CheckpointTimestamper | undefined,
  payloadText: string,
  logger?: Logger,
): Promise<{ signature: Buffer; timestampToken: Buffer | null }> {
  const digest = sha256(payloadText);
  const signature = await signer.signDigest(digest, 'SHA-256');
  let timestampToken: Buffer | null = null;
  if (timestamper !== undefined) {
    try {
      timestampToken = await timestamper.timestamp(digest);
    } catch (error) {
      // The signature alone still pins the head; the missing timestamp is visible in verify.
      logger?.warn({ err: error }, 'audit checkpoint timestamp failed');
    }
  }
  return { signature, timestampToken };
}

export class Checkpointer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: CheckpointerOptions) {}

  /**
   * Signs the current head (or `at`, an earlier record, for a prune anchor). With `reason: 'interval'`
   * nothing is done when the head has not moved.
   */
  async checkpoint(reason: CheckpointReason, at?: ChainHead): Promise<Checkpoint | undefined> {
    const next = this.running.then(() => this.write(reason, at));
    this.running = next.catch(() => undefined);
    return next;
  }

  private async write(reason: CheckpointReason, head?: ChainHead): Promise<Checkpoint | undefined> {
    const { trail } = this.options;
    const current = head ?? (await trail.head());
    if (reason === 'interval') {
      const last = await this.latest();
      if (last !== undefined && last.through_seq >= current.seq) return undefined;
    }
    const signer = await this.options.signer();
    const payload: CheckpointPayload = {
      type: CHECKPOINT_PAYLOAD_TYPE,
      v: 1,
      installationId: this.options.installationId,
      throughSeq: current.seq,
      headHash: current.hash,
      signedAt: (this.options.clock ?? systemClock)().toISOString(),
    };
    const payloadText = canonicalJson(payload);
    const { signature, timestampToken } = await signAndTimestamp(
      signer,
      this.options.timestamper,
      payloadText,
      this.options.logger,
    );
    const checkpoint: Checkpoint = {
      id: randomUUID(),
      payload,
      payloadText,
      keyId: signer.keyId,
      algorithm: signer.algorithm,
      publicKey: signer.publicKey,
      signature,
      timestampToken,
      reason,
    };
    await trail.db
      .insertInto('audit_checkpoints')
      .values({
        id: checkpoint.id,
        through_seq: payload.throughSeq,
        head_hash: payload.headHash,
        signed_at: payload.signedAt,
        reason,
        payload: payloadText,
        key_id: signer.keyId,
        algorithm: signer.algorithm,
        public_key: signer.publicKey,
        signature,
        timestamp_token: timestampToken,
      })
      .execute();
    return checkpoint;
  }

  private latest() {
    return this.options.trail.db
      .selectFrom('audit_checkpoints')
      .select(['through_seq'])
      .orderBy('through_seq', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Checkpoints every `intervalMs` while the process runs (the timer does not keep it alive). */
  start(intervalMs: number): void {
    this.stopTimer();
    this.timer = setInterval(() => {
      this.checkpoint('interval').catch((error: unknown) =>
        this.options.logger?.error({ err: error }, 'audit checkpoint failed'),
      );
    }, intervalMs);
    this.timer.unref();
  }

  stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops the timer and signs the final head. */
  async shutdown(): Promise<void> {
    this.stopTimer();
    await this.checkpoint('shutdown');
  }
}
