/** `shomei rssp …` commands on a fresh installation (development: certificates from the embedded CA at once). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makeTestHome, type TestHome } from '../helpers/home.ts';
import { runShomei } from '../helpers/run.ts';

let home: TestHome;

before(() => {
  home = makeTestHome();
  const init = runShomei(['init'], home.env);
  assert.equal(init.status, 0, init.stderr);
});
after(() => {
  home.remove();
});

function shomei(args: string[]): Record<string, unknown> {
  const r = runShomei(args, home.env);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

test('register a client system, create, list and revoke a credential', () => {
  const client = shomei([
    'rssp',
    'register-client',
    '--name',
    'SCA',
    '--redirect-uri',
    'https://sca.example.jp/cb',
    '--operator',
    'op-1',
  ]);
  assert.match(client.clientId as string, /^client-[0-9a-f]{32}$/);
  assert.match(client.clientSecret as string, /^[A-Za-z0-9_-]{43}$/);
  const created = shomei([
    'rssp',
    'create-credential',
    '--user',
    'user-1',
    '--subject',
    'CN=山田 太郎, C=JP',
  ]);
  assert.equal(created.status, 'active');
  assert.match(created.certificateSerial as string, /^[0-9a-f]+$/);
  const list = shomei(['rssp', 'list-credentials', '--user', 'user-1']);
  assert.deepEqual(
    (list.credentials as { credentialID: string }[]).map((c) => c.credentialID),
    [created.credentialID],
  );
  const revoked = shomei([
    'rssp',
    'revoke-credential',
    '--credential',
    created.credentialID as string,
    '--operator',
    'op-1',
  ]);
  assert.equal(revoked.status, 'revoked');
  assert.equal(revoked.keyDestroyed, true);
  const bad = runShomei(
    ['rssp', 'create-credential', '--user', 'u', '--subject', 'CN=x', '--algorithm', 'DSA'],
    home.env,
  );
  assert.equal(bad.status, 1);
});
