/**
 * Alerts (JT2A 7.1.4): each rule is triggered by the events that should trigger it (and not by the
 * normal flow), is stored with the event ids behind it, and reaches the administrators' mail outbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Shomei } from '../../src/app/index.ts';
import { type Alert, AlertMonitor, type AuditParameters } from '../../src/audit/index.ts';
import { OutboxMailer } from '../../src/mail/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';

/** Working hours that exclude the present moment in Tokyo, so every privileged action now is "outside". */
function hoursExcludingNow(): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Tokyo',
    hour: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date());
  const hour = Number(parts.find((p) => p.type === 'hour')!.value);
  const start = (hour + 3) % 24;
  const end = (hour + 5) % 24;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(start)}:00-${pad(end === 0 ? 24 : end)}:00`;
}

describe('alerts over the audit stream', () => {
  let shomei: Shomei & TestHome;
  let raised: Alert[] = [];

  before(async () => {
    shomei = await openTestShomei({
      SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0',
      SHOMEI_ALERT_MAIL_TO: 'security@example.jp,admin@example.jp',
      SHOMEI_ALERT_BUSINESS_HOURS: hoursExcludingNow(),
      SHOMEI_ALERT_RATE: '5/60',
    });
    // Start from a clean cursor: what open() itself recorded is not part of these cases.
    await shomei.audit.alerts.scan();
  });
  after(async () => {
    await shomei.close();
  });

  const append = (event: Parameters<Shomei['audit']['trail']['appendAuditEvent']>[0]) =>
    shomei.audit.trail.appendAuditEvent(event);
  const byRule = (rule: string) => raised.filter((a) => a.rule === rule);

  it('privileged action outside working hours', async () => {
    const first = await append({
      type: 'key.destroy',
      actor: { kind: 'operator', id: 'op-night' },
      subject: { kind: 'key', id: 'k1' },
      outcome: 'success',
    });
    await append({ type: 'document.view', actor: { kind: 'user', id: 'signer-1' }, outcome: 'success' });
    const second = await append({
      type: 'admin.role.grant',
      actor: { kind: 'operator', id: 'op-night' },
      subject: { kind: 'user', id: 'u9' },
      outcome: 'success',
    });
    raised = await shomei.audit.alerts.scan();
    const alerts = byRule('outside-hours');
    // One alert for the actor's night session, naming each action.
    assert.equal(alerts.length, 1);
    assert.deepEqual(alerts[0]!.eventIds, [first.eventId, second.eventId]);
    assert.equal(alerts[0]!.actorId, 'op-night');
  });

  it('abnormal rate: N events of one type by one actor within T seconds, once per burst', async () => {
    const events = [];
    for (let i = 0; i < 7; i++) {
      events.push(
        await append({
          type: 'credential.list',
          actor: { kind: 'client-system', id: 'sca-bot' },
          outcome: 'success',
        }),
      );
    }
    // Other actors at a human pace raise nothing.
    await append({
      type: 'credential.list',
      actor: { kind: 'client-system', id: 'sca-ok' },
      outcome: 'success',
    });
    raised = await shomei.audit.alerts.scan();
    const alerts = byRule('abnormal-rate');
    assert.equal(alerts.length, 1);
    assert.deepEqual(
      alerts[0]!.eventIds,
      events.slice(0, 5).map((e) => e.eventId),
    );
  });

  it('duplicate concurrent sessions of one user, but not after a logout', async () => {
    const first = await append({
      type: 'auth.login',
      actor: { kind: 'user', id: 'alice' },
      subject: { kind: 'session', id: 's-1' },
      outcome: 'success',
    });
    const second = await append({
      type: 'auth.login',
      actor: { kind: 'user', id: 'alice' },
      subject: { kind: 'session', id: 's-2' },
      outcome: 'success',
      source: '203.0.113.9',
    });
    await append({
      type: 'auth.login',
      actor: { kind: 'user', id: 'bob' },
      subject: { kind: 'session', id: 's-3' },
      outcome: 'success',
    });
    await append({
      type: 'auth.logout',
      actor: { kind: 'user', id: 'bob' },
      subject: { kind: 'session', id: 's-3' },
      outcome: 'success',
    });
    await append({
      type: 'auth.login',
      actor: { kind: 'user', id: 'bob' },
      subject: { kind: 'session', id: 's-4' },
      outcome: 'success',
    });
    raised = await shomei.audit.alerts.scan();
    const alerts = byRule('duplicate-session');
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.actorId, 'alice');
    assert.deepEqual(alerts[0]!.eventIds, [first.eventId, second.eventId]);
  });

  it('signing that skipped its activation step (signature.create without sad.issue)', async () => {
    await append({
      type: 'sad.issue',
      actor: { kind: 'user', id: 'carol' },
      subject: { kind: 'credential', id: 'cred-ok' },
      outcome: 'success',
    });
    await append({
      type: 'signature.create',
      actor: { kind: 'user', id: 'carol' },
      subject: { kind: 'credential', id: 'cred-ok' },
      outcome: 'success',
    });
    const skipped = await append({
      type: 'signature.create',
      actor: { kind: 'client-system', id: 'sca-x' },
      subject: { kind: 'credential', id: 'cred-bypass' },
      outcome: 'success',
    });
    raised = await shomei.audit.alerts.scan();
    const alerts = byRule('skipped-step');
    assert.equal(alerts.length, 1);
    assert.deepEqual(alerts[0]!.eventIds, [skipped.eventId]);
  });

  it('audit write failure is raised at once, though the event never reached the chain', async () => {
    // Simulate a failing disk for one event type.
    await sql
      .raw(
        `create trigger simulate_write_failure before insert on audit_events when new.type = 'key.use' begin select raise(abort, 'disk I/O error'); end`,
      )
      .execute(shomei.audit.trail.db);
    const head = await shomei.audit.trail.head();
    await assert.rejects(
      append({ type: 'key.use', actor: { kind: 'user', id: 'dave' }, outcome: 'success' }),
      (e: { code?: string }) => e.code === 'SHOMEI_AUDIT_WRITE_FAILED',
    );
    await sql`drop trigger simulate_write_failure`.execute(shomei.audit.trail.db);
    assert.deepEqual(await shomei.audit.trail.head(), head);
    const alerts = await shomei.audit.alerts.list({ rule: 'audit-write-failure' });
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]!.actorId, 'dave');
    assert.ok(alerts[0]!.notifiedAt !== null);
  });

  it('every alert is stored, listed and mailed to each administrator', async () => {
    const stored = await shomei.audit.alerts.list({ limit: 1000 });
    for (const rule of [
      'outside-hours',
      'abnormal-rate',
      'duplicate-session',
      'skipped-step',
      'audit-write-failure',
    ]) {
      assert.ok(
        stored.some((a) => a.rule === rule && a.notifiedAt !== null),
        `${rule} not stored and notified`,
      );
    }
    assert.ok(shomei.mailer instanceof OutboxMailer);
    const mails = await shomei.mailer.list(1000);
    for (const rule of [
      'outside-hours',
      'abnormal-rate',
      'duplicate-session',
      'skipped-step',
      'audit-write-failure',
    ]) {
      // Each alert of the rule goes to each administrator once (init's key ceremony, recorded as
      // key.generate, is itself a privileged action outside these hours, so it raises one too).
      const sent = mails.filter((m) => m.subject.includes(rule));
      const alertsOfRule = stored.filter((a) => a.rule === rule).length;
      assert.ok(alertsOfRule >= 1, rule);
      const expected = Array.from({ length: alertsOfRule }, () => [
        'admin@example.jp',
        'security@example.jp',
      ]);
      assert.deepEqual(sent.map((m) => m.to).sort(), expected.flat().sort(), rule);
    }
    // A rescan raises nothing twice.
    assert.deepEqual(await shomei.audit.alerts.scan(), []);
  });

  it('delivers through any AlertNotifier and keeps the alert when delivery fails', async () => {
    const delivered: Alert[] = [];
    const params: AuditParameters = {
      ...shomei.audit.parameters.current,
      rateLimit: { events: 2, seconds: 60 },
    };
    const failing = new AlertMonitor(shomei.audit.trail, () => params, {
      async notify() {
        throw new Error('SMTP down');
      },
    });
    const recording = new AlertMonitor(shomei.audit.trail, () => params, {
      async notify(alert) {
        delivered.push(alert);
      },
    });
    await append({
      type: 'signature.create',
      actor: { kind: 'user', id: 'erin' },
      subject: { kind: 'credential', id: 'c-erin' },
      outcome: 'success',
    });
    const kept = await failing.scan();
    assert.equal(kept.length, 1);
    assert.equal(
      (await shomei.audit.alerts.list({ rule: 'skipped-step' })).find((a) => a.id === kept[0]!.id)
        ?.notifiedAt,
      null,
    );
    await append({
      type: 'signature.create',
      actor: { kind: 'user', id: 'frank' },
      subject: { kind: 'credential', id: 'c-frank' },
      outcome: 'success',
    });
    await recording.scan();
    assert.equal(delivered.length, 1);
    assert.equal(delivered[0]!.rule, 'skipped-step');
  });
});
