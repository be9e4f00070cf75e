/**
 * Archive export (JT2A 7.1.4: archived to external media with the archive time, no secrets) and its
 * offline verification. An archive is one file of JSON lines: each audit record in canonical JSON,
 * then a last line holding the manifest (range, chain anchors, SHA-256 of the record lines, archive
 * time, the signing public key) with an RFC 3161 timestamp over the manifest, both signed together
 * by the HSM checkpoint key. Verifying needs only the file: any changed byte breaks a hash, the chain, the
 * canonical form of a line, or the signature. Compare the printed key fingerprint with the one the
 * provider publishes to know the archive is theirs.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type { DigestSigner } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { canonicalJson } from './canonical.ts';
import { type ChainBreak, checkLink, recordFromRow } from './chain.ts';
import type { AuditRecord } from './events.ts';
import { parseTimeBound } from './search.ts';
import { type CheckpointTimestamper, sha256, verifyTimestampToken } from './timestamp.ts';
import type { DatabaseAuditTrail } from './trail.ts';
import { spkiFingerprint, verifyCheckpointSignature } from './verify.ts';

export const ARCHIVE_FORMAT = 'shomei-audit-archive/1';
/** Archives are read whole; larger ranges are exported in several files. */
export const ARCHIVE_MAX_BYTES = 512 * 1024 * 1024;

export interface ArchiveManifest {
  readonly format: typeof ARCHIVE_FORMAT;
  readonly installationId: string;
  readonly archivedAt: string;
  readonly archivedBy: string;
  readonly range: { fromSeq: number; throughSeq: number; fromTime: string; throughTime: string };
  readonly count: number;
  /** The hash the first record links to, and the last record's hash. */
  readonly anchors: { prevHash: string; headHash: string };
  readonly eventsSha256: string;
  readonly signer: { keyId: string; algorithm: string; publicKey: string; publicKeySha256: string };
  /** Signed checkpoints that fall inside the range, as stored. */
  readonly checkpoints: readonly { payload: string; signature: string; timestampToken: string | null }[];
}

export interface ExportResult {
  readonly exportId: string;
  readonly file: string;
  readonly manifest: ArchiveManifest;
  readonly archiveSha256: string;
}

function exportError(code: string, ja: string, en: string, details: Record<string, unknown> = {}): Error {
  return shomeiError(code, ja, en, { status: 400, details });
}

/** The records an export covers: a time range, a sequence range, or both (absent bounds are open). */
export interface ArchiveRange {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly fromSeq?: number | undefined;
  readonly throughSeq?: number | undefined;
}

/** Resolves a time range to the contiguous sequence range it covers. */
async function seqRange(
  trail: DatabaseAuditTrail,
  range: ArchiveRange,
): Promise<{ fromSeq: number; throughSeq: number }> {
  let query = trail.db
    .selectFrom('audit_events')
    .select((eb) => [eb.fn.min('seq').as('lo'), eb.fn.max('seq').as('hi')]);
  if (range.from !== undefined) query = query.where('recorded_at', '>=', parseTimeBound(range.from, 'from'));
  if (range.to !== undefined) query = query.where('recorded_at', '<', parseTimeBound(range.to, 'to'));
  if (range.fromSeq !== undefined) query = query.where('seq', '>=', range.fromSeq);
  if (range.throughSeq !== undefined) query = query.where('seq', '<=', range.throughSeq);
  const row = await query.executeTakeFirst();
  if (row?.lo === null || row?.lo === undefined || row.hi === null) {
    throw exportError(
      'SHOMEI_AUDIT_EXPORT_EMPTY',
      '指定された範囲に監査レコードがありません。',
      'There are no audit records in that range.',
    );
  }
  return { fromSeq: Number(row.lo), throughSeq: Number(row.hi) };
}

export interface ExportOptions {
  trail: DatabaseAuditTrail;
  signer: DigestSigner;
  timestamper?: CheckpointTimestamper | undefined;
  installationId: string;
  file: string;
  range: ArchiveRange;
  exportedBy: string;
  logger?: Logger | undefined;
}

