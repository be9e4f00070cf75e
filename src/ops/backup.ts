/**
 * Backups (JT2A 7.1.6, criteria 2.1.3 (14), 2.2.2 (4)): a consistent copy of the database, the
 * encrypted blobs, the configuration without secrets and the SoftHSM2 token files (objects encrypted
 * under the token's PIN-derived key — never a plaintext key), in one file whose manifest is signed
 * by an HSM key. `verifyBackup` needs nothing but the file; `restoreBackup` fills an empty directory.
 */
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Environment, ShomeiConfig } from '../config/index.ts';
import { type CryptoModule, digestSignerFor } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { Database, KeyRegistry } from '../store/index.ts';
import {
  BACKUP_FORMAT,
  BACKUP_MAGIC,
  type BackupManifest,
  frameLength,
  MAX_MANIFEST_BYTES,
  MAX_SIGNATURE_BYTES,
  manifestSchema,
} from './backup-format.ts';
import { environmentMismatch } from './environment.ts';
import { markRestoredPassive } from './operating-mode-table.ts';

export { BACKUP_FORMAT, type BackupManifest } from './backup-format.ts';
export const BACKUP_KEY_PURPOSE = 'backup-signing';
const BACKUP_KEY_LABEL = 'shomei-backup-signing';
const CHUNK = 1024 * 1024;

export interface BackupSources {
  readonly config: ShomeiConfig;
  readonly database: Database;
  readonly crypto: CryptoModule;
  readonly keys: KeyRegistry;
  readonly installationId: string;
}

function backupError(code: string, ja: string, en: string, details: Record<string, unknown> = {}): Error {
  return shomeiError(code, ja, en, { status: 400, details });
}

/** The EC P-256 key in the HSM that signs backup manifests, made by the key ceremony at `shomei init`. */
async function backupSigner(crypto: CryptoModule, keys: KeyRegistry) {
  for (const record of await keys.findActiveByPurpose(BACKUP_KEY_PURPOSE)) {
    if (await crypto.hasKey(record.key_id)) return digestSignerFor(crypto, record.key_id);
  }
  throw shomeiError(
    'SHOMEI_KEY_NOT_FOUND',
    'バックアップ署名鍵がありません。鍵生成の儀式 (shomei init) で生成してください。',
    'There is no backup-signing key; generate it in the key ceremony (shomei init).',
    { status: 500, details: { purpose: BACKUP_KEY_PURPOSE } },
  );
}

/** The key ceremony step for the backup-signing key (idempotent). */
export async function generateBackupSigningKey(
  crypto: CryptoModule,
  keys: KeyRegistry,
): Promise<{ keyId: string; generated: boolean }> {
  for (const record of await keys.findActiveByPurpose(BACKUP_KEY_PURPOSE)) {
    if (await crypto.hasKey(record.key_id)) return { keyId: record.key_id, generated: false };
  }
  const key = await crypto.generateSigningKey('EC-P256', BACKUP_KEY_LABEL);
  await keys.record({
    keyId: key.id,
    label: key.label,
    kind: key.kind,
    algorithm: key.algorithm,
    purpose: BACKUP_KEY_PURPOSE,
    publicKey: key.publicKey,
  });
  return { keyId: key.id, generated: true };
}

/** libpq's own variables carry the connection, so no password appears on a command line. */
function libpqEnv(url: string): NodeJS.ProcessEnv {
  const u = new URL(url);
  return {
    ...process.env,
    PGHOST: decodeURIComponent(u.hostname) || u.searchParams.get('host') || 'localhost',
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username) || process.env.PGUSER || 'postgres',
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
  };
}

