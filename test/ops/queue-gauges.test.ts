/**
 * The mail queue, certificate renewal queue and HSM session pool gauges in /metrics (issue #22),
 * scraped as Prometheus text: mail waiting for a real (held) SMTP relay counts in the queue until
 * the relay answers; a renewal waiting for the RA counts until it is decided; the HSM pool reports
 * its open and idle sessions. A passive installation's mailer sends nothing (ADR 027).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SMTPServer } from 'smtp-server';
import type { Shomei } from '../../src/app/index.ts';
import { SmtpMailer } from '../../src/mail/index.ts';
import { holdMailWhilePassive, instrumentMailer, OperatingMode } from '../../src/ops/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { openDatabase } from '../../src/store/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';

/** An SMTP relay that keeps each message's final answer until the test releases it. */
class HeldRelay {
  readonly held: Array<() => void> = [];
  received = 0;
  private arrived: Array<() => void> = [];
  readonly server = new SMTPServer({
    authOptional: true,
    hideSTARTTLS: true,
    disableReverseLookup: true,
    logger: false,
    onData: (stream, _session, callback) => {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        this.received += 1;
        this.held.push(() => callback());
        for (const wake of this.arrived.splice(0)) wake();
      });
    },
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  /** Resolves once `count` messages have reached the relay (delivery events, not time). */
  async reached(count: number): Promise<void> {
    while (this.received < count) await new Promise<void>((resolve) => this.arrived.push(resolve));
  }
}

let shomei: Shomei & TestHome;
let app: FastifyInstance;
const relay = new HeldRelay();
let relayUrl: string;

before(async () => {
  shomei = await openTestShomei();
  app = await buildServer(shomei);
  relayUrl = await relay.start();
});

after(async () => {
  await app.close();
  await shomei.close();
  await new Promise<void>((resolve) => relay.server.close(() => resolve()));
});

/** The value of `name{labels…}` in the scraped text (every series also carries service="shomei"). */
async function gauge(series: string): Promise<number | undefined> {
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  const [name, labels] = series.split('{') as [string, string];
  const line = response.body
    .split('\n')
    .find((l) => l.startsWith(`${name}{${labels.slice(0, -1)},service="shomei"} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

const MAIL = 'shomei_queue_depth{queue="mail"}';
const RENEWAL = 'shomei_queue_depth{queue="renewal"}';

/** An active account of a new tenant, as the RA's approval and the holder's renewal need. */
async function activeUser(slug: string) {
  const { accounts, applications } = shomei.identity;
  const tenant = await accounts.createTenant({ slug, name: `${slug} 株式会社` });
  const user = await accounts.createUser({
    tenantId: tenant.id,
    email: `${slug}@example.jp`,
    displayName: slug,
    familyName: '加藤',
    givenName: '一郎',
  });
  const { token } = await applications.issueActivationToken(user.id);
  return shomei.identity.activate(token, 'correct horse battery staple 署名', {});
}
const message = (n: number) => ({ to: `person${n}@example.jp`, subject: `queued ${n}`, text: 'hello' });

describe('queue and pool gauges', () => {
  test('mail waiting for the relay is the mail queue; it drains when the relay answers', async () => {
    const mailer = instrumentMailer(new SmtpMailer({ url: relayUrl, from: 'shomei@example.jp' }));
    try {
      assert.equal(await gauge(MAIL), 0);
      const sends = [mailer.send(message(1)), mailer.send(message(2))];
      await relay.reached(2);
      assert.equal(await gauge(MAIL), 2);
      relay.held.shift()!();
      await Promise.race(sends);
      assert.equal(await gauge(MAIL), 1);
      relay.held.shift()!();
      await Promise.all(sends);
      assert.equal(await gauge(MAIL), 0);
    } finally {
      await mailer.close();
    }
  });

  test('a certificate renewal waiting for the RA is the renewal queue; a first application is not', async () => {
    const { applications } = shomei.rssp;
    const holder = await activeUser('renewal-holder');
    const ra = await activeUser('renewal-ra');
    const who = { userId: holder.id, tenantId: holder.tenantId };
    const identityCheck = { identityCheck: { method: 'in-person', reference: 'RA-1' } };
    const first = await applications.apply(who, { commonName: 'Kato Ichiro' });
    assert.equal(await gauge(RENEWAL), 0, 'a first application is no renewal');
    await applications.approve(first.id, ra.id, identityCheck);
    const renewal = await applications.renew(who, first.credentialId, {});
    assert.equal(await gauge(RENEWAL), 1);
    await applications.approve(renewal.id, ra.id, identityCheck);
    assert.equal(await gauge(RENEWAL), 0);
  });

  test('the HSM session pool reports its open and idle sessions and nobody waiting', async () => {
    const total = await gauge('shomei_pool_connections{pool="hsm",state="total"}');
    assert.equal(total, shomei.crypto.sessionCount);
    assert.ok(total! >= 1);
    assert.equal(await gauge('shomei_pool_connections{pool="hsm",state="idle"}'), total);
    assert.equal(await gauge('shomei_pool_connections{pool="hsm",state="waiting"}'), 0);
  });

  test('a passive installation sends no mail: a typed refusal, nothing reaches the relay', async () => {
    const url = `sqlite:${path.join(shomei.home, 'passive.db')}`;
    const database = openDatabase(url);
    try {
      await database.db.schema
        .createTable('installation_mode')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('mode', 'text')
        .addColumn('changed_at', 'text')
        .addColumn('reason', 'text')
        .addColumn('request_id', 'text')
        .execute();
      await database.db
        .withTables<{ installation_mode: { id: string; mode: string; changed_at: string; reason: string } }>()
        .insertInto('installation_mode')
        .values({ id: 'current', mode: 'passive', changed_at: new Date().toISOString(), reason: 'restored' })
        .execute();
      const mode = new OperatingMode(database);
      assert.equal(await mode.refresh(), 'passive');
      const before = relay.received;
      const mailer = holdMailWhilePassive(
        instrumentMailer(new SmtpMailer({ url: relayUrl, from: 'shomei@example.jp' })),
        mode,
      );
      await assert.rejects(mailer.send(message(3)), { code: 'SHOMEI_INSTALLATION_PASSIVE' });
      await mailer.close();
      assert.equal(relay.received, before);
      assert.equal(await gauge(MAIL), 0);
    } finally {
      await database.close();
    }
  });
});