async function readRecords(trail: DatabaseAuditTrail, fromSeq: number, throughSeq: number) {
  const records: AuditRecord[] = [];
  for (let next = fromSeq; next <= throughSeq; ) {
    const rows = await trail.db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>=', next)
      .where('seq', '<=', throughSeq)
      .orderBy('seq')
      .limit(2000)
      .execute();
    if (rows.length === 0) break;
    records.push(...rows.map(recordFromRow));
    next = Number(rows[rows.length - 1]!.seq) + 1;
  }
  return records;
}

/** Refuse to archive a broken range: the archive must verify on its own. */
function refuseBrokenRange(records: readonly AuditRecord[], fromSeq: number): void {
  let previous = { seq: fromSeq - 1, hash: records[0]!.prevHash };
  for (const record of records) {
    const broken = checkLink(record, undefined, previous);
    if (broken !== undefined) {
      throw exportError(
        'SHOMEI_AUDIT_CHAIN_BROKEN',
        `監査チェーンが記録 ${broken.seq} で壊れているため書き出せません。`,
        `The audit chain is broken at record ${broken.seq}; nothing was exported.`,
        { seq: broken.seq, reason: broken.reason },
      );
    }
    previous = { seq: record.seq, hash: record.hash };
  }
}

async function buildManifest(
  options: ExportOptions,
  range: { fromSeq: number; throughSeq: number },
  records: readonly AuditRecord[],
  eventsText: string,
): Promise<ArchiveManifest> {
  const { fromSeq, throughSeq } = range;
  const first = records[0]!;
  const last = records[records.length - 1]!;
  const checkpoints = await options.trail.db
    .selectFrom('audit_checkpoints')
    .selectAll()
    .where('through_seq', '>=', fromSeq)
    .where('through_seq', '<=', throughSeq)
    .orderBy('through_seq')
    .execute();
  return {
    format: ARCHIVE_FORMAT,
    installationId: options.installationId,
    archivedAt: new Date().toISOString(),
    archivedBy: options.exportedBy,
    range: { fromSeq, throughSeq, fromTime: first.time, throughTime: last.time },
    count: records.length,
    anchors: { prevHash: first.prevHash, headHash: last.hash },
    eventsSha256: sha256(eventsText).toString('hex'),
    signer: {
      keyId: options.signer.keyId,
      algorithm: options.signer.algorithm,
      publicKey: options.signer.publicKey.toString('base64'),
      publicKeySha256: spkiFingerprint(options.signer.publicKey),
    },
    // Only checkpoints by this key: the archive carries one public key to check them with.
    checkpoints: checkpoints
      .filter((c) => Buffer.from(c.public_key).equals(options.signer.publicKey))
      .map((c) => ({
        payload: c.payload,
        signature: Buffer.from(c.signature).toString('base64'),
        timestampToken: c.timestamp_token === null ? null : Buffer.from(c.timestamp_token).toString('base64'),
      })),
  };
}

/**
 * The timestamp is over the manifest; the HSM signature then covers the manifest and the token
 * together, so not even the token's unsigned parts (its certificate set) can change unnoticed.
 */
async function sealManifest(options: ExportOptions, manifest: ArchiveManifest): Promise<string> {
  let timestampToken: Buffer | null = null;
  if (options.timestamper !== undefined) {
    try {
      timestampToken = await options.timestamper.timestamp(sha256(canonicalJson(manifest)));
    } catch (error) {
      options.logger?.warn({ err: error }, 'audit archive timestamp failed');
    }
  }
  const signed = {
    manifest,
    timestampToken: timestampToken === null ? null : timestampToken.toString('base64'),
  };
  const signature = await options.signer.signDigest(sha256(canonicalJson(signed)), 'SHA-256');
  return canonicalJson({ signed, signature: signature.toString('base64') });
}