function runTool(command: string, args: string[], env: NodeJS.ProcessEnv, what: string): void {
  const result = spawnSync(command, args, { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error !== undefined || result.status !== 0) {
    // stderr of pg_dump/psql names objects, never the password (it is only in the environment).
    const reason = (result.error?.message ?? result.stderr ?? '')
      .split('\n')
      .slice(0, 3)
      .join(' ')
      .slice(0, 400);
    throw shomeiError(
      'SHOMEI_BACKUP_DATABASE_FAILED',
      `データベースの${what}に失敗しました: ${reason}`,
      `The database ${what} failed: ${reason}`,
      { status: 500, details: { tool: command } },
    );
  }
}

function filesUnder(root: string, prefix: string): { path: string; file: string }[] {
  if (!existsSync(root)) return [];
  const out: { path: string; file: string }[] = [];
  for (const name of readdirSync(root).sort()) {
    const full = path.join(root, name);
    const stat = statSync(full);
    // Lock files are process state, not data.
    if (stat.isDirectory()) out.push(...filesUnder(full, `${prefix}/${name}`));
    else if (stat.isFile() && !name.endsWith('.lock')) out.push({ path: `${prefix}/${name}`, file: full });
  }
  return out;
}

/** Setting names whose values are secrets wherever they appear (new settings are covered too). */
const SECRET_NAME = /(secret|password|passphrase|credential|token|apikey|privatekey|^pin$|userpin|sopin)$/i;

/** Drops secret-named fields and the password part of any URL, at any depth. */
function withoutSecrets(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]*@/i, '$1:***@');
  }
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !SECRET_NAME.test(key))
        .map(([key, v]) => [key, withoutSecrets(v)]),
    );
  }
  return value;
}

/** The configuration as it was, minus every secret (PIN file content, passwords, client secrets). */
function configWithoutSecrets(config: ShomeiConfig, displayUrl: string): Record<string, unknown> {
  const { oidc, mail, ...rest } = config;
  return withoutSecrets({
    ...rest,
    databaseUrl: displayUrl,
    mail: { from: mail.from, smtp: mail.smtpUrl === undefined ? 'off' : 'configured' },
    oidc: oidc === undefined ? null : { issuer: oidc.issuer, clientId: oidc.clientId },
  }) as Record<string, unknown>;
}

function sha256File(file: string): { sha256: string; size: number } {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  const buffer = Buffer.alloc(CHUNK);
  let size = 0;
  try {
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK, null);
      if (read === 0) break;
      hash.update(buffer.subarray(0, read));
      size += read;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), size };
}

function writeAll(fd: number, data: Buffer): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset);
}

/** Copies `size` bytes from `source` at the current position into a new file, checking its hash. */
function copyBytes(source: number, size: number, into: number | undefined): string {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(CHUNK);
  let left = size;
  while (left > 0) {
    const read = readSync(source, buffer, 0, Math.min(CHUNK, left), null);
    if (read === 0) break;
    hash.update(buffer.subarray(0, read));
    if (into !== undefined) writeAll(into, buffer.subarray(0, read));
    left -= read;
  }
  if (left > 0) throw backupTruncated();
  return hash.digest('hex');
}

function backupTruncated(): Error {
  return backupError(
    'SHOMEI_BACKUP_INVALID',
    'バックアップファイルが途中で切れています。',
    'The backup file is truncated.',
    {
      reason: 'truncated',
    },
  );
}

export interface CreatedBackup {
  readonly file: string;
  readonly manifest: BackupManifest;
  readonly manifestSha256: string;
}

