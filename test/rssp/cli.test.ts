/** `shomei rssp …` commands on a fresh installation (development: certificates from the embedded CA at once). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makeTestHome, type TestHome } from '../helpers/home.ts';
import { makeTeam, type TeamRole, type TestOperator } from '../helpers/operators.ts';
import { runShomei } from '../helpers/run.ts';

let home: TestHome;
let team: Record<TeamRole, TestOperator>;

before(async () => {
  home = makeTestHome();
  const init = runShomei(['init'], home.env);
  assert.equal(init.status, 0, init.stderr);
  team = await makeTeam(home, ['security_officer', 'system_administrator', 'system_operator']);
});
after(() => {
  home.remove();
});

function shomei(args: string[], as: TeamRole = 'system_operator'): Record<string, unknown> {
  const r = runShomei(args, team[as].env);
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
  // Revocation destroys the key: the operator asks, a second person approves.
  const asked = shomei(['rssp', 'revoke-credential', '--credential', created.credentialID as string]);
  const request = asked.request as { id: string; status: string };
  assert.equal(request.status, 'pending');
  const still = shomei(['rssp', 'list-credentials', '--user', 'user-1']);
  assert.equal((still.credentials as { status: string }[])[0]?.status, 'active');
  const revoked = shomei(['admin', 'approve', request.id], 'security_officer');
  assert.deepEqual(revoked.outcome, {
    credentialId: created.credentialID,
    status: 'revoked',
    keyDestroyed: true,
  });
  const bad = runShomei(
    ['rssp', 'create-credential', '--user', 'u', '--subject', 'CN=x', '--algorithm', 'DSA'],
    team.system_operator.env,
  );
  assert.equal(bad.status, 1);
  const anonymous = runShomei(['rssp', 'register-client', '--name', 'X'], {
    ...home.env,
    SHOMEI_OPERATOR_SESSION: `${home.home}/no-session`,
  });
  assert.match(anonymous.stderr, /SHOMEI_OPERATOR_UNAUTHENTICATED/);
});