export async function exportAuditArchive(options: ExportOptions): Promise<ExportResult> {
  const { trail } = options;
  if (existsSync(options.file)) {
    throw exportError(
      'SHOMEI_AUDIT_EXPORT_EXISTS',
      `書出し先 ${options.file} は既にあります。上書きしません。`,
      `The export target ${options.file} already exists; it is not overwritten.`,
    );
  }
  const { fromSeq, throughSeq } = await seqRange(trail, options.range);
  const records = await readRecords(trail, fromSeq, throughSeq);
  refuseBrokenRange(records, fromSeq);
  const eventsText = records.map((record) => `${canonicalJson(record)}\n`).join('');
  const manifest = await buildManifest(options, { fromSeq, throughSeq }, records, eventsText);
  const content = `${eventsText}${await sealManifest(options, manifest)}\n`;
  // Written beside the target and renamed, so a failed export never leaves half a file.
  const temporary = `${options.file}.${randomUUID()}.partial`;
  writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, options.file);
  const archiveSha256 = createHash('sha256').update(content).digest('hex');
  const exportId = randomUUID();
  const check = verifyAuditArchive(options.file);
  await trail.db
    .insertInto('audit_exports')
    .values({
      id: exportId,
      from_seq: fromSeq,
      through_seq: throughSeq,
      archive_sha256: archiveSha256,
      manifest_sha256: sha256(canonicalJson(manifest)).toString('hex'),
      exported_at: manifest.archivedAt,
      exported_by: options.exportedBy,
      verified_at: check.ok ? new Date().toISOString() : null,
    })
    .execute();
  await trail.append({
    type: 'audit.export',
    actor: { kind: 'user', id: options.exportedBy },
    subject: { kind: 'audit-archive', id: exportId },
    outcome: check.ok ? 'success' : 'failure',
    details: { fromSeq, throughSeq, count: records.length, archiveSha256, verified: check.ok },
  });
  return { exportId, file: options.file, manifest, archiveSha256 };
}

/** Decodes base64 only in its one canonical spelling, so no character can change unnoticed. */
function strictBase64(value: unknown): Buffer | undefined {
  if (typeof value !== 'string') return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.toString('base64') === value ? bytes : undefined;
}

export interface ArchiveVerification {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly firstBreak: ChainBreak | null;
  readonly manifest: ArchiveManifest | null;
  readonly publicKeySha256: string | null;
  readonly timestamp: { genTime: string; serialNumber: string } | null;
  readonly archiveSha256: string | null;
}

/** Verifies an archive file with nothing but its own contents. Never throws for a bad archive. */
export function verifyAuditArchive(file: string): ArchiveVerification {
  try {
    return verifyArchiveContents(file);
  } catch {
    // A hostile manifest with missing or mistyped fields lands here instead of crashing the verifier.
    return {
      ok: false,
      problems: ['archive is malformed'],
      firstBreak: null,
      manifest: null,
      publicKeySha256: null,
      timestamp: null,
      archiveSha256: null,
    };
  }
}

type Trailer = { signed?: { manifest?: ArchiveManifest; timestampToken?: unknown }; signature?: unknown };

/** The record lines and the trailer line, or why the file is not an archive at all. */
function splitArchive(bytes: Buffer): { eventsText: string; trailer: Trailer } | string {
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) return 'archive is not valid UTF-8';
  if (!text.endsWith('\n')) return 'archive does not end with a newline (truncated?)';
  const body = text.slice(0, -1);
  const cut = body.lastIndexOf('\n');
  const trailerText = body.slice(cut + 1);
  try {
    const trailer = JSON.parse(trailerText) as Trailer;
    if (canonicalJson(trailer) !== trailerText) return 'manifest line is not in canonical form';
    return { eventsText: cut < 0 ? '' : body.slice(0, cut + 1), trailer };
  } catch {
    return 'manifest line is not JSON';
  }
}

/** Without a timestamp nothing proves when the archive was made (PS 3.4.3): a failure, not a note. */
function checkManifestTimestamp(tokenText: unknown, manifest: ArchiveManifest, problems: string[]) {
  if (tokenText === null || tokenText === undefined) {
    problems.push('manifest has no timestamp');
    return null;
  }
  const token = strictBase64(tokenText);
  const facts =
    token === undefined
      ? { problem: 'not base64' }
      : verifyTimestampToken(token, sha256(canonicalJson(manifest)));
  if ('problem' in facts) {
    problems.push(`manifest timestamp: ${facts.problem}`);
    return null;
  }
  return { genTime: facts.genTime, serialNumber: facts.serialNumber };
}