/** Writes a backup to `outFile` (temporary file, then rename: never a half-written backup). */
export async function createBackup(sources: BackupSources, outFile: string): Promise<CreatedBackup> {
  const { config, database, crypto, keys } = sources;
  // The signing key is created before the database is copied, so the copy records it.
  const signer = await backupSigner(crypto, keys);
  const staging = mkdtempSync(path.join(tmpdir(), 'shomei-backup-'));
  chmodSync(staging, 0o700);
  try {
    const files: { path: string; file: string }[] = [];
    let databaseEntry: string;
    if (database.dialect === 'sqlite') {
      // SQLite's online backup API: a consistent copy while the service keeps running.
      const dump = path.join(staging, 'shomei.db');
      const source = new SQLite(config.databaseUrl.slice('sqlite:'.length), {
        readonly: true,
        fileMustExist: true,
      });
      try {
        await source.backup(dump);
      } finally {
        source.close();
      }
      databaseEntry = 'database/shomei.db';
      files.push({ path: databaseEntry, file: dump });
    } else {
      // pg_dump reads one snapshot, so the dump is consistent across tables.
      const dump = path.join(staging, 'shomei.sql');
      runTool(
        'pg_dump',
        ['--no-owner', '--no-privileges', '--format=plain', '--file', dump],
        libpqEnv(config.databaseUrl),
        'ダンプ',
      );
      databaseEntry = 'database/shomei.sql';
      files.push({ path: databaseEntry, file: dump });
    }
    const settingsFile = path.join(staging, 'settings.json');
    writeFileSync(
      settingsFile,
      `${JSON.stringify(configWithoutSecrets(config, database.displayUrl), null, 2)}\n`,
    );
    files.push({ path: 'config/settings.json', file: settingsFile });
    if (config.pkcs11.managedSoftHsm) files.push(...filesUnder(path.join(config.home, 'tokens'), 'tokens'));
    files.push(...filesUnder(path.join(config.home, 'blobs'), 'blobs'));

    const entries = files.map((f) => ({ path: f.path, ...sha256File(f.file) }));
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      createdAt: new Date().toISOString(),
      installationId: sources.installationId,
      environment: config.environment,
      database: { dialect: database.dialect, entry: databaseEntry },
      token: { label: config.pkcs11.tokenLabel, softHsmFiles: config.pkcs11.managedSoftHsm },
      signer: {
        keyId: signer.keyId,
        algorithm: 'EC-P256',
        publicKey: signer.publicKey.toString('base64'),
        publicKeySha256: createHash('sha256').update(signer.publicKey).digest('hex'),
      },
      entries,
      notes: {
        ja: 'トークンのファイルは SoftHSM2 がトークン PIN から導出した鍵で暗号化したものです。PIN ファイルは含みません (別途保管)。',
        en: 'Token files are as SoftHSM2 stores them, encrypted under a key derived from the token PIN. The PIN file is not included (kept separately).',
      },
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest), 'utf8');
    const signature = await signer.signDigest(createHash('sha256').update(manifestBytes).digest(), 'SHA-256');

    const target = path.resolve(outFile);
    mkdirSync(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(4).toString('hex')}.partial`;
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeAll(fd, BACKUP_MAGIC);
      writeAll(fd, frameLength(manifestBytes.length));
      writeAll(fd, manifestBytes);
      writeAll(fd, frameLength(signature.length));
      writeAll(fd, signature);
      for (const f of files) {
        const source = openSync(f.file, 'r');
        try {
          copyBytes(source, statSync(f.file).size, fd);
        } finally {
          closeSync(source);
        }
      }
    } catch (error) {
      closeSync(fd);
      rmSync(temp, { force: true });
      throw error;
    }
    closeSync(fd);
    renameSync(temp, target);
    return {
      file: target,
      manifest,
      manifestSha256: createHash('sha256').update(manifestBytes).digest('hex'),
    };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface BackupVerification {
  readonly valid: boolean;
  /** Present when the manifest could be read and its signature checked. */
  readonly manifest: BackupManifest | undefined;
  readonly manifestSha256: string | undefined;
  readonly signerKeySha256: string | undefined;
  /** What failed, in order: format, signature, entries by path. */
  readonly problems: readonly string[];
}

interface OpenedBackup {
  readonly fd: number;
  readonly manifest: BackupManifest;
  readonly manifestBytes: Buffer;
  readonly dataOffset: number;
}

function readExactly(fd: number, length: number, position: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  if (read !== length) throw backupTruncated();
  return buffer;
}

function invalid(reason: string, en: string, ja: string): Error {
  return backupError('SHOMEI_BACKUP_INVALID', ja, en, { reason });
}

/** Reads the header, checks the manifest's shape and signature; leaves the file open at the data. */
function openBackup(file: string, problems: string[]): OpenedBackup {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    throw backupError(
      'SHOMEI_BACKUP_UNREADABLE',
      `バックアップファイルを読めません: ${file}`,
      `The backup file cannot be read: ${file}`,
    );
  }
  try {
    const total = fstatSync(fd).size;
    if (total < BACKUP_MAGIC.length + 8 || !readExactly(fd, BACKUP_MAGIC.length, 0).equals(BACKUP_MAGIC)) {
      throw invalid(
        'format',
        'This is not a shomei backup file.',
        'shomei のバックアップファイルではありません。',
      );
    }
    let offset = BACKUP_MAGIC.length;
    const manifestLength = readExactly(fd, 4, offset).readUInt32BE();
    if (manifestLength > MAX_MANIFEST_BYTES || manifestLength > total) throw backupTruncated();
    const manifestBytes = readExactly(fd, manifestLength, offset + 4);
    offset += 4 + manifestLength;
    const signatureLength = readExactly(fd, 4, offset).readUInt32BE();
    if (signatureLength > MAX_SIGNATURE_BYTES)
      throw invalid('format', 'The signature field is malformed.', '署名欄の形式が不正です。');
    const signature = readExactly(fd, signatureLength, offset + 4);
    offset += 4 + signatureLength;
    let parsedJson: unknown;
    try {
      parsedJson = JSON.parse(manifestBytes.toString('utf8'));
    } catch {
      throw invalid('manifest', 'The manifest is not valid JSON.', 'マニフェストが JSON として不正です。');
    }
    const parsed = manifestSchema.safeParse(parsedJson);
    if (!parsed.success) {
      throw invalid(
        'manifest',
        'The manifest does not have the expected fields.',
        'マニフェストの項目が不正です。',
      );
    }
    const manifest = parsed.data;
    const spki = Buffer.from(manifest.signer.publicKey, 'base64');
    if (createHash('sha256').update(spki).digest('hex') !== manifest.signer.publicKeySha256) {
      problems.push('signer key fingerprint does not match the key');
    }
    let signatureOk = false;
    try {
      const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
      signatureOk = verify('sha256', manifestBytes, { key, dsaEncoding: 'der' }, signature);
    } catch {
      signatureOk = false;
    }
    if (!signatureOk) problems.push('manifest signature does not verify');
    const expected = manifest.entries.reduce((sum, e) => sum + e.size, 0);
    if (offset + expected !== total) {
      problems.push(offset + expected > total ? 'file is truncated' : 'file has bytes after the last entry');
    }
    return { fd, manifest, manifestBytes, dataOffset: offset };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Checks a backup offline: format, manifest signature (with the public key it carries, and against
 * `expectedSignerSha256` when the operator pins the installation's backup key), every entry's hash.
 */
export function verifyBackup(file: string, expectedSignerSha256?: string): BackupVerification {
  const problems: string[] = [];
  let opened: OpenedBackup;
  try {
    opened = openBackup(file, problems);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      valid: false,
      manifest: undefined,
      manifestSha256: undefined,
      signerKeySha256: undefined,
      problems: [message],
    };
  }
  try {
    if (
      expectedSignerSha256 !== undefined &&
      expectedSignerSha256.toLowerCase() !== opened.manifest.signer.publicKeySha256
    ) {
      problems.push('signed by a key other than the expected one');
    }
    let position = opened.dataOffset;
    for (const entry of opened.manifest.entries) {
      const hash = createHash('sha256');
      const buffer = Buffer.alloc(CHUNK);
      let left = entry.size;
      while (left > 0) {
        const read = readSync(opened.fd, buffer, 0, Math.min(CHUNK, left), position);
        if (read === 0) break;
        hash.update(buffer.subarray(0, read));
        left -= read;
        position += read;
      }
      if (left > 0 || hash.digest('hex') !== entry.sha256)
        problems.push(`entry ${entry.path}: SHA-256 differs`);
    }
    return {
      valid: problems.length === 0,
      manifest: opened.manifest,
      manifestSha256: createHash('sha256').update(opened.manifestBytes).digest('hex'),
      signerKeySha256: opened.manifest.signer.publicKeySha256,
      problems,
    };
  } finally {
    closeSync(opened.fd);
  }
}

export interface RestoreOptions {
  /** The environment of the instance that will run on the restored data. */
  readonly environment: Environment;
  /** An empty or absent directory that becomes the data directory (SHOMEI_HOME). */
  readonly into: string;
  /** The token PIN file, kept apart from backups; copied into the restored secrets (0600). */
  readonly pinFile: string | undefined;
  /** PostgreSQL: an empty database to load the dump into. */
  readonly databaseUrl: string | undefined;
  /** Two different people: who restores and who approved it (two-operator rule). */
  readonly operator: string;
  readonly approvedBy: string;
  readonly expectedSignerSha256?: string | undefined;
}

export interface RestoreResult {
  readonly home: string;
  readonly installationId: string;
  readonly environment: Environment;
  readonly databaseUrl: string;
  readonly manifestSha256: string;
  readonly restoredAt: string;
}

function refuseRestore(code: string, ja: string, en: string, details: Record<string, unknown> = {}): Error {
  return shomeiError(code, ja, en, { status: 400, details });
}

/** Restores a verified backup into an empty directory; nothing is left behind if any step fails. */
export async function restoreBackup(file: string, options: RestoreOptions): Promise<RestoreResult> {
  const checked = checkRestore(file, options);
  const { manifest, into } = checked;
  mkdirSync(path.dirname(into), { recursive: true });
  const staging = `${into}.restoring-${randomBytes(4).toString('hex')}`;
  mkdirSync(staging, { mode: 0o700 });
  try {
    unpackEntries(file, manifest, staging);
    const databaseUrl = await loadDatabase(manifest, staging, into, options.databaseUrl);
    rmSync(path.join(staging, 'restore-db'), { recursive: true, force: true });
    if (options.pinFile !== undefined) {
      mkdirSync(path.join(staging, 'secrets'), { recursive: true, mode: 0o700 });
      copyFileSync(options.pinFile, path.join(staging, 'secrets', 'token-pins.json'));
      chmodSync(path.join(staging, 'secrets', 'token-pins.json'), 0o600);
    }
    const restoredAt = writeRestoreRecord(staging, checked);
    if (existsSync(into)) rmdirSync(into);
    renameSync(staging, into);
    return {
      home: into,
      installationId: manifest.installationId,
      environment: manifest.environment,
      databaseUrl,
      manifestSha256: checked.manifestSha256,
      restoredAt,
    };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

interface CheckedRestore {
  readonly operator: string;
  readonly approver: string;
  readonly manifest: BackupManifest;
  readonly manifestSha256: string;
  readonly into: string;
}

/** Everything that can refuse a restore is settled before a byte is written. */
function checkRestore(file: string, options: RestoreOptions): CheckedRestore {
  const operator = options.operator.trim();
  const approver = options.approvedBy.trim();
  if (operator === '' || approver === '' || operator.toLowerCase() === approver.toLowerCase()) {
    throw refuseRestore(
      'SHOMEI_RESTORE_NEEDS_TWO_OPERATORS',
      '復元には実施者と承認者の 2 名 (別人) が必要です (--operator と --approved-by)。',
      'A restore needs two different people: the operator and the approver (--operator and --approved-by).',
    );
  }
  const verification = verifyBackup(file, options.expectedSignerSha256);
  if (
    !verification.valid ||
    verification.manifest === undefined ||
    verification.manifestSha256 === undefined
  ) {
    throw refuseRestore(
      'SHOMEI_BACKUP_INVALID',
      `バックアップの検証に失敗したため復元しません: ${verification.problems.join('; ')}`,
      `The backup failed verification and is not restored: ${verification.problems.join('; ')}`,
      { problems: verification.problems },
    );
  }
  const manifest = verification.manifest;
  if (manifest.environment !== options.environment) {
    throw environmentMismatch('backup', manifest.environment, options.environment);
  }
  const into = path.resolve(options.into);
  if (existsSync(into) && readdirSync(into).length > 0) {
    throw refuseRestore(
      'SHOMEI_RESTORE_TARGET_NOT_EMPTY',
      `復元先が空ではありません: ${into}`,
      `The restore target is not empty: ${into}`,
      { into },
    );
  }
  if (manifest.token.softHsmFiles && options.pinFile === undefined) {
    throw refuseRestore(
      'SHOMEI_RESTORE_PIN_FILE_REQUIRED',
      'トークン PIN ファイル (--pin-file) が必要です。PIN はバックアップに含まれません。',
      'The token PIN file (--pin-file) is needed: PINs are never part of a backup.',
    );
  }
  if (manifest.database.dialect === 'postgres' && options.databaseUrl?.startsWith('postgres') !== true) {
    throw refuseRestore(
      'SHOMEI_RESTORE_DATABASE_REQUIRED',
      'PostgreSQL のバックアップには空のデータベースの URL (--database-url) が必要です。',
      'A PostgreSQL backup needs the URL of an empty database (--database-url).',
    );
  }
  return { operator, approver, manifest, manifestSha256: verification.manifestSha256, into };
}

/** Writes each entry into the staging directory, the database dump under restore-db/. */
function unpackEntries(file: string, manifest: BackupManifest, staging: string): void {
  const fd = openSync(file, 'r');
  try {
    const header = openBackup(file, []);
    closeSync(header.fd);
    let position = header.dataOffset;
    for (const entry of manifest.entries) {
      const target = path.join(
        staging,
        entry.path === manifest.database.entry ? `restore-db/${path.basename(entry.path)}` : entry.path,
      );
      mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
      position = copyEntry(fd, position, entry, target);
      // SoftHSM2 removes an object's lock file with the object and fails C_DestroyObject without one
      // (ADR 032: a restore destroys keys again); the backup leaves lock files out as process state.
      if (entry.path.startsWith('tokens/') && entry.path.endsWith('.object')) {
        const lock = `${target.slice(0, -'.object'.length)}.lock`;
        if (!existsSync(lock)) closeSync(openSync(lock, 'wx', 0o600));
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Copies one entry from `position`, checking its SHA-256 again; returns where the next one starts. */
function copyEntry(
  fd: number,
  from: number,
  entry: BackupManifest['entries'][number],
  target: string,
): number {
  let position = from;
  const out = openSync(target, 'wx', 0o600);
  try {
    // Read at explicit positions: the same bytes that were verified above.
    const buffer = Buffer.alloc(CHUNK);
    const hash = createHash('sha256');
    let left = entry.size;
    while (left > 0) {
      const read = readSync(fd, buffer, 0, Math.min(CHUNK, left), position);
      if (read === 0) throw backupTruncated();
      hash.update(buffer.subarray(0, read));
      writeAll(out, buffer.subarray(0, read));
      left -= read;
      position += read;
    }
    if (hash.digest('hex') !== entry.sha256) {
      throw invalid(
        'changed',
        'The backup changed while it was being restored.',
        '復元中にバックアップが変更されました。',
      );
    }
  } finally {
    closeSync(out);
  }
  return position;
}

/** SQLite: the file moves into place; PostgreSQL: the dump is loaded into the empty database. */
async function loadDatabase(
  manifest: BackupManifest,
  staging: string,
  into: string,
  postgresUrl: string | undefined,
): Promise<string> {
  const restoredDb = path.join(staging, 'restore-db', path.basename(manifest.database.entry));
  let databaseUrl: string;
  if (manifest.database.dialect === 'sqlite') {
    renameSync(restoredDb, path.join(staging, 'shomei.db'));
    databaseUrl = `sqlite:${path.join(into, 'shomei.db')}`;
  } else {
    databaseUrl = postgresUrl!;
    await assertEmptyPostgres(databaseUrl);
    runTool(
      'psql',
      ['--quiet', '--no-psqlrc', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '--file', restoredDb],
      libpqEnv(databaseUrl),
      '復元',
    );
  }
  // Passive until promoted (ADR 027): the original may still be live on the same keys.
  await markRestoredPassive(
    manifest.database.dialect === 'sqlite' ? `sqlite:${path.join(staging, 'shomei.db')}` : databaseUrl,
    `restored from a backup of ${manifest.createdAt}`,
  );
  return databaseUrl;
}

/** restore-record.json: who restored what and when, beside the restored data; returns the time. */
function writeRestoreRecord(staging: string, checked: CheckedRestore): string {
  const { manifest } = checked;
  const restoredAt = new Date().toISOString();
  const record = {
    restoredAt,
    backupCreatedAt: manifest.createdAt,
    installationId: manifest.installationId,
    environment: manifest.environment,
    manifestSha256: checked.manifestSha256,
    operator: checked.operator,
    approvedBy: checked.approver,
    mode: 'passive',
  };
  writeFileSync(path.join(staging, 'restore-record.json'), `${JSON.stringify(record, null, 2)}\n`, {
    mode: 0o600,
  });
  return restoredAt;
}

/** A restore never merges into live data: the target database must have no tables at all. */
async function assertEmptyPostgres(url: string): Promise<void> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(
      "select count(*)::text as n from information_schema.tables where table_schema = 'public'",
    );
    if (result.rows[0]?.n !== '0') {
      throw refuseRestore(
        'SHOMEI_RESTORE_TARGET_NOT_EMPTY',
        '復元先のデータベースが空ではありません。',
        'The restore target database is not empty.',
      );
    }
  } finally {
    await client.end();
  }
}
