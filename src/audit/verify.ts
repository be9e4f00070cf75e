/**
 * `audit verify`: recomputes the chain from the first kept record (or the prune anchor) to the head,
 * then checks every checkpoint: signature by a registered checkpoint key, the head it names, and
 * its timestamp's imprint. Reports the first broken record with its sequence and the reason.
 */
import { createHash, verify as verifySignature } from 'node:crypto';
import { canonicalJson } from './canonical.ts';
import { type ChainBreak, checkLink, GENESIS_HASH, recordFromRow } from './chain.ts';
import { CHECKPOINT_PAYLOAD_TYPE } from './checkpoints.ts';
import type { AuditCheckpointTable } from './tables.ts';
import { sha256, verifyTimestampToken } from './timestamp.ts';
import type { DatabaseAuditTrail } from './trail.ts';

export interface CheckpointProblem {
  readonly checkpointId: string;
  readonly throughSeq: number;
  readonly reason: string;
}

export interface ChainVerification {
  readonly ok: boolean;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly records: number;
  readonly firstBreak: ChainBreak | null;
  /** SHA-256 of the checkpoint keys accepted: compare with the fingerprints the provider publishes. */
  readonly checkpointKeyFingerprints: readonly string[];
  readonly checkpoints: {
    readonly verified: number;
    readonly timestamped: number;
    readonly problems: CheckpointProblem[];
  };
}

const PAGE = 2000;

export function spkiFingerprint(spki: Uint8Array): string {
  return createHash('sha256').update(spki).digest('hex');
}

/** Verifies a signature made by the checkpoint key over `text` (ECDSA DER or RSA PKCS#1 v1.5). */
export function verifyCheckpointSignature(
  publicKey: Uint8Array,
  text: string,
  signature: Uint8Array,
): boolean {
  try {
    return verifySignature(
      'sha256',
      Buffer.from(text),
      { key: Buffer.from(publicKey), format: 'der', type: 'spki' },
      signature,
    );
  } catch {
    return false;
  }
}

export async function verifyAuditChain(
  trail: DatabaseAuditTrail,
  options: { trustedKeyFingerprints: readonly string[]; installationId?: string },
): Promise<ChainVerification> {
  const db = trail.db;
  const prune = await db
    .selectFrom('audit_prunes')
    .select(['through_seq', 'through_hash', 'checkpoint_id'])
    .orderBy('through_seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  let previous =
    prune === undefined
      ? { seq: 0, hash: GENESIS_HASH }
      : { seq: Number(prune.through_seq), hash: prune.through_hash };
  const firstSeq = previous.seq + 1;
  const checkpoints = await db.selectFrom('audit_checkpoints').selectAll().orderBy('through_seq').execute();
  // Only the hashes checkpoints name are kept, so memory stays flat however long the chain is.
  const named = new Set(checkpoints.map((c) => Number(c.through_seq)));
  const hashes = new Map<number, string>();
  let records = 0;
  let firstBreak: ChainBreak | null = null;
  // Rows are read in storage order by seq; a deleted or reordered row shows up as a gap or bad link.
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', previous.seq)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      const record = recordFromRow(row);
      records++;
      if (named.has(record.seq)) hashes.set(record.seq, record.hash);
      if (firstBreak === null) firstBreak = checkLink(record, row.details, previous) ?? null;
      previous = { seq: record.seq, hash: record.hash };
    }
  }
  const head = await trail.head();
  if (firstBreak === null && head.seq !== previous.seq) {
    firstBreak = {
      seq: previous.seq + 1,
      reason: 'sequence-gap',
      message: `the chain head names record ${head.seq} but the last record present is ${previous.seq}`,
    };
  } else if (firstBreak === null && head.hash !== previous.hash) {
    firstBreak = {
      seq: previous.seq,
      reason: 'hash-mismatch',
      message: 'the last record differs from the chain head',
    };
  }
  if (prune !== undefined) hashes.set(Number(prune.through_seq), prune.through_hash);

  const problems: CheckpointProblem[] = [];
  let verified = 0;
  let timestamped = 0;
  for (const checkpoint of checkpoints) {
    const reason = checkCheckpoint(checkpoint, hashes, firstSeq - 1, options);
    if (reason !== undefined) {
      problems.push({ checkpointId: checkpoint.id, throughSeq: Number(checkpoint.through_seq), reason });
      continue;
    }
    verified++;
    if (checkpoint.timestamp_token !== null) timestamped++;
  }
  if (prune !== undefined) {
    // The anchor the kept chain starts from must itself be pinned by a valid signed checkpoint.
    const anchor = checkpoints.find((c) => c.id === prune.checkpoint_id);
    const anchorBad = problems.some((p) => p.checkpointId === prune.checkpoint_id);
    if (
      anchor === undefined ||
      anchorBad ||
      anchor.head_hash !== prune.through_hash ||
      Number(anchor.through_seq) !== Number(prune.through_seq)
    ) {
      problems.push({
        checkpointId: prune.checkpoint_id,
        throughSeq: Number(prune.through_seq),
        reason: 'the prune anchor is not covered by a valid checkpoint',
      });
    }
  }
  return {
    ok: firstBreak === null && problems.length === 0,
    firstSeq,
    lastSeq: previous.seq,
    records,
    firstBreak,
    checkpointKeyFingerprints: [...options.trustedKeyFingerprints],
    checkpoints: { verified, timestamped, problems },
  };
}

function checkCheckpoint(
  row: AuditCheckpointTable,
  hashes: ReadonlyMap<number, string>,
  prunedThrough: number,
  options: { trustedKeyFingerprints: readonly string[]; installationId?: string },
): string | undefined {
  if (!options.trustedKeyFingerprints.includes(spkiFingerprint(row.public_key))) {
    return 'signed by a key that is not a registered audit-checkpoint key';
  }
  if (!verifyCheckpointSignature(row.public_key, row.payload, row.signature))
    return 'signature does not verify';
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(row.payload) as Record<string, unknown>;
  } catch {
    return 'payload is not JSON';
  }
  if (canonicalJson(payload) !== row.payload || payload.type !== CHECKPOINT_PAYLOAD_TYPE)
    return 'payload is not a checkpoint';
  if (payload.throughSeq !== Number(row.through_seq) || payload.headHash !== row.head_hash) {
    return 'the stored columns differ from the signed payload';
  }
  if (options.installationId !== undefined && payload.installationId !== options.installationId) {
    return 'checkpoint of another installation';
  }
  const seq = Number(row.through_seq);
  if (seq > 0 && seq >= prunedThrough) {
    const actual = hashes.get(seq);
    if (actual === undefined) return `record ${seq} named by the checkpoint is missing`;
    if (actual !== row.head_hash) return `record ${seq} differs from the signed head`;
  }
  if (row.timestamp_token !== null) {
    const facts = verifyTimestampToken(row.timestamp_token, sha256(row.payload));
    if ('problem' in facts) return facts.problem;
  }
  return undefined;
}
