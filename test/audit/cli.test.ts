/** The `shomei audit` commands as an operator uses them: verify, search, export, offline verify, prune. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { makeTestHome, type TestHome } from '../helpers/home.ts';
import { makeTeam, type TeamRole, type TestOperator } from '../helpers/operators.ts';
import { runShomei } from '../helpers/run.ts';

describe('shomei audit (CLI)', () => {
  let home: TestHome;
  let team: Record<TeamRole, TestOperator>;
  // Retention 0 (development only) so that this run's records are past the floor and can be pruned.
  const settings = { SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0', SHOMEI_RETENTION_YEARS: '0' };
  const shomei = (...args: string[]) => runShomei(args, { ...home.env, ...settings });
  const as = (who: TeamRole, ...args: string[]) => runShomei(args, { ...team[who].env, ...settings });

  before(async () => {
    home = makeTestHome();
    const init = shomei('init');
    assert.equal(init.status, 0, init.stderr);
    team = await makeTeam(home, ['security_officer', 'system_administrator', 'system_auditor'], settings);
  });
  after(() => home.remove());

  it('verifies the chain, and searches by type as JSON lines', () => {
    const verify = shomei('audit', 'verify');
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(JSON.parse(verify.stdout).ok, true);
    const search = as('system_auditor', 'audit', 'search', '--type', 'audit.*');
    assert.equal(search.status, 0, search.stderr);
    const lines = search.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; hash: string });
    assert.ok(lines.length >= 2);
    assert.ok(lines.every((l) => l.type.startsWith('audit.') && /^[0-9a-f]{64}$/.test(l.hash)));
    const bad = as('system_auditor', 'audit', 'search', '--from', 'last tuesday');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /SHOMEI_AUDIT_SEARCH_INVALID/);
  });

  it('exports an archive that verifies offline; a changed byte fails with the reason', () => {
    const file = path.join(home.home, 'export.jsonl');
    const exported = as('system_auditor', 'audit', 'export', '-o', file, '--through-seq', '4');
    assert.equal(exported.status, 0, exported.stderr);
    assert.equal(JSON.parse(exported.stdout).verified, true);
    // Offline: no data directory at all.
    const offline = runShomei(['audit', 'verify', '--archive', file], {
      SHOMEI_HOME: path.join(home.home, 'nowhere'),
    });
    assert.equal(offline.status, 0, offline.stderr);
    assert.equal(JSON.parse(offline.stdout).range.throughSeq, 4);
    const bytes = readFileSync(file);
    bytes[20] = bytes[20] === 0x61 ? 0x62 : 0x61;
    const tampered = path.join(home.home, 'tampered.jsonl');
    writeFileSync(tampered, bytes);
    const refused = runShomei(['audit', 'verify', '--archive', tampered], {});
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /SHOMEI_AUDIT_VERIFY_FAILED/);
    assert.equal(JSON.parse(refused.stdout).ok, false);
  });

  it('prunes the exported range once a second person approves, and refuses bad input', () => {
    assert.equal(as('system_administrator', 'audit', 'prune', '--through', 'abc').status, 1);
    const lastSeq = (JSON.parse(shomei('audit', 'verify').stdout) as { lastSeq: number }).lastSeq;
    assert.ok(lastSeq > 5);
    const notExported = as('system_administrator', 'audit', 'prune', '--through', String(lastSeq));
    assert.equal(notExported.status, 1);
    assert.match(notExported.stderr, /SHOMEI_AUDIT_PRUNE_NOT_ARCHIVED/);
    const asked = as('system_administrator', 'audit', 'prune', '--through', '4');
    assert.equal(asked.status, 0, asked.stderr);
    const request = JSON.parse(asked.stdout).request as { id: string; status: string };
    assert.equal(request.status, 'pending');
    assert.equal(JSON.parse(shomei('audit', 'verify').stdout).firstSeq, 1);
    const pruned = as('system_auditor', 'admin', 'approve', request.id);
    assert.equal(pruned.status, 0, pruned.stderr);
    assert.equal(JSON.parse(pruned.stdout).outcome.deleted, 4);
    const verify = shomei('audit', 'verify');
    assert.equal(verify.status, 0, verify.stdout);
    assert.equal(JSON.parse(verify.stdout).firstSeq, 5);
  });

  it('names the first broken record when a DBA edits the database behind its back', () => {
    const db = new SQLite(path.join(home.home, 'shomei.db'));
    db.exec('drop trigger audit_events_no_update');
    db.prepare("update audit_events set outcome = 'failure' where seq = 6").run();
    db.close();
    const verify = shomei('audit', 'verify');
    assert.equal(verify.status, 1);
    const report = JSON.parse(verify.stdout) as { firstBreak: { seq: number; reason: string } };
    assert.deepEqual([report.firstBreak.seq, report.firstBreak.reason], [6, 'hash-mismatch']);
    assert.match(verify.stderr, /SHOMEI_AUDIT_VERIFY_FAILED.*record 6/);
  });
});