/** Walks the record lines as a hash chain from the manifest's anchor; returns the first break. */
function walkRecords(eventsText: string, manifest: ArchiveManifest, problems: string[]) {
  const lines = eventsText === '' ? [] : eventsText.slice(0, -1).split('\n');
  if (lines.length !== manifest.count)
    problems.push(`manifest counts ${manifest.count} records, archive holds ${lines.length}`);
  let previous = { seq: manifest.range.fromSeq - 1, hash: manifest.anchors.prevHash };
  const hashes = new Map<number, string>();
  for (const [index, line] of lines.entries()) {
    let record: AuditRecord;
    try {
      record = JSON.parse(line) as AuditRecord;
      if (canonicalJson(record) !== line) throw new Error('not canonical');
    } catch {
      const message = `line ${index + 1} is not a canonical record`;
      return {
        firstBreak: { seq: previous.seq + 1, reason: 'hash-mismatch', message } as ChainBreak,
        hashes,
      };
    }
    const broken = checkLink(record, undefined, previous);
    if (broken !== undefined) return { firstBreak: broken, hashes };
    hashes.set(record.seq, record.hash);
    previous = { seq: record.seq, hash: record.hash };
  }
  if (previous.seq !== manifest.range.throughSeq) problems.push('records end before the manifest range');
  if (previous.hash !== manifest.anchors.headHash)
    problems.push('last record differs from the manifest head hash');
  return { firstBreak: null, hashes };
}

/** Each included checkpoint verifies with the archive's key and agrees with the record it names. */
function checkCheckpoints(
  manifest: ArchiveManifest,
  publicKey: Buffer,
  hashes: ReadonlyMap<number, string>,
  problems: string[],
): void {
  for (const checkpoint of Array.isArray(manifest.checkpoints) ? manifest.checkpoints : []) {
    const checkpointSignature = strictBase64(checkpoint?.signature);
    if (
      typeof checkpoint?.payload !== 'string' ||
      checkpointSignature === undefined ||
      !verifyCheckpointSignature(publicKey, checkpoint.payload, checkpointSignature)
    ) {
      problems.push('an included checkpoint signature does not verify');
      continue;
    }
    const payload = JSON.parse(checkpoint.payload) as { throughSeq: number; headHash: string };
    const actual = hashes.get(payload.throughSeq);
    if (actual !== undefined && actual !== payload.headHash)
      problems.push(`record ${payload.throughSeq} differs from a signed checkpoint`);
  }
}

function verifyArchiveContents(file: string): ArchiveVerification {
  const problems: string[] = [];
  const fail = (problem: string): ArchiveVerification => ({
    ok: false,
    problems: [...problems, problem],
    firstBreak: null,
    manifest: null,
    publicKeySha256: null,
    timestamp: null,
    archiveSha256: null,
  });
  let bytes: Buffer;
  try {
    if (statSync(file).size > ARCHIVE_MAX_BYTES)
      return fail(`archive is larger than ${ARCHIVE_MAX_BYTES} bytes`);
    bytes = readFileSync(file);
  } catch {
    return fail('archive cannot be read');
  }
  const archiveSha256 = createHash('sha256').update(bytes).digest('hex');
  const split = splitArchive(bytes);
  if (typeof split === 'string') return fail(split);
  const { eventsText, trailer } = split;
  const manifest = trailer.signed?.manifest;
  if (manifest === undefined || manifest === null || manifest.format !== ARCHIVE_FORMAT)
    return fail('not a shomei audit archive');
  const signature = strictBase64(trailer.signature);
  if (signature === undefined) return fail('manifest is not signed');
  const publicKey = strictBase64(manifest.signer?.publicKey);
  if (publicKey === undefined) return fail('manifest has no public key');
  const publicKeySha256 = spkiFingerprint(publicKey);
  if (publicKeySha256 !== manifest.signer.publicKeySha256)
    problems.push('public key fingerprint does not match the key');
  if (!verifyCheckpointSignature(publicKey, canonicalJson(trailer.signed), signature)) {
    problems.push('manifest signature does not verify');
  }
  const timestamp = checkManifestTimestamp(trailer.signed?.timestampToken, manifest, problems);
  if (sha256(eventsText).toString('hex') !== manifest.eventsSha256)
    problems.push('record lines differ from the manifest hash');
  const { firstBreak, hashes } = walkRecords(eventsText, manifest, problems);
  checkCheckpoints(manifest, publicKey, hashes, problems);
  return {
    ok: problems.length === 0 && firstBreak === null,
    problems,
    firstBreak,
    manifest,
    publicKeySha256,
    timestamp,
    archiveSha256,
  };
}
