/**
 * Backups from the operator console (/api/admin/backups, inside the admin plugin). Files are written
 * to `<SHOMEI_HOME>/backups` on the server and never sent to the browser; next to each one a small
 * record (JSON) keeps who took it, its manifest hash and the last verification. Creating and verifying
 * run in the background (the list shows them as running); restore is a dual-control operation
 * (`backup.restore`) that fills a new directory under `<SHOMEI_HOME>/restores` from the backup — the
 * switch to it remains an offline step, as with `shomei backup restore`.
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { approvalRequestSchema, type ConsoleRoutes, type DualControlExecutor } from '../admin/index.ts';
import type { AuditTrail } from '../audit/index.ts';
import { isShomeiError, shomeiError } from '../errors/index.ts';
import { type BackupSources, createBackup, restoreBackup, verifyBackup } from './backup.ts';
import {
  type BackupRecordView,
  backupIdParams,
  backupListSchema,
  backupRecordSchema,
  type backupVerifyResultSchema,
} from './backup-shapes.ts';

const ID = /^backup-\d{8}T\d{6}Z-[0-9a-f]{8}$/;
const SUFFIX = '.shomei-backup';

export type BackupVerifyResult = z.output<typeof backupVerifyResultSchema>;
export type BackupRecord = BackupRecordView;

export interface BackupCatalogueOptions {
  readonly sources: BackupSources;
  readonly audit: AuditTrail;
  /** Defaults to `<home>/backups`. */
  readonly directory?: string;
}

interface Person {
  readonly id: string;
  readonly name: string;
}

function busy(): Error {
  return shomeiError(
    'SHOMEI_BACKUP_IN_PROGRESS',
    '別のバックアップ処理が実行中です。終わってからもう一度お試しください。',
    'Another backup operation is running; try again when it has finished.',
    { status: 409 },
  );
}

function notFound(id: string): Error {
  return shomeiError(
    'SHOMEI_BACKUP_NOT_FOUND',
    'そのバックアップはありません。',
    'There is no such backup.',
    { status: 404, details: { id: id.slice(0, 80) } },
  );
}

function notReady(id: string, state: string): Error {
  return shomeiError(
    'SHOMEI_BACKUP_NOT_READY',
    'このバックアップは作成が完了していません。',
    'This backup was not completed.',
    { status: 409, details: { id, state } },
  );
}

/** The server's backup directory with its records; one create or verify at a time. */
export class BackupCatalogue {
  readonly directory: string;
  private running: Promise<void> | undefined;
  private readonly active = new Set<string>();

  constructor(private readonly options: BackupCatalogueOptions) {
    this.directory = options.directory ?? path.join(options.sources.config.home, 'backups');
  }

  list(): BackupRecord[] {
    if (!existsSync(this.directory)) return [];
    return readdirSync(this.directory)
      .filter((name) => name.endsWith('.json') && ID.test(name.slice(0, -5)))
      .map((name) => this.load(name.slice(0, -5)))
      .filter((r): r is BackupRecord => r !== undefined)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  get(id: string): BackupRecord {
    const record = ID.test(id) ? this.load(id) : undefined;
    if (record === undefined) throw notFound(id);
    return record;
  }

  /** The backup file of a completed backup (server-side path, for restore). */
  fileOf(id: string): string {
    const record = this.get(id);
    if (record.state !== 'ready') throw notReady(id, record.state);
    return path.join(this.directory, record.file);
  }

  /** Starts a backup; returns its record at once (state `creating`). */
  create(by: Person): BackupRecord {
    if (this.running !== undefined) throw busy();
    mkdirSync(this.directory, { recursive: true, mode: 0o700 });
    const now = new Date();
    const id = `backup-${now
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}-${randomBytes(4).toString('hex')}`;
    const record: BackupRecord = {
      id,
      file: `${id}${SUFFIX}`,
      createdAt: now.toISOString(),
      createdBy: by,
      state: 'creating',
    };
    this.save(record);
    this.active.add(id);
    this.running = this.finishCreate(record).finally(() => {
      this.active.delete(id);
      this.running = undefined;
    });
    return { ...record };
  }

  /** Starts verifying a completed backup; returns its record (verifying). */
  verify(id: string, by: Person): BackupRecord {
    const file = this.fileOf(id);
    if (this.running !== undefined) throw busy();
    this.active.add(id);
    this.running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.finishVerify(id, file, by))
      .finally(() => {
        this.active.delete(id);
        this.running = undefined;
      });
    return this.get(id);
  }

