/**
 * Renewing the embedded TSA (`shomei tsa renew`): new tokens name the new certificate, tokens and a
 * PDF timestamped before still validate, the old key is gone from the HSM and marked destroyed in the
 * key registry, and the expiry check warns through the audit alert.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openShomei, type Shomei } from '../../src/app/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { certificateFacts, parseCertificate, toPem } from '../../src/pki/index.ts';
import { checkTimestampToken } from '../../src/tsa/index.ts';
import { writeSamplePdf } from '../ades/sample-pdf.ts';
import { opensslTsVerify } from '../ades/validators.ts';
import { makeTestHome, softHsmEnv } from '../helpers/home.ts';
import { makeTeam, type TeamRole, type TestOperator } from '../helpers/operators.ts';
import { run, runShomei } from '../helpers/run.ts';

const home = makeTestHome();
let shomei: Shomei;
let team: Record<TeamRole, TestOperator>;
const file = (name: string) => path.join(home.home, name);

/** A token for `data` from the in-process TSA, written to disk with the data it covers. */
async function stamp(name: string): Promise<{ token: string; data: string; serial: string }> {
  const data = file(`${name}.txt`);
  writeFileSync(data, `contract ${name}\n`);
  const digest = createHash('sha256').update(`contract ${name}\n`).digest();
  const token = await shomei.tsa.timestamp(digest, 'SHA-256');
  writeFileSync(file(`${name}.tst`), token);
  const checked = checkTimestampToken(token, { digest, digestAlgorithm: 'SHA-256' });
  const serial = certificateFacts(parseCertificate(checked.tsaCertificate)).serialNumber;
  return { token: file(`${name}.tst`), data, serial };
}

function writePem(name: string, ders: readonly Buffer[]): string {
  writeFileSync(file(name), ders.map((d) => toPem(d, 'CERTIFICATE')).join(''));
  return file(name);
}

