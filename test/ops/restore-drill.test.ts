/**
 * The restore drill (issue #22, ADR 027): a backup restored into a new home while the original still
 * runs comes up passive — /readyz says so, its TSA refuses, `shomei sign` fails with a typed error —
 * and becomes live only when a system administrator asks and a second person approves
 * (`installation.promote`). Timestamps are judged by openssl, the signed PDF by pdfsig.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { loadConfig } from '../../src/config/index.ts';
import { writeSamplePdf } from '../ades/sample-pdf.ts';
import { makeTestHome, type TestHome } from '../helpers/home.ts';
import { credentialsEnv, makeTeam, type TeamRole, type TestOperator } from '../helpers/operators.ts';
import { run, runShomei } from '../helpers/run.ts';
import { type RunningShomei, startShomei } from './helpers.ts';

const original = makeTestHome();
const work = `${original.home}-drill`;
const restoredDir = path.join(work, 'restored');
const restoredEnv = { SHOMEI_HOME: restoredDir, SHOMEI_LOG_LEVEL: 'silent' };
/** The restored installation as a test home (credentialsEnv needs only `home` and `env`). */
const restored: TestHome = {
  home: restoredDir,
  env: restoredEnv,
  config: loadConfig({ ...restoredEnv }),
  remove: () => rmSync(restoredDir, { recursive: true, force: true }),
};
let team: Record<TeamRole, TestOperator>;
/** Session environments on the restored installation (one login each: no wait for fresh codes). */
const on = (role: TeamRole): Record<string, string> => ({
  ...restoredEnv,
  SHOMEI_OPERATOR_SESSION:
    role === 'system_operator'
      ? team.system_operator.env.SHOMEI_OPERATOR_SESSION!
      : path.join(work, `session-${role}`),
});
let originalServer: RunningShomei | undefined;
let restoredServer: RunningShomei | undefined;

