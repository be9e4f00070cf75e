import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { openShomei, operatorConsole, type Shomei } from '../../src/app/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { importRecord, LAWFUL_DELETION_KIND, setPermission } from '../../src/contracts/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { verifyBackup } from '../../src/ops/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { samplePdf } from '../contracts/harness.ts';
import { makeTestHome } from '../helpers/home.ts';
import { credentialsEnv, makeTeam, type TeamRole, type TestOperator } from '../helpers/operators.ts';
import { runShomei } from '../helpers/run.ts';
import { listTokenObjects } from '../helpers/token.ts';

// A mail password in the configuration must not reach the backup (nothing is sent in this test).
const SMTP_PASSWORD = 'smtp-Secret-7f3a9';
const home = makeTestHome({ SHOMEI_SMTP_URL: `smtp://mailer:${SMTP_PASSWORD}@127.0.0.1:2525` });
const work = `${home.home}-work`;
mkdirSync(work, { recursive: true });
// Outside the data directory, as ADR 032 asks: it survives the wipe below.
const destructionLog = path.join(work, 'destruction-log.jsonl');
home.env.SHOMEI_DESTRUCTION_LOG = destructionLog;
after(() => {
  home.remove();
  rmSync(work, { recursive: true, force: true });
});

let team: Record<TeamRole, TestOperator>;

/** The restorers' codes and until when they may serve another restore. */
let restorerCodes: { env: Record<string, string>; until: number } | undefined;

/**
 * The two people of a restore, each with their own password and code: the administrator restores, the
 * security officer approves (neither used a code since enrolment, so the restored accounts accept them).
 * Each restore checks the codes in its own restored copy, which knows only the steps accepted before
 * the backup: one pair serves the restores of the next 20 s (it stays valid 45 s at least), where fresh
 * codes per restore meant waiting up to 30 s for the clock each time.
 */
async function restorers(): Promise<Record<string, string>> {
  if (restorerCodes === undefined || Date.now() > restorerCodes.until) {
    const operator = await credentialsEnv(home, team.system_administrator);
    const approver = await credentialsEnv(home, team.security_officer);
    const env = {
      ...operator,
      SHOMEI_APPROVER_EMAIL: approver.SHOMEI_OPERATOR_EMAIL!,
      SHOMEI_APPROVER_PASSWORD: approver.SHOMEI_OPERATOR_PASSWORD!,
      SHOMEI_APPROVER_TOTP: approver.SHOMEI_OPERATOR_TOTP!,
    };
    restorerCodes = { env, until: Date.now() + 20_000 };
  }
  return restorerCodes.env;
}

/** A provider key made through dual control (asked by the administrator, approved by the officer). */
async function generateKey(label: string): Promise<{ id: string; publicKey: string }> {
  const shomei = await openShomei(loadConfig({ ...home.env }), createLogger({ level: 'silent' }));
  try {
    const asked = await shomei.admin.dualControl.request(
      'key.activate',
      { algorithm: 'EC-P256', label, purpose: 'test' },
      team.system_administrator.userId,
    );
    const done = await shomei.admin.dualControl.approve(asked.id, team.security_officer.userId);
    const id = done.outcome!.keyId as string;
    const info = (await shomei.crypto.listKeys()).find((k) => k.id === id)!;
    return { id, publicKey: info.publicKey!.toString('base64') };
  } finally {
    await shomei.close();
  }
}

/** A tenant's contract (imported, with its document) and an API key to ask for it over HTTP. */
async function contractInBackup(): Promise<{ envelopeId: string; documentId: string; apiKey: string }> {
  const shomei = await openShomei(loadConfig({ ...home.env }), createLogger({ level: 'silent' }));
  try {
    const tenant = await shomei.identity.accounts.createTenant({
      slug: 'backup-a',
      name: 'バックアップ株式会社',
    });
    const created = await shomei.identity.accounts.createUser({
      tenantId: tenant.id,
      email: 'admin@backup-a.example',
      displayName: 'admin',
      familyName: '復元',
      givenName: '花子',
    });
    const { token } = await shomei.identity.applications.issueActivationToken(created.id);
    const user = await shomei.identity.activate(token, 'correct horse battery staple 署名', {});
    await setPermission(shomei.contracts.context, { kind: 'operator', id: 'test' }, tenant.id, {
      userId: user.id,
      permission: 'tenant.admin',
      granted: true,
    });
    const actor = {
      kind: 'user' as const,
      userId: user.id,
      tenantId: tenant.id,
      email: user.email,
      authentication: 'test',
    };
    const { record } = await importRecord(
      shomei.contracts.context,
      actor,
      {
        title: '削除請求のある契約',
        counterparty: '株式会社相手',
        transactionDate: '2025-04-01',
        amount: 1000,
      },
      samplePdf(1, 'backup'),
    );
    const { key } = await shomei.contracts.createApiKey(actor, ['envelopes:read']);
    return { envelopeId: record.id, documentId: record.documents[0]!.id, apiKey: key };
  } finally {
    await shomei.close();
  }
}