function cli(args: string[]): unknown {
  const result = runShomei(args, home.env);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

before(async () => {
  assert.equal(runShomei(['init'], home.env).status, 0);
  team = await makeTeam(home, ['security_officer', 'system_administrator']);
  shomei = await openShomei(home.config, createLogger({ level: 'silent' }));
});
after(async () => {
  await shomei.close();
  home.remove();
});

describe('shomei tsa renew', () => {
  test('new tokens name the new certificate; old tokens, a PDF signed before and the key registry stay right', async () => {
    const root = writePem('root.pem', [await shomei.ca.certificate('root')]);
    const oldCertificate = await shomei.tsa.certificate();
    const before = await stamp('before');
    writeSamplePdf(file('in.pdf'), { pages: 1 });
    const signed = runShomei(
      ['sign', file('in.pdf'), '-o', file('signed.pdf'), '--level', 'B-LT'],
      team.system_administrator.env,
    );
    assert.equal(signed.status, 0, signed.stderr);
    const oldStatus = await shomei.tsa.status();
    assert.equal(oldStatus.retired.length, 0);

    // One person cannot renew alone: generating a provider key is under dual control.
    const asked = runShomei(['tsa', 'renew'], team.system_administrator.env);
    assert.equal(asked.status, 0, asked.stderr);
    const requestId = (JSON.parse(asked.stdout) as { request: { id: string } }).request.id;
    const alone = runShomei(['admin', 'approve', requestId], team.system_administrator.env);
    assert.equal(alone.status, 1);
    assert.match(alone.stderr, /SHOMEI_APPROVAL_SELF/);
    assert.equal((await shomei.tsa.status()).serialNumber, oldStatus.serialNumber);

    const approved = runShomei(['admin', 'approve', requestId], team.security_officer.env);
    assert.equal(approved.status, 0, approved.stderr);
    const outcome = (JSON.parse(approved.stdout) as { outcome: Record<string, string> }).outcome;
    const renewal = {
      previous: { serialNumber: outcome.previousCertificate!, keyId: oldStatus.keyId },
      current: { serialNumber: outcome.certificate!, keyId: outcome.keyId! },
      previousKey: outcome.previousKey,
    };
    assert.equal(renewal.previous.serialNumber, oldStatus.serialNumber);
    assert.notEqual(renewal.current.serialNumber, renewal.previous.serialNumber);
    assert.equal(renewal.previousKey, 'destroyed');

    // This process loaded the old key before the renewal; it switches to the new one by itself.
    const afterRenewal = await stamp('after');
    assert.equal(afterRenewal.serial, renewal.current.serialNumber);
    assert.equal(before.serial, renewal.previous.serialNumber);
    const chain = await shomei.ca.chain();
    const newCertificate = await shomei.tsa.certificate();
    const withNew = opensslTsVerify(
      afterRenewal.token,
      { data: afterRenewal.data },
      root,
      writePem('new-untrusted.pem', [newCertificate, ...chain]),
    );
    assert.equal(withNew.status, 0, withNew.output);
    const withOld = opensslTsVerify(
      before.token,
      { data: before.data },
      root,
      writePem('old-untrusted.pem', [oldCertificate, ...chain]),
    );
    assert.equal(withOld.status, 0, withOld.output);
    // Every certificate the TSA ever used stays available to validators.
    assert.deepEqual(
      (await shomei.tsa.certificates()).map((c) => c.equals(oldCertificate)),
      [false, true],
    );

    const verified = runShomei(['verify', file('signed.pdf'), '--json'], home.env);
    assert.equal(verified.status, 0, verified.stdout + verified.stderr);
    assert.equal((JSON.parse(verified.stdout) as { indication: string }).indication, 'TOTAL_PASSED');

    const objects = run(
      'pkcs11-tool',
      [
        '--module',
        home.config.pkcs11.modulePath,
        '--list-objects',
        '--token-label',
        'shomei',
        '--login',
        '--pin',
        readPin(),
      ],
      { env: softHsmEnv(home.home) },
    ).stdout;
    assert.match(objects, /label:\s+shomei-dev-tsa-\d{8}/);
    assert.doesNotMatch(objects, new RegExp(`ID:\\s+${renewal.previous.keyId}\\b`, 'i'));
    assert.match(objects, new RegExp(`ID:\\s+${renewal.current.keyId}\\b`, 'i'));
    const records = await shomei.keys.list();
    const oldRecord = records.find((r) => r.key_id === renewal.previous.keyId);
    const newRecord = records.find((r) => r.key_id === renewal.current.keyId);
    assert.equal(oldRecord?.status, 'destroyed');
    assert.match(oldRecord?.destroy_reason ?? '', /retired by renewal/);
    assert.equal(newRecord?.status, 'active');
    assert.equal(newRecord?.purpose, 'tsa');

    const status = cli(['tsa', 'status']) as {
      serialNumber: string;
      retired: Array<{ serialNumber: string }>;
    };
    assert.equal(status.serialNumber, renewal.current.serialNumber);
    assert.deepEqual(
      status.retired.map((r) => r.serialNumber),
      [renewal.previous.serialNumber],
    );
    const events = await shomei.audit.search({ type: 'tsa.renew' });
    assert.equal(events.length, 1);
    assert.equal(events[0]!.actor.id, team.system_administrator.userId);
    assert.equal(events[0]!.details.approvedBy, team.security_officer.userId);
  });

  test('the expiry check warns once a day through an expiry-warning alert', async () => {
    const quiet = await shomei.tsa.checkExpiry(90);
    assert.equal(quiet.warned, false);
    assert.ok(quiet.daysLeft > 1000);
    const near = cli(['tsa', 'check', '--days', '3000']) as {
      warned: boolean;
      alerts: Array<{ en: string }>;
    };
    assert.equal(near.warned, true);
    assert.match(near.alerts[0]!.en, /Expiring soon: TSA certificate [0-9a-f]+ .*shomei tsa renew/);
    const again = await shomei.tsa.checkExpiry(3000);
    assert.equal(again.warned, false);
  });
});

function readPin(): string {
  return (JSON.parse(readFileSync(home.config.pkcs11.pinFile, 'utf8')) as { userPin: string }).userPin;
}
