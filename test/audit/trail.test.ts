import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Shomei } from '../../src/app/index.ts';
import { canonicalJson, isSecretKey } from '../../src/audit/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';

describe('audit trail (SQLite)', () => {
  let shomei: Shomei & TestHome;
  before(async () => {
    shomei = await openTestShomei({ SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0' });
  });
  after(async () => {
    await shomei.close();
  });

  it('appends records with UTC time, actor, subject, outcome, source and a linked hash', async () => {
    const trail = shomei.audit.trail;
    const first = await trail.appendAuditEvent({
      type: 'key.generate',
      actor: { kind: 'operator', id: 'op-1' },
      subject: { kind: 'key', id: 'k1' },
      outcome: 'success',
      source: '127.0.0.1',
      details: { algorithm: 'EC-P256' },
    });
    const second = await trail.appendAuditEvent({
      type: 'signature.create',
      actor: { kind: 'client-system', id: 'sca-1', tenantId: 't1' },
      outcome: 'failure',
    });
    assert.match(first.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(second.seq, first.seq + 1);
    assert.equal(second.prevHash, first.hash);
    assert.match(first.hash, /^[0-9a-f]{64}$/);
    const stored = await trail.get(first.seq);
    assert.deepEqual(stored, first);
    const result = await shomei.audit.verify();
    assert.equal(result.ok, true, JSON.stringify(result.firstBreak));
    assert.equal(result.firstBreak, null);
  });

  it('strips secret-looking detail keys at any depth and key material values, naming what it removed', async () => {
    const record = await shomei.audit.trail.appendAuditEvent({
      type: 'credential.authorize',
      actor: { kind: 'user', id: 'u1' },
      outcome: 'success',
      details: {
        credentialId: 'c1',
        pin: '123456',
        userPIN: '9999',
        otp: '654321',
        SAD: 'sad-value',
        password: 'hunter2',
        nested: { access_token: 'tok-value-1', clientSecret: 'x', keyId: 'k1', privateKeyPem: 'p' },
        note: '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----',
        hashes: ['ab', 'cd'],
      },
    });
    const text = canonicalJson(record.details);
    for (const secret of ['123456', '9999', '654321', 'sad-value', 'hunter2', 'tok-value-1', 'MIIB']) {
      assert.equal(text.includes(secret), false, `${secret} leaked: ${text}`);
    }
    assert.equal((record.details.nested as Record<string, unknown>).keyId, 'k1');
    assert.equal(record.details.credentialId, 'c1');
    assert.deepEqual(record.details.redactedKeys, [
      'pin',
      'userPIN',
      'otp',
      'SAD',
      'password',
      'nested.access_token',
      'nested.clientSecret',
      'nested.privateKeyPem',
    ]);
    const row = await shomei.audit.trail.db
      .selectFrom('audit_events')
      .select('details')
      .where('seq', '=', record.seq)
      .executeTakeFirstOrThrow();
    assert.equal(row.details.includes('hunter2'), false);
  });

  it('records a detail key holding undefined exactly as an absent key (no entry, no redaction)', async () => {
    const event = {
      type: 'credential.authorize',
      actor: { kind: 'user', id: 'u1' },
      outcome: 'success',
    } as const;
    const absent = await shomei.audit.trail.appendAuditEvent({
      ...event,
      details: { credentialId: 'c1', nested: { keyId: 'k1' } },
    });
    const undefinedKeys = await shomei.audit.trail.appendAuditEvent({
      ...event,
      details: {
        credentialId: 'c1',
        pin: undefined,
        note: undefined,
        nested: { keyId: 'k1', otp: undefined },
      },
    });
    assert.deepEqual(undefinedKeys.details, absent.details);
    assert.equal(canonicalJson(undefinedKeys.details), '{"credentialId":"c1","nested":{"keyId":"k1"}}');
    const rows = await shomei.audit.trail.db
      .selectFrom('audit_events')
      .select(['seq', 'details'])
      .where('seq', 'in', [absent.seq, undefinedKeys.seq])
      .orderBy('seq')
      .execute();
    assert.equal(rows[0]?.details, rows[1]?.details);
    assert.equal((await shomei.audit.verify()).ok, true);
  });

  it('tells secret keys from identifiers', () => {
    for (const key of [
      'pin',
      'newPin',
      'sessionId',
      'totpSeed',
      'sad',
      'refresh_token',
      'keyMaterial',
      'apiKey',
    ]) {
      assert.equal(isSecretKey(key), true, key);
    }
    for (const key of [
      'keyId',
      'credentialId',
      'userId',
      'certificateSerial',
      'documentSha256',
      'sessionRef',
    ]) {
      assert.equal(isSecretKey(key), false, key);
    }
  });

  it('refuses malformed and hostile events with SHOMEI_AUDIT_EVENT_INVALID and writes nothing', async () => {
    const trail = shomei.audit.trail;
    const before = await trail.head();
    const bad: unknown[] = [
      null,
      { type: 'Key Generate', actor: { kind: 'user', id: 'u' }, outcome: 'success' },
      { type: 'x'.repeat(101), actor: { kind: 'user', id: 'u' }, outcome: 'success' },
      { type: 'a.b', actor: { kind: 'root', id: 'u' }, outcome: 'success' },
      { type: 'a.b', actor: { kind: 'user', id: '' }, outcome: 'success' },
      { type: 'a.b', actor: { kind: 'user', id: 'u\n{"forged":true}' }, outcome: 'success' },
      { type: 'a.b', actor: { kind: 'user', id: 'u' }, outcome: 'maybe' },
      { type: 'a.b', actor: { kind: 'user', id: 'u' }, outcome: 'success', details: [] },
      {
        type: 'a.b',
        actor: { kind: 'user', id: 'u' },
        outcome: 'success',
        details: { big: 'x'.repeat(20000) },
      },
      { type: 'a.b', actor: { kind: 'user', id: 'u' }, outcome: 'success', details: { n: Number.NaN } },
      {
        type: 'a.b',
        actor: { kind: 'user', id: 'u' },
        outcome: 'success',
        details: { raw: Buffer.from('k') },
      },
      { type: 'a.b', actor: { kind: 'user', id: 'u' }, outcome: 'success', source: 's'.repeat(200) },
    ];
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 20; i++) {
      deep.d = {};
      deep = deep.d as Record<string, unknown>;
    }
    bad.push({ type: 'a.b', actor: { kind: 'user', id: 'u' }, outcome: 'success', details: root });
    for (const event of bad) {
      await assert.rejects(
        trail.appendAuditEvent(event as never),
        (error: { code?: string }) => error.code === 'SHOMEI_AUDIT_EVENT_INVALID',
        JSON.stringify(event)?.slice(0, 80),
      );
    }
    assert.deepEqual(await trail.head(), before);
  });

  it("appends inside a caller's transaction: committed together or not at all", async () => {
    const trail = shomei.audit.trail;
    const before = await trail.head();
    await assert.rejects(
      trail.db.transaction().execute(async (trx) => {
        await trail.appendWithin(trx, {
          type: 'envelope.create',
          actor: { kind: 'user', id: 'u1' },
          outcome: 'success',
        });
        throw new Error('the recorded change failed');
      }),
      /recorded change failed/,
    );
    assert.deepEqual(await trail.head(), before);
    const record = await trail.db.transaction().execute((trx) =>
      trail.appendWithin(trx, {
        type: 'envelope.create',
        actor: { kind: 'user', id: 'u1' },
        outcome: 'success',
      }),
    );
    assert.equal(record.seq, before.seq + 1);
    assert.deepEqual(await trail.get(record.seq), record);
    assert.equal((await shomei.audit.verify()).ok, true);
  });

  it('refuses UPDATE and DELETE of audit rows in the database', async () => {
    const db = shomei.audit.trail.db;
    await shomei.audit.checkpointer.checkpoint('manual');
    await assert.rejects(
      sql`update audit_events set actor_id = 'mallory' where seq = 1`.execute(db),
      /APPEND_ONLY/,
    );
    await assert.rejects(sql`delete from audit_events where seq = 1`.execute(db), /APPEND_ONLY/);
    await assert.rejects(sql`delete from audit_checkpoints`.execute(db), /APPEND_ONLY/);
    assert.equal((await shomei.audit.verify()).ok, true);
  });
});