  /** Resolves when no create or verify is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running.catch(() => undefined);
  }

  private async finishCreate(record: BackupRecord): Promise<void> {
    const target = path.join(this.directory, record.file);
    const actor = { kind: 'user' as const, id: record.createdBy.id };
    try {
      const created = await createBackup(this.options.sources, target);
      // A backup counts as taken only once the written file verifies (as the CLI does).
      const check = verifyBackup(created.file, created.manifest.signer.publicKeySha256);
      const verified: BackupVerifyResult = {
        at: new Date().toISOString(),
        by: 'shomei',
        valid: check.valid,
        problems: check.problems,
      };
      this.save({
        ...record,
        state: 'ready',
        size: statSync(created.file).size,
        manifestSha256: created.manifestSha256,
        signerKeySha256: created.manifest.signer.publicKeySha256,
        entries: created.manifest.entries.length,
        environment: created.manifest.environment,
        dialect: created.manifest.database.dialect,
        lastVerify: verified,
      });
      await this.options.audit.append({
        type: 'backup.create',
        actor,
        outcome: 'success',
        details: {
          id: record.id,
          manifestSha256: created.manifestSha256,
          entries: created.manifest.entries.length,
        },
      });
      await this.options.audit.append({
        type: 'backup.verify',
        actor: { kind: 'process', id: 'shomei-backup' },
        outcome: check.valid ? 'success' : 'failure',
        details: { id: record.id, manifestSha256: created.manifestSha256, problems: check.problems.length },
      });
    } catch (error) {
      const code = isShomeiError(error) ? error.code : 'SHOMEI_INTERNAL';
      this.save({ ...record, state: 'failed', error: code });
      await this.options.audit
        .append({
          type: 'backup.create',
          actor,
          outcome: 'failure',
          details: { id: record.id, reason: code },
        })
        .catch(() => undefined);
    }
  }

  private async finishVerify(id: string, file: string, by: Person): Promise<void> {
    const record = this.get(id);
    const result = verifyBackup(file, record.signerKeySha256);
    this.save({
      ...record,
      lastVerify: {
        at: new Date().toISOString(),
        by: by.id,
        byName: by.name,
        valid: result.valid,
        problems: result.problems,
      },
    });
    await this.options.audit.append({
      type: 'backup.verify',
      actor: { kind: 'user', id: by.id },
      outcome: result.valid ? 'success' : 'failure',
      details: { id, manifestSha256: result.manifestSha256 ?? null, problems: result.problems.length },
    });
  }

  private load(id: string): BackupRecord | undefined {
    const file = path.join(this.directory, `${id}.json`);
    if (!existsSync(file)) return undefined;
    try {
      const record = JSON.parse(readFileSync(file, 'utf8')) as BackupRecord;
      const running = this.active.has(id);
      // A record left "creating" with nothing running: the process stopped mid-write.
      const state = record.state === 'creating' && !running ? 'interrupted' : record.state;
      return { ...record, state, verifying: running && record.state === 'ready' };
    } catch {
      return undefined;
    }
  }

  private save(record: BackupRecord): void {
    const { verifying: _verifying, ...stored } = record;
    const file = path.join(this.directory, `${record.id}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(stored, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
}

/**
 * `backup.restore`: an operator or administrator asks, another administrator or the security
 * officer approves; the approved restore fills `<home>/restores/<id>-<time>` (SQLite installations;
 * PostgreSQL needs an empty database and stays with `shomei backup restore`).
 */
export function backupRestoreExecutor(
  catalogue: BackupCatalogue,
  sources: BackupSources,
): DualControlExecutor {
  return {
    description: { ja: 'バックアップからの復元', en: 'Restore from a backup' },
    requesters: ['system_operator', 'system_administrator'],
    approvers: ['system_administrator', 'security_officer'],
    parse(payload) {
      const id = (payload as { backupId?: unknown } | null)?.backupId;
      if (typeof id !== 'string' || !ID.test(id)) {
        throw shomeiError('SHOMEI_BAD_REQUEST', '入力 backupId が不正です。', 'Input backupId is invalid.', {
          status: 400,
          details: { field: 'backupId' },
        });
      }
      return { backupId: id };
    },
    async precheck(payload) {
      const record = catalogue.get(payload.backupId as string);
      catalogue.fileOf(record.id);
      if (record.dialect === 'postgres') {
        throw shomeiError(
          'SHOMEI_RESTORE_DATABASE_REQUIRED',
          'PostgreSQL のバックアップは空のデータベースを用意して shomei backup restore で復元します。',
          'A PostgreSQL backup is restored with shomei backup restore into an empty database.',
          { status: 400 },
        );
      }
    },
    async execute(payload, context) {
      const id = payload.backupId as string;
      const record = catalogue.get(id);
      const stamp = new Date()
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d+Z$/, 'Z');
      const restored = await restoreBackup(catalogue.fileOf(id), {
        environment: sources.config.environment,
        into: path.join(sources.config.home, 'restores', `${id}-${stamp}`),
        pinFile: existsSync(sources.config.pkcs11.pinFile) ? sources.config.pkcs11.pinFile : undefined,
        databaseUrl: undefined,
        operator: context.requestedBy,
        approvedBy: context.approvedBy,
        ...(record.signerKeySha256 === undefined ? {} : { expectedSignerSha256: record.signerKeySha256 }),
      });
      return {
        backupId: id,
        restoredInto: restored.home,
        manifestSha256: restored.manifestSha256,
        installationId: restored.installationId,
        restoredAt: restored.restoredAt,
      };
    },
  };
}

