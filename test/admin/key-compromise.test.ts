/**
 * The key-compromise procedure as a command (PS 3.6.1, ADR 035): `shomei keys compromise` needs an
 * authenticated operator, waits for a second person, then revokes, re-keys, destroys and notifies.
 * Judged from outside: pkcs11-tool for the token, openssl crl / verify -crl_check for the revocation;
 * a second run is a no-op, and a run cut short (mail server down) is finished by running it again.
 * The public notice (/policies/notices, HTML and JSON) is read anonymously: one per incident, no secrets.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openShomei, type Shomei } from '../../src/app/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { OutboxMailer } from '../../src/mail/index.ts';
import { toPem } from '../../src/pki/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { makeTestHome, type TestHome } from '../helpers/home.ts';
import { makeTeam, type TeamRole, type TestOperator } from '../helpers/operators.ts';
import { run, runShomei } from '../helpers/run.ts';
import { listTokenObjects } from '../helpers/token.ts';

interface Progress {
  state: string;
  request: { id: string; status: string; outcome: { steps: Record<string, Record<string, unknown>> } | null };
}

describe('shomei keys compromise', () => {
  let home: TestHome;
  let team: Record<TeamRole, TestOperator>;
  const as = (who: TestOperator, ...args: string[]) => runShomei(args, who.env);
  const ok = <T>(result: { status: number; stdout: string; stderr: string }): T => {
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as T;
  };
  const compromise = (who: TestOperator, key: string, env: Record<string, string> = {}) =>
    runShomei(['keys', 'compromise', '--key', key, '--reason', '鍵ファイルの流出 / key file leaked'], {
      ...who.env,
      ...env,
    });
  /** The application opened in this process to read what the CLI left (audit, outbox, certificates). */
  const inspect = async <T>(look: (shomei: Shomei) => Promise<T>): Promise<T> => {
    const shomei = await openShomei(home.config, createLogger({ level: 'silent' }));
    try {
      return await look(shomei);
    } finally {
      await shomei.close();
    }
  };
  const steps = (shomei: Shomei, incident: string) =>
    shomei.audit.search({ type: 'key.compromise.*', subjectIds: [incident] });
  interface PublicNotice {
    kind: string;
    reference: string;
    effectiveAt: string;
    publishedAt: string;
    facts: {
      keyLabel?: string;
      certificates?: { serialNumber: string; subject: string; revokedAt: string }[];
    };
    text: { ja: string; en: string };
  }
  /** The notices page and its JSON as anyone reads them: no session, no key. */
  const publicNotices = () =>
    inspect(async (shomei) => {
      const app = await buildServer(shomei);
      try {
        const html = await app.inject({ method: 'GET', url: '/policies/notices' });
        const json = await app.inject({ method: 'GET', url: '/policies/notices.json' });
        const index = await app.inject({ method: 'GET', url: '/policies' });
        assert.deepEqual([html.statusCode, json.statusCode, index.statusCode], [200, 200, 200]);
        assert.match(html.headers['content-type'] as string, /text\/html/);
        assert.match(index.body, /href="\/policies\/notices"/);
        return {
          html: html.body,
          json: json.body,
          notices: (json.json() as { notices: PublicNotice[] }).notices,
        };
      } finally {
        await app.close();
      }
    });
  /** Neither operators' addresses nor the token PINs may reach a public page. */
  const assertNoSecrets = (text: string) => {
    const pins = Object.values(JSON.parse(readFileSync(home.config.pkcs11.pinFile, 'utf8')) as object)
      .flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v as object)))
      .filter((v): v is string => typeof v === 'string' && v.length >= 4);
    assert.ok(pins.length > 0, 'the PINs were read');
    for (const secret of [...pins, team.security_officer.email, team.system_administrator.email]) {
      assert.ok(!text.includes(secret), 'a secret or an address is on the public page');
    }
  };

  before(async () => {
    home = makeTestHome({ SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0' });
    ok(runShomei(['init'], home.env));
    team = await makeTeam(home, ['security_officer', 'system_administrator']);
    // The security officer is also their tenant's administrator: provider-key notices go to them.
    ok(
      as(
        team.system_administrator,
        'contracts',
        'permissions',
        'grant',
        '--user',
        team.security_officer.userId,
        '--permission',
        'tenant.admin',
      ),
    );
  });
  after(() => home.remove());

  it('refuses without an authenticated operator, and an unknown key with a typed error', () => {
    const anonymous = runShomei(['keys', 'compromise', '--key', 'abcd', '--reason', 'x'], {
      ...home.env,
      SHOMEI_OPERATOR_SESSION: path.join(home.home, 'none'),
    });
    assert.equal(anonymous.status, 1);
    assert.match(anonymous.stderr, /SHOMEI_OPERATOR_UNAUTHENTICATED/);
    const unknown = compromise(team.system_administrator, 'no-such-key');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /SHOMEI_KEY_NOT_FOUND/);
  });

  it('TSA key: waits for the second person, then revokes, re-keys, destroys, notifies; a second run is a no-op', async () => {
    const tsa = await inspect((shomei) => shomei.tsa.status());
    const asked = ok<Progress>(compromise(team.system_administrator, tsa.keyId));
    assert.equal(asked.state, 'requested');
    assert.equal(asked.request.status, 'pending');
    const again = ok<Progress>(compromise(team.system_administrator, tsa.keyId));
    assert.deepEqual([again.state, again.request.id], ['waiting-for-approval', asked.request.id]);
    assert.ok(listTokenObjects(home).includes(tsa.keyId), 'the key stays in the token until approved');

    const approved = ok<Progress['request']>(as(team.security_officer, 'admin', 'approve', asked.request.id));
    assert.equal(approved.status, 'approved');
    const report = approved.outcome!.steps;
    assert.deepEqual(report.revoke!.revokedCertificates, [tsa.serialNumber]);
    const replacement = report.rekey!.replacementKeyId as string;
    assert.notEqual(replacement, tsa.keyId);

    const objects = listTokenObjects(home);
    assert.ok(!objects.includes(tsa.keyId), 'pkcs11-tool no longer lists the compromised key');
    assert.ok(objects.includes(replacement), 'pkcs11-tool lists the replacement');

    const seen = await inspect(async (shomei) => ({
      tsaKey: (await shomei.tsa.status()).keyId,
      crl: await shomei.ca.crl('issuing'),
      chain: await shomei.ca.chain(),
      old: (await shomei.ca.get(tsa.serialNumber))!.der,
      steps: (await steps(shomei, asked.request.id)).map((r) => r.type),
      alerts: await shomei.audit.alerts.list({ rule: 'key-compromise' }),
      destroyed: (await shomei.keys.get(tsa.keyId))?.status,
      mail: (await new OutboxMailer(shomei.database.db as never).list()).filter((m) =>
        m.subject.includes('Key compromise'),
      ),
    }));
    assert.equal(seen.tsaKey, replacement);
    // The CA's CRL, read by openssl, lists the TSA certificate revoked for key compromise.
    const file = (name: string, text: string | Buffer) => {
      const target = path.join(home.home, name);
      writeFileSync(target, text);
      return target;
    };
    const crl = file('issuing.crl', seen.crl);
    const chain = file('chain.pem', seen.chain.map((der) => toPem(der, 'CERTIFICATE')).join(''));
    const text = run('openssl', ['crl', '-inform', 'DER', '-in', crl, '-noout', '-text']).stdout;
    assert.match(text.toUpperCase(), new RegExp(`SERIAL NUMBER: ${tsa.serialNumber.toUpperCase()}`));
    assert.match(text, /Key Compromise/);
    const leaf = file('old-tsa.pem', toPem(seen.old, 'CERTIFICATE'));
    const pemCrl = file('issuing-crl.pem', toPem(seen.crl, 'X509 CRL'));
    const verify = run('openssl', ['verify', '-crl_check', '-CAfile', chain, '-CRLfile', pemCrl, leaf]);
    assert.notEqual(verify.status, 0);
    assert.match(verify.stdout + verify.stderr, /certificate revoked/);

    assert.deepEqual(seen.steps, [
      'key.compromise.incident',
      'key.compromise.revoke',
      'key.compromise.rekey',
      'key.compromise.destroy',
      'key.compromise.disclose',
      'key.compromise.notify',
    ]);
    assert.equal(seen.alerts.length, 1);
    assert.equal(seen.alerts[0]!.severity, 'critical');
    assert.equal(seen.destroyed, 'destroyed');
    assert.deepEqual(
      seen.mail.map((m) => m.to),
      [team.security_officer.email],
    );
    assert.match(seen.mail[0]!.text, new RegExp(asked.request.id));

    // The public notice: this key by label, its certificate by serial and subject, distrust from its revocation.
    const revokedCert = await inspect(async (shomei) => ({
      label: (await shomei.keys.get(tsa.keyId))!.label,
      certificate: (await shomei.ca.get(tsa.serialNumber))!,
    }));
    const revokedAt = revokedCert.certificate.revokedAt!.toISOString();
    const shown = await publicNotices();
    assert.equal(shown.notices.length, 1);
    const notice = shown.notices[0]!;
    assert.deepEqual(
      [notice.kind, notice.reference, notice.effectiveAt],
      ['key-compromise', asked.request.id, revokedAt],
    );
    assert.equal(notice.facts.keyLabel, revokedCert.label);
    assert.deepEqual(notice.facts.certificates, [
      { serialNumber: tsa.serialNumber, subject: revokedCert.certificate.subject, revokedAt },
    ]);
    assert.ok(notice.publishedAt >= revokedAt);
    assert.match(notice.text.ja, new RegExp(`${revokedAt} 以降`));
    assert.match(notice.text.en, new RegExp(`after ${revokedAt}`));
    for (const expected of [tsa.serialNumber, revokedCert.label, revokedAt, '鍵の危殆化', 'Key compromise'])
      assert.ok(shown.html.includes(expected), expected);
    assertNoSecrets(shown.html + shown.json);

    const done = ok<Progress>(compromise(team.system_administrator, tsa.keyId));
    assert.deepEqual([done.state, done.request.id], ['done', asked.request.id]);
    const after = await inspect(async (shomei) => (await steps(shomei, asked.request.id)).length);
    assert.equal(after, 6, 'a second run adds no step');
    assert.equal((await publicNotices()).notices.length, 1, 'nor a notice');
  });

  it('e-seal key: a run cut short by the mail server is finished by running the command again', async () => {
    const eSeal = await inspect(
      async (shomei) => (await shomei.keys.findActiveByPurpose('provider-e-seal'))[0]!,
    );
    const asked = ok<Progress>(compromise(team.security_officer, eSeal.label));
    assert.equal(asked.state, 'requested');
    // The approval runs with an unreachable mail server: every step but the notice is done.
    const cut = runShomei(['admin', 'approve', asked.request.id], {
      ...team.system_administrator.env,
      SHOMEI_SMTP_URL: 'smtp://127.0.0.1:9',
    });
    assert.equal(cut.status, 1);
    assert.match(cut.stderr, /SHOMEI_MAIL_DELIVERY_FAILED/);
    const resumed = ok<Progress>(compromise(team.security_officer, eSeal.key_id));
    assert.deepEqual([resumed.state, resumed.request.status], ['resumed', 'approved']);
    const replacement = resumed.request.outcome!.steps.rekey!.replacementKeyId as string;
    const objects = listTokenObjects(home);
    assert.ok(!objects.includes(eSeal.key_id));
    assert.ok(objects.includes(replacement));
    const types = await inspect(async (shomei) => (await steps(shomei, asked.request.id)).map((r) => r.type));
    assert.equal(types.filter((t) => t === 'key.compromise.rekey').length, 1, 'the re-key is not repeated');
    assert.equal(types.at(-1), 'key.compromise.notify');
    // The cut run disclosed already; the resumed one adds no second notice for the incident.
    assert.equal(types.filter((t) => t === 'key.compromise.disclose').length, 1);
    const shown = await publicNotices();
    const mine = shown.notices.filter((n) => n.reference === asked.request.id);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.facts.keyLabel, eSeal.label);
    assert.equal(shown.notices.length, 2, 'the TSA notice stays beside it');
    assertNoSecrets(shown.html + shown.json);
  });
});
