/**
 * Issue #19, a passkey instead of an authenticator app, in Chromium with a virtual authenticator
 * (CDP WebAuthn): at the first login the person chooses 「パスキーを登録する」, the browser creates the
 * credential for the server's public origin, and the next login offers 「パスキーでログイン」 and
 * completes with it, no code typed. The server's origin check stays as it is: the harness starts the
 * server with its real address as SHOMEI_PUBLIC_URL (http://localhost:<port>).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, type E2e, openE2e, PASSWORD } from './harness.ts';

let e2e: E2e;
before(async () => {
  e2e = await openE2e({}, { host: 'localhost' });
});
after(async () => {
  await e2e?.close();
});

describe('a passkey chosen at enrolment', () => {
  it('registers a passkey at the first login and signs in with it', async () => {
    const { user } = await createUser(e2e.shomei, {
      email: 'kato@passkey.example',
      tenantSlug: 'passkey-a',
      company: '株式会社パスキー',
      familyName: '加藤',
      givenName: '恵',
      enrolTotp: false,
    });
    const { context, page } = await e2e.newPage('ja');
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });

    const passwordStep = async () => {
      await page.goto('/login');
      await page.getByLabel('メールアドレス').fill(user.email);
      await page.getByLabel('パスワード').fill(PASSWORD);
      await page.getByRole('button', { name: '次へ' }).click();
    };

    // ---- first login: the enrolment offers the passkey next to the authenticator app ----
    await passwordStep();
    await page.getByText('2 つ目の確認方法を選んでください。').waitFor();
    await page.getByRole('img', { name: '認証アプリで読み取る QR コード' }).waitFor();
    await page.getByRole('button', { name: 'パスキーを登録する' }).click();
    await page.waitForURL('**/envelopes');
    // The browser holds one credential, bound to the server's public host; the server lists it.
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.equal(credentials.length, 1);
    assert.equal(credentials[0]!.rpId, 'localhost');
    const listed = (await page.evaluate(async () => (await fetch('/api/auth/passkeys')).json())) as {
      passkeys: { name: string }[];
    };
    assert.deepEqual(
      listed.passkeys.map((p) => p.name),
      ['ログイン用パスキー'],
    );

    // ---- logged out, the next login offers the passkey and completes with it ----
    await page.getByRole('button', { name: 'ログアウト' }).click();
    await page.waitForURL('**/login');
    await passwordStep();
    await page.getByRole('button', { name: 'パスキーでログイン' }).click();
    await page.waitForURL('**/envelopes');
    const session = (await page.evaluate(async () => (await fetch('/api/auth/session')).json())) as {
      authenticated: boolean;
      assurance: string;
      methods: string[];
    };
    assert.deepEqual(
      [session.authenticated, session.assurance, session.methods],
      [true, 'aal2', ['password', 'passkey']],
    );
    const { credentials: after } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    assert.ok(after[0]!.signCount > credentials[0]!.signCount, 'the passkey signed the login');
  });
});
