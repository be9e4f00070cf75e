/**
 * Mail: SMTP delivery to a real listener on loopback with Japanese and English text intact; unsafe
 * messages refused; the development outbox stored in the database and shown at /dev/outbox; no
 * outbox outside development.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import type { Kysely } from 'kysely';
import type { Shomei } from '../../src/app/index.ts';
import {
  activationMail,
  createMailer,
  devOutboxRoutes,
  type MailTables,
  OutboxMailer,
  SmtpMailer,
} from '../../src/mail/index.ts';
import { buildServer, handleError } from '../../src/server/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { SmtpListener } from '../helpers/smtp-listener.ts';

describe('mail', () => {
  let smtp: SmtpListener;
  let mailer: SmtpMailer;
  let shomei: Shomei & TestHome;

  before(async () => {
    smtp = new SmtpListener();
    mailer = new SmtpMailer({ url: await smtp.start(), from: '署名 shomei <no-reply@shomei.example>' });
    shomei = await openTestShomei();
  });
  after(async () => {
    await mailer.close();
    await smtp.stop();
    await shomei.close();
  });

  test('SMTP delivers a bilingual activation mail with the link intact', async () => {
    const link = 'https://shomei.example/activate#token=abcDEF_123-xyz';
    await mailer.send(
      activationMail({
        to: 'yamada@example.co.jp',
        displayName: '山田 太郎',
        link,
        expiresAt: '2026-11-24T00:00:00.000Z',
        serviceName: 'shomei',
      }),
    );
    const mail = await smtp.waitFor('yamada@example.co.jp', /アカウントの有効化 \/ Activate your account/);
    assert.equal(mail.from, 'no-reply@shomei.example');
    assert.match(mail.text, /山田 太郎 様/);
    assert.match(mail.text, /Dear 山田 太郎,/);
    assert.ok(mail.text.includes(link));
    assert.match(mail.raw, /^From: .*no-reply@shomei\.example/m);
  });

  test('a message with header injection, a bad recipient or no text is refused before sending', async () => {
    const before = smtp.received.length;
    const bad = [
      { to: 'victim@example.jp', subject: 'hello\r\nBcc: everyone@example.jp', text: 'x' },
      { to: 'not an address', subject: 'hello', text: 'x' },
      { to: 'a@example.jp\r\nBcc: b@example.jp', subject: 'hello', text: 'x' },
      { to: 'a@example.jp', subject: 'hello', text: '' },
      { to: 'a@example.jp', subject: 'x'.repeat(201), text: 'x' },
    ];
    for (const message of bad) {
      await assert.rejects(mailer.send(message), /SHOMEI_MAIL_MESSAGE_INVALID/);
    }
    assert.equal(smtp.received.length, before);
  });

  test('an unreachable SMTP server gives SHOMEI_MAIL_DELIVERY_FAILED without the credentials', async () => {
    const unreachable = new SmtpMailer({ url: 'smtp://user:s3cret-pass@127.0.0.1:1', from: 'x@example.jp' });
    await assert.rejects(
      unreachable.send({ to: 'a@example.jp', subject: 'hi', text: 'hi' }),
      (error: Error & { code?: string; details?: object }) =>
        error.code === 'SHOMEI_MAIL_DELIVERY_FAILED' &&
        !error.message.includes('s3cret-pass') &&
        !JSON.stringify(error.details).includes('s3cret-pass'),
    );
    await unreachable.close();
  });

  test('development without SMTP uses the outbox; other environments need SMTP', () => {
    const outbox = createMailer({ smtpUrl: undefined, from: 'x@example.jp' }, 'development', shomei.database);
    assert.equal(outbox.kind, 'outbox');
    assert.throws(
      () => createMailer({ smtpUrl: undefined, from: 'x@example.jp' }, 'production', shomei.database),
      (e: Error & { details?: { setting?: string } }) => e.details?.setting === 'SHOMEI_SMTP_URL',
    );
    assert.equal(
      createMailer({ smtpUrl: 'smtp://127.0.0.1:2525', from: 'x@example.jp' }, 'production', shomei.database)
        .kind,
      'smtp',
    );
  });

  test('the outbox stores mail in the database and GET /dev/outbox shows it as JSON and HTML', async () => {
    const outbox = new OutboxMailer(shomei.database.db as unknown as Kysely<MailTables>);
    await outbox.send({ to: 'dev@example.jp', subject: 'テスト <script>', text: '本文 <b>bold</b> & more' });
    const app = Fastify();
    app.setErrorHandler(handleError);
    await app.register(devOutboxRoutes, { outbox });
    const json = await app.inject({ method: 'GET', url: '/dev/outbox' });
    assert.equal(json.statusCode, 200);
    const messages = (JSON.parse(json.body) as { messages: { to: string; subject: string; text: string }[] })
      .messages;
    assert.equal(messages[0]?.to, 'dev@example.jp');
    assert.equal(messages[0]?.text, '本文 <b>bold</b> & more');
    const html = await app.inject({ method: 'GET', url: '/dev/outbox', headers: { accept: 'text/html' } });
    assert.match(String(html.headers['content-type']), /text\/html/);
    assert.ok(html.body.includes('テスト &#60;script&#62;'), 'content is escaped');
    assert.ok(!html.body.includes('<script>'));
    assert.match(String(html.headers['content-security-policy']), /default-src 'none'/);
    const limited = await app.inject({ method: 'GET', url: '/dev/outbox?limit=abc' });
    assert.equal(limited.statusCode, 200, 'a bad query falls back to the defaults');
    await app.close();
  });

  test('the assembled development server serves /dev/outbox and the identity routes', async () => {
    const app = await buildServer(shomei);
    try {
      const outbox = await app.inject({ method: 'GET', url: '/dev/outbox?format=json' });
      assert.equal(outbox.statusCode, 200);
      const session = await app.inject({ method: 'GET', url: '/api/auth/session' });
      assert.deepEqual(JSON.parse(session.body), { authenticated: false });
      const applied = await app.inject({
        method: 'POST',
        url: '/api/applications',
        payload: {
          organisationName: '開発 株式会社',
          user: {
            email: 'dev.user@example.jp',
            displayName: '開発 花子',
            familyName: '開発',
            givenName: '花子',
          },
        },
      });
      assert.equal(applied.statusCode, 201, applied.body);
      const after = JSON.parse((await app.inject({ method: 'GET', url: '/dev/outbox' })).body) as {
        messages: { to: string }[];
      };
      assert.ok(
        after.messages.some((m) => m.to === 'dev.user@example.jp'),
        'the receipt mail is in the outbox',
      );
    } finally {
      await app.close();
    }
  });
});