export function backupConsoleRoutes(catalogue: BackupCatalogue): ConsoleRoutes {
  return (app, guard) => {
    app.addHook('onClose', async () => catalogue.idle());
    const api = app.withTypeProvider<ZodTypeProvider>();
    const person = (p: { userId: string; displayName: string }) => ({ id: p.userId, name: p.displayName });
    const reading = { preValidation: guard.before('backups.read') };
    const managing = { bodyLimit: 1024, preValidation: guard.before('backups.manage') };
    const started = { 202: backupRecordSchema };

    api.get(
      '/api/admin/backups',
      { ...reading, schema: { response: { 200: backupListSchema } } },
      async (request) => {
        const principal = await guard.require(request, 'backups.read');
        const backups = catalogue.list();
        await guard.record(request, principal, 'admin.backups.read', { returned: backups.length });
        return { backups };
      },
    );

    const one = { params: backupIdParams, response: { 200: backupRecordSchema } };
    api.get('/api/admin/backups/:id', { ...reading, schema: one }, async (request) => {
      await guard.require(request, 'backups.read');
      return catalogue.get(request.params.id);
    });

    api.post('/api/admin/backups', { ...managing, schema: { response: started } }, async (request, reply) => {
      const principal = await guard.require(request, 'backups.manage');
      return reply.status(202).send(catalogue.create(person(principal)));
    });

    const verify = { params: backupIdParams, response: started };
    api.post('/api/admin/backups/:id/verify', { ...managing, schema: verify }, async (request, reply) => {
      const principal = await guard.require(request, 'backups.manage');
      return reply.status(202).send(catalogue.verify(request.params.id, person(principal)));
    });

    // Restoring replaces the data: a dual-control request (202), carried out once another person approves.
    const restore = { params: backupIdParams, response: { 202: approvalRequestSchema } };
    const restoring = { bodyLimit: 1024, preValidation: guard.signedIn, schema: restore };
    api.post('/api/admin/backups/:id/restore', restoring, async (request, reply) => {
      const created = await guard.requestApproval(request, 'backup.restore', { backupId: request.params.id });
      return reply.status(202).send(created);
    });
  };
}
