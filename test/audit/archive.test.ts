/**
 * Checkpoints and archives checked by outside validators (openssl dgst / openssl ts), offline archive
 * verification that catches any changed byte, and pruning that leaves a verifiable chain.
 */
import assert from 'node:assert/strict';
import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { initialise, openShomei, type Shomei } from '../../src/app/index.ts';
import { verifyAuditArchive } from '../../src/audit/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { makeTestHome, type TestHome } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';
import { type OpensslTsa, startOpensslTsa } from './helpers/openssl-tsa.ts';

const sha256 = (data: string | Buffer): Buffer => createHash('sha256').update(data).digest();

describe('checkpoints, archives and pruning', () => {
  let home: TestHome;
  let shomei: Shomei;
  let tsa: OpensslTsa;
  /** When set, the TSA does not answer (an outage during an export). */
  let tsaDown = false;

  before(async () => {
    tsa = startOpensslTsa();
    // Retention 0 (development only): records of this run are past the floor, so prune can be tested.
    home = makeTestHome({ SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0', SHOMEI_RETENTION_YEARS: '0' });
    await initialise(home.config);
    shomei = await openShomei(home.config, createLogger({ level: 'silent' }), {
      auditTimestamper: {
        timestamp: (digest) => (tsaDown ? Promise.reject(new Error('TSA down')) : tsa.timestamp(digest)),
      },
    });
    for (let i = 0; i < 30; i++) {
      await shomei.audit.trail.append({
        type: i % 2 === 0 ? 'sad.issue' : 'signature.create',
        actor: { kind: 'user', id: `user-${i % 4}` },
        subject: { kind: 'credential', id: `cred-${Math.floor(i / 2)}` },
        outcome: 'success',
        source: '192.0.2.10',
        details: { documentSha256: sha256(String(i)).toString('hex'), pin: 'never-stored' },
      });
    }
  });
  after(async () => {
    await shomei.close();
    home.remove();
    tsa.remove();
  });

  it('signs a checkpoint in the HSM that openssl verifies, with a timestamp openssl ts verifies', async () => {
    const checkpoint = (await shomei.audit.checkpointer.checkpoint('manual'))!;
    assert.equal(checkpoint.payload.throughSeq, (await shomei.audit.trail.head()).seq);
    const dir = home.home;
    const publicPem = createPublicKey({ key: checkpoint.publicKey, format: 'der', type: 'spki' }).export({
      type: 'spki',
      format: 'pem',
    });
    writeFileSync(path.join(dir, 'checkpoint.pub.pem'), publicPem);
    writeFileSync(path.join(dir, 'checkpoint.json'), checkpoint.payloadText);
    writeFileSync(path.join(dir, 'checkpoint.sig'), checkpoint.signature);
    const verified = run('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      path.join(dir, 'checkpoint.pub.pem'),
      '-signature',
      path.join(dir, 'checkpoint.sig'),
      path.join(dir, 'checkpoint.json'),
    ]);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stdout, /Verified OK/);
    const ts = tsa.verify(checkpoint.timestampToken!, sha256(checkpoint.payloadText));
    assert.equal(ts.status, 0, ts.output);
    const result = await shomei.audit.verify();
    assert.equal(result.ok, true);
    assert.ok(result.checkpoints.timestamped >= 1);
  });

  it('exports an archive that verifies offline, with openssl agreeing on signature and timestamp, and no secrets', async () => {
    const file = path.join(home.home, 'archive.jsonl');
    const exported = await shomei.audit.exportArchive(file, { throughSeq: 20 }, 'auditor-1');
    assert.equal(exported.verification.ok, true, exported.verification.problems.join('; '));
    await assert.rejects(
      shomei.audit.exportArchive(file, {}, 'auditor-1'),
      (e: { code?: string }) => e.code === 'SHOMEI_AUDIT_EXPORT_EXISTS',
    );
    await assert.rejects(
      shomei.audit.exportArchive(
        path.join(home.home, 'empty.jsonl'),
        { from: '2001-01-01', to: '2001-01-02' },
        'auditor-1',
      ),
      (e: { code?: string }) => e.code === 'SHOMEI_AUDIT_EXPORT_EMPTY',
    );
    const text = readFileSync(file, 'utf8');
    assert.equal(text.includes('never-stored'), false);
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 21);
    const { signed, signature } = JSON.parse(lines.at(-1)!) as {
      signed: {
        manifest: {
          range: { fromSeq: number; throughSeq: number };
          archivedAt: string;
          signer: { publicKey: string };
        };
        timestampToken: string;
      };
      signature: string;
    };
    const trailer = { manifest: signed.manifest, timestampToken: signed.timestampToken, signature };
    assert.deepEqual([trailer.manifest.range.fromSeq, trailer.manifest.range.throughSeq], [1, 20]);
    assert.match(trailer.manifest.archivedAt, /Z$/);
    // Outside check of the manifest signature with the public key the archive carries.
    const { canonicalJson } = await import('../../src/audit/index.ts');
    const manifestText = canonicalJson(trailer.manifest);
    writeFileSync(path.join(home.home, 'manifest.json'), canonicalJson(signed));
    writeFileSync(path.join(home.home, 'manifest.sig'), Buffer.from(trailer.signature, 'base64'));
    writeFileSync(
      path.join(home.home, 'manifest.pub.pem'),
      createPublicKey({
        key: Buffer.from(trailer.manifest.signer.publicKey, 'base64'),
        format: 'der',
        type: 'spki',
      }).export({
        type: 'spki',
        format: 'pem',
      }),
    );
    const dgst = run('openssl', [
      'dgst',
      '-sha256',
      '-verify',
      path.join(home.home, 'manifest.pub.pem'),
      '-signature',
      path.join(home.home, 'manifest.sig'),
      path.join(home.home, 'manifest.json'),
    ]);
    assert.equal(dgst.status, 0, dgst.stderr);
    const ts = tsa.verify(Buffer.from(trailer.timestampToken, 'base64'), sha256(manifestText));
    assert.equal(ts.status, 0, ts.output);
  });

  it('detects one changed byte anywhere in the archive', () => {
    const file = path.join(home.home, 'archive.jsonl');
    const original = readFileSync(file);
    assert.equal(verifyAuditArchive(file).ok, true);
    const tampered = path.join(home.home, 'tampered.jsonl');
    // Every 31st byte across the whole file: records, manifest, signature and timestamp token.
    let checked = 0;
    for (let offset = 0; offset < original.length; offset += 31) {
      const copy = Buffer.from(original);
      const byte = copy[offset]!;
      copy[offset] = byte === 0x41 ? 0x42 : byte === 0x0a ? 0x20 : 0x41;
      if (copy.equals(original)) continue;
      writeFileSync(tampered, copy);
      const result = verifyAuditArchive(tampered);
      assert.equal(
        result.ok,
        false,
        `change at byte ${offset} (${String.fromCharCode(byte)}) went unnoticed`,
      );
      checked++;
    }
    assert.ok(checked > 40);
  });

  it('names the first bad record when a record line was changed and the hashes recomputed by hand', async () => {
    const file = path.join(home.home, 'archive.jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const record = JSON.parse(lines[4]!) as { actor: { id: string } };
    record.actor.id = 'mallory';
    const { canonicalJson } = await import('../../src/audit/index.ts');
    lines[4] = canonicalJson(record);
    const tampered = path.join(home.home, 'tampered-record.jsonl');
    writeFileSync(tampered, `${lines.join('\n')}\n`);
    const result = verifyAuditArchive(tampered);
    assert.equal(result.ok, false);
    assert.deepEqual([result.firstBreak?.seq, result.firstBreak?.reason], [5, 'hash-mismatch']);
  });

  it('judges hostile timestamp tokens without throwing', async () => {
    const { verifyTimestampToken } = await import('../../src/audit/index.ts');
    const digest = sha256('manifest');
    const token = await tsa.timestamp(digest);
    assert.ok('genTime' in verifyTimestampToken(token, digest));
    assert.match((verifyTimestampToken(token, sha256('other')) as { problem: string }).problem, /other data/);
    for (const bad of [
      Buffer.alloc(0),
      Buffer.from('30800000', 'hex'),
      Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
      token.subarray(0, 40),
    ]) {
      assert.ok('problem' in verifyTimestampToken(bad, digest));
    }
    // A token whose time was changed (imprint intact) no longer verifies: its signature binds it.
    const altered = Buffer.from(token);
    const at = altered.indexOf(Buffer.from(`${new Date().getUTCFullYear()}`)) + 5;
    altered[at] = altered[at] === 0x31 ? 0x32 : 0x31;
    assert.match((verifyTimestampToken(altered, digest) as { problem: string }).problem, /altered|signature/);
  });

  it('refuses unusable archive files without throwing', () => {
    const cases: [string, string | Buffer][] = [
      ['empty', ''],
      ['garbage', 'not json at all\n'],
      ['no newline', '{"a":1}'],
      ['wrong format', '{"manifest":{"format":"other"},"signature":"","timestampToken":null}\n'],
      [
        'hostile manifest',
        '{"manifest":{"format":"shomei-audit-archive/1","signer":7},"signature":"AA==","timestampToken":null}\n',
      ],
      ['binary', Buffer.from([0xff, 0xfe, 0x00, 0x0a])],
    ];
    for (const [name, content] of cases) {
      const file = path.join(home.home, `bad-${name.replace(' ', '-')}.jsonl`);
      writeFileSync(file, content);
      const result = verifyAuditArchive(file);
      assert.equal(result.ok, false, name);
      assert.ok(result.problems.length > 0 || result.firstBreak !== null, name);
    }
    assert.equal(verifyAuditArchive(path.join(home.home, 'missing.jsonl')).ok, false);
  });

  it('prunes only an exported and verified range, leaving a chain that still verifies', async () => {
    await assert.rejects(
      shomei.audit.prune(25, 'auditor-1'),
      (e: { code?: string }) => e.code === 'SHOMEI_AUDIT_PRUNE_NOT_ARCHIVED',
    );
    await assert.rejects(
      shomei.audit.prune('20', 'auditor-1'),
      (e: { code?: string }) => e.code === 'SHOMEI_AUDIT_PRUNE_INVALID',
    );
    const result = await shomei.audit.prune(20, 'auditor-1');
    assert.equal(result.deleted, 20);
    assert.equal(await shomei.audit.trail.get(20), undefined);
    const verification = await shomei.audit.verify();
    assert.equal(verification.ok, true, JSON.stringify(verification));
    assert.equal(verification.firstSeq, 21);
    // Rows above the anchor are still protected.
    await assert.rejects(
      sql`delete from audit_events where seq = 21`.execute(shomei.audit.trail.db),
      /APPEND_ONLY/,
    );
    // The archive of the pruned range still verifies on its own.
    assert.equal(verifyAuditArchive(path.join(home.home, 'archive.jsonl')).ok, true);
  });

  it('an archive without a timestamp fails verification, and its range cannot be pruned', async () => {
    tsaDown = true;
    try {
      const file = path.join(home.home, 'untimestamped.jsonl');
      const exported = await shomei.audit.exportArchive(file, { fromSeq: 21, throughSeq: 26 }, 'auditor-1');
      assert.equal(exported.verification.ok, false);
      assert.ok(exported.verification.problems.includes('manifest has no timestamp'));
      assert.equal(verifyAuditArchive(file).ok, false);
      await assert.rejects(
        shomei.audit.prune(26, 'auditor-1'),
        (e: { code?: string }) => e.code === 'SHOMEI_AUDIT_PRUNE_NOT_ARCHIVED',
      );
      assert.ok(await shomei.audit.trail.get(21));
    } finally {
      tsaDown = false;
    }
  });
});