function json<T>(result: { status: number; stdout: string; stderr: string }): T {
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

/** A refused command: exit 1 and `shomei: SHOMEI_…: message` on stderr. */
function refusal(result: { status: number; stderr: string }): { code: string } {
  assert.equal(result.status, 1, result.stderr);
  const code = /shomei: (SHOMEI_[A-Z0-9_]+):/.exec(result.stderr)?.[1];
  assert.ok(code !== undefined, result.stderr);
  return { code };
}

/** An RFC 3161 query for `name`, sent to a server's /tsa; openssl reads the reply. */
async function timestamp(server: RunningShomei, name: string): Promise<{ reply: string; text: string }> {
  const data = path.join(work, `${name}.txt`);
  const query = path.join(work, `${name}.tsq`);
  const reply = path.join(work, `${name}.tsr`);
  writeFileSync(data, `restore drill ${name}`);
  assert.equal(run('openssl', ['ts', '-query', '-data', data, '-sha256', '-cert', '-out', query]).status, 0);
  const response = await fetch(`${server.address}/tsa`, {
    method: 'POST',
    headers: { 'content-type': 'application/timestamp-query' },
    body: readFileSync(query),
  });
  writeFileSync(reply, Buffer.from(await response.arrayBuffer()));
  const text = run('openssl', ['ts', '-reply', '-in', reply, '-text']);
  assert.equal(text.status, 0, text.stderr);
  return { reply, text: text.stdout };
}

async function readyz(server: RunningShomei): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${server.address}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The restore's two people: the administrator restores, the security officer approves. */
async function restorers(): Promise<Record<string, string>> {
  const operator = await credentialsEnv(original, team.system_administrator);
  const approver = await credentialsEnv(original, team.security_officer);
  return {
    ...operator,
    SHOMEI_APPROVER_EMAIL: approver.SHOMEI_OPERATOR_EMAIL!,
    SHOMEI_APPROVER_PASSWORD: approver.SHOMEI_OPERATOR_PASSWORD!,
    SHOMEI_APPROVER_TOTP: approver.SHOMEI_OPERATOR_TOTP!,
  };
}

before(async () => {
  mkdirSync(work, { recursive: true });
  json(runShomei(['init'], original.env));
  const roles: TeamRole[] = ['security_officer', 'system_administrator', 'system_operator'];
  // The operator logs in now (the session travels in the backup); the two restorers keep their
  // next codes for the restore itself.
  team = await makeTeam(original, roles, {}, ['security_officer', 'system_administrator']);
  writeSamplePdf(path.join(work, 'in.pdf'));
});

after(async () => {
  await originalServer?.stop();
  await restoredServer?.stop();
  original.remove();
  rmSync(work, { recursive: true, force: true });
});

describe('restore drill: passive until a dual-controlled promotion', () => {
  test('a backup restored into a new home beside the live original is passive: not ready, no timestamp, no signature', async () => {
    const backupFile = path.join(work, 'drill.backup');
    json(runShomei(['backup', 'create', '-o', backupFile], team.system_operator.env));
    const result = json<{ mode: string; auditChain: { ok: boolean } }>(
      runShomei(
        [
          'backup',
          'restore',
          backupFile,
          '--into',
          restoredDir,
          '--pin-file',
          original.config.pkcs11.pinFile,
        ],
        await restorers(),
      ),
    );
    assert.equal(result.mode, 'passive');
    assert.equal(result.auditChain.ok, true);
    for (const role of ['system_administrator', 'security_officer'] as const) {
      json(runShomei(['admin', 'login'], { ...(await credentialsEnv(restored, team[role])), ...on(role) }));
    }

    originalServer = await startShomei(original.env);
    restoredServer = await startShomei(restoredEnv);
    const live = await readyz(originalServer);
    assert.equal(live.status, 200, JSON.stringify(live.body));
    assert.equal(live.body.mode, 'active');
    const passive = await readyz(restoredServer);
    assert.equal(passive.status, 503);
    assert.equal(passive.body.mode, 'passive');
    assert.equal((passive.body.checks as Record<string, string>).installation, 'passive');

    assert.match((await timestamp(originalServer, 'original')).text, /Status: Granted\./);
    const refused = await timestamp(restoredServer, 'passive');
    assert.match(refused.text, /Status: Rejected\./);
    assert.match(refused.text, /system failure/i);

    const signed = path.join(work, 'passive-signed.pdf');
    const sign = runShomei(
      ['sign', path.join(work, 'in.pdf'), '-o', signed, '--level', 'B-B'],
      on('system_operator'),
    );
    assert.equal(refusal(sign).code, 'SHOMEI_INSTALLATION_PASSIVE');
    assert.match(sign.stderr, /passive/);
    assert.ok(!existsSync(signed), 'nothing is written');
  });

  test('one person cannot promote: the officer may not ask, the administrator may not approve their own request', async () => {
    const officerAsks = runShomei(['backup', 'promote'], on('security_officer'));
    assert.equal(refusal(officerAsks).code, 'SHOMEI_FORBIDDEN');
    const asked = json<{ request: { id: string; status: string } }>(
      runShomei(['backup', 'promote'], on('system_administrator')),
    );
    assert.equal(asked.request.status, 'pending');
    const self = runShomei(['admin', 'approve', asked.request.id], on('system_administrator'));
    assert.match(refusal(self).code, /SHOMEI_/);
    assert.equal((await readyz(restoredServer!)).body.mode, 'passive', 'still passive');

    const approved = json<{ status: string; outcome: { mode: string } }>(
      runShomei(['admin', 'approve', asked.request.id], on('security_officer')),
    );
    assert.equal(approved.status, 'approved');
    assert.equal(approved.outcome.mode, 'active');
    const again = runShomei(['backup', 'promote'], on('system_administrator'));
    assert.equal(refusal(again).code, 'SHOMEI_INSTALLATION_NOT_PASSIVE');
  });

  test('promoted: the running server becomes ready and timestamps, shomei sign signs, the audit trail holds both people', async () => {
    const ready = await readyz(restoredServer!);
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    assert.equal(ready.body.mode, 'active');

    const granted = await timestamp(restoredServer!, 'promoted');
    assert.match(granted.text, /Status: Granted\./);
    const pem = (url: string, name: string) => {
      const der = path.join(work, `${name}.der`);
      return fetch(url)
        .then(async (r) => writeFileSync(der, Buffer.from(await r.arrayBuffer())))
        .then(() => run('openssl', ['x509', '-inform', 'DER', '-in', der]).stdout);
    };
    const root = path.join(work, 'root.pem');
    const chain = path.join(work, 'chain.pem');
    writeFileSync(root, await pem(`${restoredServer!.address}/pki/ca/root.crt`, 'root'));
    writeFileSync(
      chain,
      (await pem(`${restoredServer!.address}/pki/ca/issuing.crt`, 'issuing')) +
        (await pem(`${restoredServer!.address}/tsa/certificate`, 'tsa')),
    );
    const verified = run('openssl', [
      'ts',
      '-verify',
      '-in',
      granted.reply,
      '-queryfile',
      path.join(work, 'promoted.tsq'),
      '-CAfile',
      root,
      '-untrusted',
      chain,
    ]);
    assert.equal(verified.status, 0, verified.stderr + verified.stdout);

    await restoredServer!.stop();
    restoredServer = undefined;
    const signed = path.join(work, 'promoted-signed.pdf');
    json(
      runShomei(['sign', path.join(work, 'in.pdf'), '-o', signed, '--level', 'B-B'], on('system_operator')),
    );
    const pdfsig = run('pdfsig', [signed]);
    assert.match(pdfsig.stdout, /Signature Validation: Signature is Valid\./);

    assert.equal(json<{ ok: boolean }>(runShomei(['audit', 'verify'], restoredEnv)).ok, true);
    const db = new SQLite(path.join(restoredDir, 'shomei.db'), { readonly: true });
    try {
      const rows = db
        .prepare(
          "select type, actor_id, outcome, details from audit_events where type like 'admin.approval.%' and details like '%installation.promote%' order by seq",
        )
        .all() as { type: string; actor_id: string; outcome: string }[];
      const successes = rows.filter((r) => r.outcome === 'success');
      assert.deepEqual(
        successes.map((r) => [r.type, r.actor_id]),
        [
          ['admin.approval.request', team.system_administrator.userId],
          ['admin.approval.approve', team.security_officer.userId],
        ],
      );
      assert.ok(
        rows.some((r) => r.outcome === 'failure'),
        'the refused attempts are recorded too',
      );
    } finally {
      db.close();
    }
  });
});