/** GET the document over the server's HTTP API with the tenant's API key. */
async function downloadDocument(shomei: Shomei): Promise<{ statusCode: number; body: string }> {
  const app = await buildServer(shomei);
  try {
    return await app.inject({
      method: 'GET',
      url: `/api/envelopes/${contract.envelopeId}/documents/${contract.documentId}`,
      headers: { authorization: `Bearer ${contract.apiKey}` },
    });
  } finally {
    await app.close();
  }
}

function json<T>(result: { status: number; stdout: string; stderr: string }): T {
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

/** Byte offsets of the container: magic (16) | u32 | manifest | u32 | signature | data. */
function layout(bytes: Buffer): { manifestStart: number; manifestEnd: number; dataStart: number } {
  const manifestLength = bytes.readUInt32BE(16);
  const manifestEnd = 20 + manifestLength;
  const signatureLength = bytes.readUInt32BE(manifestEnd);
  return { manifestStart: 20, manifestEnd, dataStart: manifestEnd + 4 + signatureLength };
}

const backupFile = path.join(work, 'shomei.backup');
const pinCopy = path.join(work, 'pins-escrow.json');
let key: { id: string; publicKey: string };
/** In the backup, destroyed afterwards: the restore must not bring it back. */
let doomed: { id: string; publicKey: string };
let installationId: string;
/** In the backup, shredded afterwards by a lawful deletion: the restore must not bring it back. */
let contract: { envelopeId: string; documentId: string; apiKey: string };

describe('backup create / verify / restore', () => {
  test('create writes a signed backup that verifies offline and holds no secret', async () => {
    installationId = json<{ installationId: string }>(runShomei(['init'], home.env)).installationId;
    const roles: TeamRole[] = ['security_officer', 'system_administrator', 'system_operator'];
    team = await makeTeam(home, roles, {}, roles);
    key = await generateKey('before-backup');
    doomed = await generateKey('doomed-after-backup');
    contract = await contractInBackup();
    const anonymous = runShomei(['backup', 'create', '-o', `${backupFile}.x`], {
      ...home.env,
      SHOMEI_OPERATOR_SESSION: `${work}/none`,
    });
    assert.match(anonymous.stderr, /SHOMEI_OPERATOR_UNAUTHENTICATED/);
    const created = json<{
      verified: boolean;
      installationId: string;
      environment: string;
      signerKeySha256: string;
    }>(runShomei(['backup', 'create', '-o', backupFile], await credentialsEnv(home, team.system_operator)));
    assert.equal(created.verified, true);
    assert.equal(created.installationId, installationId);
    assert.equal(created.environment, 'development');

    const verified = json<{ valid: boolean; entries: { path: string }[]; environment: string }>(
      runShomei(['backup', 'verify', backupFile, '--expect-key', created.signerKeySha256], {}),
    );
    assert.equal(verified.valid, true);
    const paths = verified.entries.map((e) => e.path);
    assert.ok(paths.includes('database/shomei.db'));
    assert.ok(paths.includes('config/settings.json'));
    assert.ok(
      paths.some((p) => p.startsWith('tokens/')),
      'SoftHSM2 token files (encrypted objects) are included',
    );
    assert.ok(!paths.some((p) => p.startsWith('secrets/')), 'the secrets directory is never backed up');

    const bytes = readFileSync(backupFile);
    // The SO PIN is in the file init left for the operator, not in the PIN file (issue #22).
    const pins = {
      ...JSON.parse(readFileSync(home.config.pkcs11.pinFile, 'utf8')),
      ...JSON.parse(
        readFileSync(path.join(path.dirname(home.config.pkcs11.pinFile), 'token-so-pin.json'), 'utf8'),
      ),
    } as { userPin: string; soPin: string };
    assert.ok(!bytes.includes(Buffer.from(pins.userPin)), 'the user PIN is not in the backup');
    assert.ok(!bytes.includes(Buffer.from(pins.soPin)), 'the SO PIN is not in the backup');
    assert.ok(!bytes.includes(Buffer.from(SMTP_PASSWORD)), 'the SMTP password is not in the backup');
    const manifest = bytes.subarray(layout(bytes).manifestStart, layout(bytes).manifestEnd).toString('utf8');
    assert.match(manifest, new RegExp(installationId));
    assert.match(manifest, /"environment":"development"/);
  });

  test('one changed byte anywhere, a truncated file or a stranger file fails verification', () => {
    const original = readFileSync(backupFile);
    const { manifestStart, manifestEnd, dataStart } = layout(original);
    const cases: Record<string, Buffer> = {
      'data byte': Buffer.from(original),
      'last byte': Buffer.from(original),
      'manifest byte': Buffer.from(original),
      'signature byte': Buffer.from(original),
      truncated: original.subarray(0, original.length - 100),
      appended: Buffer.concat([original, Buffer.from('extra')]),
      'not a backup': Buffer.from('%PDF-1.7\n'),
      empty: Buffer.alloc(0),
    };
    const middle = dataStart + Math.floor((original.length - dataStart) / 2);
    const flip = (name: string, at: number, mask: number) => {
      const bytes = cases[name]!;
      bytes[at] = bytes[at]! ^ mask;
    };
    flip('data byte', middle, 0x01);
    flip('last byte', original.length - 1, 0x80);
    // A digit inside the createdAt timestamp: still valid JSON, so only the signature catches it.
    const at = original.indexOf('"createdAt":"', manifestStart) + 16;
    assert.ok(at > manifestStart && at < manifestEnd);
    flip('manifest byte', at, original[at] === 0x31 ? 0x03 : 0x01);
    flip('signature byte', dataStart - 3, 0x01);
    for (const [name, bytes] of Object.entries(cases)) {
      const file = path.join(work, `bad-${name.replace(/ /g, '-')}.backup`);
      writeFileSync(file, bytes);
      const report = verifyBackup(file);
      assert.equal(report.valid, false, name);
      assert.ok(report.problems.length > 0, name);
    }
    assert.equal(verifyBackup(path.join(work, 'missing.backup')).valid, false);
    // The command says so with exit code 1, the report on stdout and the stable code on stderr.
    const result = runShomei(['backup', 'verify', path.join(work, 'bad-data-byte.backup')], {});
    assert.equal(result.status, 1, `${result.stdout}${result.stderr}`);
    assert.match(result.stderr, /SHOMEI_BACKUP_INVALID/);
    const report = JSON.parse(result.stdout) as { valid: boolean; problems: string[] };
    assert.deepEqual(report.problems, ['entry database/shomei.db: SHA-256 differs']);
  });

  test('a backup re-signed by another key verifies only without --expect-key, and never restores with it', async () => {
    const original = readFileSync(backupFile);
    const { manifestStart, manifestEnd, dataStart } = layout(original);
    const manifest = JSON.parse(original.subarray(manifestStart, manifestEnd).toString('utf8'));
    const realKey = manifest.signer.publicKeySha256 as string;
    const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = forger.publicKey.export({ type: 'spki', format: 'der' });
    manifest.signer.publicKey = spki.toString('base64');
    manifest.signer.publicKeySha256 = createHash('sha256').update(spki).digest('hex');
    const forgedManifest = Buffer.from(JSON.stringify(manifest));
    const signature = sign('sha256', forgedManifest, { key: forger.privateKey, dsaEncoding: 'der' });
    assert.ok(verify('sha256', forgedManifest, { key: forger.publicKey, dsaEncoding: 'der' }, signature));
    const frame = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n);
      return b;
    };
    const forged = Buffer.concat([
      original.subarray(0, 16),
      frame(forgedManifest.length),
      forgedManifest,
      frame(signature.length),
      signature,
      original.subarray(dataStart),
    ]);
    const file = path.join(work, 'forged.backup');
    writeFileSync(file, forged);
    assert.equal(verifyBackup(file).valid, true);
    assert.deepEqual(verifyBackup(file, realKey).problems, ['signed by a key other than the expected one']);
    const target = path.join(work, 'forged-restore');
    const restore = runShomei(
      [
        'backup',
        'restore',
        file,
        '--into',
        target,
        '--pin-file',
        home.config.pkcs11.pinFile,
        '--expect-key',
        realKey,
      ],
      await restorers(),
    );
    assert.equal(restore.status, 1);
    assert.match(restore.stderr, /SHOMEI_BACKUP_INVALID/);
    assert.ok(!existsSync(target));
  });

  test('restore refuses one operator alone, a non-empty target, a tampered file and a missing PIN file', async () => {
    const target = path.join(work, 'refused');
    const base = [
      'backup',
      'restore',
      backupFile,
      '--into',
      target,
      '--pin-file',
      home.config.pkcs11.pinFile,
    ];
    const both = await restorers();
    const alone = runShomei(base, {
      ...both,
      SHOMEI_APPROVER_EMAIL: both.SHOMEI_OPERATOR_EMAIL!.toUpperCase(),
    });
    assert.equal(alone.status, 1);
    assert.match(alone.stderr, /SHOMEI_RESTORE_NEEDS_TWO_OPERATORS/);

    mkdirSync(target);
    writeFileSync(path.join(target, 'keep.txt'), 'x');
    const busy = runShomei(base, both);
    assert.match(busy.stderr, /SHOMEI_RESTORE_TARGET_NOT_EMPTY/);
    assert.deepEqual(readFileSync(path.join(target, 'keep.txt'), 'utf8'), 'x');
    rmSync(target, { recursive: true });

    const tampered = path.join(work, 'bad-data-byte.backup');
    const bad = runShomei(
      ['backup', 'restore', tampered, '--into', target, '--pin-file', home.config.pkcs11.pinFile],
      both,
    );
    assert.match(bad.stderr, /SHOMEI_BACKUP_INVALID/);
    assert.ok(!existsSync(target));

    const noPins = runShomei(['backup', 'restore', backupFile, '--into', target], both);
    assert.match(noPins.stderr, /SHOMEI_RESTORE_PIN_FILE_REQUIRED/);
    assert.ok(!existsSync(target));
  });

  test('a production instance refuses a development backup', async () => {
    const target = path.join(work, 'prod-restore');
    const result = runShomei(
      ['backup', 'restore', backupFile, '--into', target, '--pin-file', home.config.pkcs11.pinFile],
      {
        ...(await restorers()),
        SHOMEI_ENV: 'production',
        SHOMEI_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
        SHOMEI_SMTP_URL: 'smtp://127.0.0.1:2525',
      },
    );
    assert.equal(result.status, 1);
    assert.match(result.stderr, /SHOMEI_ENVIRONMENT_MISMATCH/);
    assert.match(result.stderr, /backup was made for the development environment/);
    assert.ok(!existsSync(target));
  });

  test('backup → wipe → restore: the key signs again, data is back, later changes and destructions are not undone, the audit chain verifies', async () => {
    copyFileSync(home.config.pkcs11.pinFile, pinCopy);
    await generateKey('after-backup');
    // Destroyed after the backup, through dual control; the destruction log outside the home records it.
    const live = await openShomei(loadConfig({ ...home.env }), createLogger({ level: 'silent' }));
    try {
      const asked = await live.admin.dualControl.request(
        'key.destroy',
        { keyId: doomed.id, reason: 'retired' },
        team.system_administrator.userId,
      );
      await live.admin.dualControl.approve(asked.id, team.security_officer.userId);
      // The contract is deleted on a lawful request (dual control); its document is crypto-shredded.
      operatorConsole(live);
      const deletion = await live.admin.dualControl.request(
        LAWFUL_DELETION_KIND,
        { envelopeId: contract.envelopeId, reason: '本人からの削除請求', basis: '個人情報保護法 35条' },
        team.system_administrator.userId,
      );
      await live.admin.dualControl.approve(deletion.id, team.security_officer.userId);
      assert.match((await downloadDocument(live)).body, /SHOMEI_DOCUMENT_DELETED/);
    } finally {
      await live.close();
    }
    assert.match(readFileSync(destructionLog, 'utf8'), new RegExp(`"id":"${doomed.id}"`));
    assert.match(
      readFileSync(destructionLog, 'utf8'),
      new RegExp(`"kind":"document","id":"${contract.documentId}"`),
    );
    rmSync(home.home, { recursive: true, force: true });

    // A log that does not parse refuses the restore before anything is written.
    const badLog = path.join(work, 'bad-log.jsonl');
    writeFileSync(badLog, '{"kind":"key","id":"../../etc"}\n');
    const refused = runShomei(
      [
        'backup',
        'restore',
        backupFile,
        '--into',
        home.home,
        '--pin-file',
        pinCopy,
        '--destruction-log',
        badLog,
      ],
      await restorers(),
    );
    assert.match(refused.stderr, /SHOMEI_DESTRUCTION_LOG_INVALID/);
    assert.ok(!existsSync(home.home), 'nothing restored');

    const restored = json<{
      installationId: string;
      auditChain: { ok: boolean; records: number };
      destructionsReapplied: { keys: string[]; documents: string[] };
    }>(
      runShomei(
        ['backup', 'restore', backupFile, '--into', home.home, '--pin-file', pinCopy],
        await restorers(),
      ),
    );
    assert.deepEqual(restored.destructionsReapplied.keys, [doomed.id]);
    assert.deepEqual(restored.destructionsReapplied.documents, [contract.documentId]);
    // pkcs11-tool, not our code, lists the restored token: the key destroyed after the backup is not in it.
    const objects = listTokenObjects(home);
    assert.match(objects, /label:\s+before-backup/);
    assert.doesNotMatch(objects, /doomed-after-backup/);
    assert.equal(restored.installationId, installationId);
    assert.equal(restored.auditChain.ok, true);
    assert.ok(restored.auditChain.records > 0);
    const record = JSON.parse(readFileSync(path.join(home.home, 'restore-record.json'), 'utf8'));
    assert.equal(record.operator, team.system_administrator.email);
    assert.equal(record.approvedBy, team.security_officer.email);

    const shomei = await openShomei(loadConfig({ ...home.env }), createLogger({ level: 'silent' }));
    try {
      assert.equal(shomei.installationId, installationId);
      const digest = createHash('sha256').update('restored').digest();
      // Restored installations are passive until two people promote them (ADR 027).
      await assert.rejects(shomei.crypto.signDigest(key.id, digest, { digestAlgorithm: 'SHA-256' }), {
        code: 'SHOMEI_INSTALLATION_PASSIVE',
      });
      operatorConsole(shomei);
      const asked = await shomei.admin.dualControl.request(
        'installation.promote',
        {},
        team.system_administrator.userId,
      );
      await shomei.admin.dualControl.approve(asked.id, team.security_officer.userId);
      const signature = await shomei.crypto.signDigest(key.id, digest, { digestAlgorithm: 'SHA-256' });
      const publicKey = createPublicKey({
        key: Buffer.from(key.publicKey, 'base64'),
        format: 'der',
        type: 'spki',
      });
      assert.ok(verify('sha256', Buffer.from('restored'), { key: publicKey, dsaEncoding: 'der' }, signature));
      // The shredded document stays gone: the HTTP API answers with the typed code, no content.
      const download = await downloadDocument(shomei);
      assert.equal(download.statusCode, 410, download.body);
      assert.match(download.body, /SHOMEI_DOCUMENT_DELETED/);
      assert.doesNotMatch(download.body, /%PDF/);
      // …and its sealed content key and ciphertext are not in the restored database.
      const document = await shomei.contracts.context.db
        .selectFrom('contract_documents')
        .select(['status', 'sealed_key'])
        .where('id', '=', contract.documentId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(document, { status: 'shredded', sealed_key: null });
      const versions = await shomei.contracts.context.db
        .selectFrom('contract_document_versions')
        .select('data')
        .where('document_id', '=', contract.documentId)
        .execute();
      assert.ok(versions.length > 0 && versions.every((v) => v.data === null));
      const labels = (await shomei.crypto.listKeys()).map((k) => k.label);
      assert.ok(labels.includes('before-backup'));
      assert.ok(!labels.includes('after-backup'), 'a key made after the backup is not in the restored token');
      const restoreEvents = await shomei.database.db
        .selectFrom('audit_events' as never)
        .selectAll()
        .where('type' as never, '=', 'backup.restore' as never)
        .execute();
      assert.equal(restoreEvents.length, 1);
    } finally {
      await shomei.close();
    }
  });
});
