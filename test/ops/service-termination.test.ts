/**
 * Service termination as a command (PS 3.7, JT2A appendix 4; ADR 036), judged from outside where
 * it can be: the CLI refuses without an operator, the plan waits for a second person, afterwards
 * the HTTP API refuses new envelopes with SHOMEI_SERVICE_TERMINATED, every tenant's export opens
 * (unzip), matches its manifest and carries an RFC 3161 token openssl verifies, pkcs11-tool shows
 * no key but the audit checkpoint key, the steps are in the audit trail, and a second run is a no-op.
 * The end is on the public notices page (read with no credentials) once, with the plan's date.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openShomei, type Shomei } from '../../src/app/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { type ExportManifest, importRecord, setPermission } from '../../src/contracts/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { OutboxMailer } from '../../src/mail/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { samplePdf } from '../contracts/harness.ts';
import { makeTestHome } from '../helpers/home.ts';
import { makeTeam, type TeamRole, type TestOperator } from '../helpers/operators.ts';
import { run, runShomei } from '../helpers/run.ts';
import { listTokenObjects } from '../helpers/token.ts';

const home = makeTestHome();
const work = `${home.home}-work`;
const exportTo = path.join(work, 'exports');
let team: Record<TeamRole, TestOperator>;
const tenants: { id: string; adminEmail: string; recordId: string }[] = [];
let apiKey: string;
let credentialKeyId: string;
let keptLabels: string[];
/** The token PINs, read after init: none may reach a public page. */
let pins: string[];

async function withShomei<T>(work: (shomei: Shomei) => Promise<T>): Promise<T> {
  const shomei = await openShomei(loadConfig({ ...home.env }), createLogger({ level: 'silent' }));
  try {
    return await work(shomei);
  } finally {
    await shomei.close();
  }
}

function json<T>(result: { status: number; stdout: string; stderr: string }): T {
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as T;
}

const terminate = (args: string[], env: Record<string, string>) =>
  runShomei(['service', 'terminate', ...args], env);

interface PublicNotice {
  kind: string;
  reference: string;
  effectiveAt: string;
  text: { ja: string; en: string };
}

/** GET /policies/notices and its JSON with no credentials, as a customer or relying party reads them. */
async function publicNotices(): Promise<{ text: string; notices: PublicNotice[] }> {
  return withShomei(async (shomei) => {
    const app = await buildServer(shomei);
    try {
      const html = await app.inject({ method: 'GET', url: '/policies/notices' });
      const json = await app.inject({ method: 'GET', url: '/policies/notices.json' });
      assert.deepEqual([html.statusCode, json.statusCode], [200, 200]);
      const notices = (json.json() as { notices: PublicNotice[] }).notices;
      return { text: html.body + json.body, notices };
    } finally {
      await app.close();
    }
  });
}

/** A tenant with an administrator and one imported record. */
async function tenantWithRecord(shomei: Shomei, slug: string): Promise<(typeof tenants)[number]> {
  const accounts = shomei.identity.accounts;
  const tenant = await accounts.createTenant({ slug, name: `${slug} 株式会社` });
  const email = `admin@${slug}.example`;
  const created = await accounts.createUser({
    tenantId: tenant.id,
    email,
    displayName: 'admin',
    familyName: '終了',
    givenName: '太郎',
  });
  const { token } = await shomei.identity.applications.issueActivationToken(created.id);
  const user = await shomei.identity.activate(token, 'correct horse battery staple 署名', {});
  const by = { kind: 'operator' as const, id: 'test' };
  await setPermission(shomei.contracts.context, by, tenant.id, {
    userId: user.id,
    permission: 'tenant.admin',
    granted: true,
  });
  const actor = {
    kind: 'user' as const,
    userId: user.id,
    tenantId: tenant.id,
    email,
    authentication: 'test',
  };
  const record = await importRecord(
    shomei.contracts.context,
    actor,
    { title: `${slug} の契約`, counterparty: '株式会社相手', transactionDate: '2025-04-01', amount: 1000 },
    samplePdf(1, slug),
  );
  if (slug === 'term-a') {
    const credential = await shomei.rssp.credentials.create({
      userId: user.id,
      tenantId: tenant.id,
      algorithm: 'EC-P256',
      subject: 'CN=Shuuryou Taro, C=JP',
    });
    credentialKeyId = credential.credential.key_id!;
    apiKey = (await shomei.contracts.createApiKey(actor, ['envelopes:read', 'envelopes:write'])).key;
  }
  return { id: tenant.id, adminEmail: email, recordId: record.record.id };
}

/** POST /api/envelopes with the tenant's API key, through the real server's routes. */
async function createEnvelope(): Promise<{ statusCode: number; body: string }> {
  return withShomei(async (shomei) => {
    const app = await buildServer(shomei);
    try {
      return await app.inject({
        method: 'POST',
        url: '/api/envelopes',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        payload: JSON.stringify({
          title: '終了後の契約',
          counterparty: '株式会社相手',
          parties: [{ role: 'signer', signingMode: 'witness-type', email: 's@s.example', name: '署名 一郎' }],
        }),
      });
    } finally {
      await app.close();
    }
  });
}

before(async () => {
  mkdirSync(work, { recursive: true });
  json(runShomei(['init'], home.env));
  pins = Object.values(JSON.parse(readFileSync(home.config.pkcs11.pinFile, 'utf8')) as object)
    .flatMap((v) => (typeof v === 'string' ? [v] : Object.values(v as object)))
    .filter((v): v is string => typeof v === 'string' && v.length >= 4);
  team = await makeTeam(home, ['security_officer', 'system_administrator']);
  await withShomei(async (shomei) => {
    tenants.push(await tenantWithRecord(shomei, 'term-a'), await tenantWithRecord(shomei, 'term-b'));
    // The audit checkpoint key and the token's environment marker are kept (ADR 036).
    keptLabels = [
      ...(await shomei.keys.findActiveByPurpose('audit-checkpoint')).map((k) => k.label),
      'shomei-environment:development',
    ];
  });
});
after(() => {
  home.remove();
  rmSync(work, { recursive: true, force: true });
});

describe('shomei service terminate', () => {
  test('refuses without an authenticated operator', () => {
    const anonymous = { ...home.env, SHOMEI_OPERATOR_SESSION: path.join(work, 'none') };
    const asked = terminate(
      ['request', '--effective', new Date().toISOString(), '--export-to', exportTo, '--destroy-keys'],
      anonymous,
    );
    assert.match(asked.stderr, /SHOMEI_OPERATOR_UNAUTHENTICATED/);
    assert.match(terminate(['run'], anonymous).stderr, /SHOMEI_OPERATOR_UNAUTHENTICATED/);
    assert.deepEqual(json(terminate(['status'], home.env)), { plan: null, steps: [] });
  });

  test('the plan waits for a second person; until then envelopes are still accepted', async () => {
    const early = terminate(['run'], team.system_administrator.env);
    assert.match(early.stderr, /SHOMEI_SERVICE_TERMINATION_NOT_PLANNED/);
    const both = terminate(
      ['request', '--effective', new Date().toISOString(), '--export-to', exportTo],
      team.system_administrator.env,
    );
    assert.match(both.stderr, /SHOMEI_CLI_USAGE/);
    const relative = terminate(
      ['request', '--effective', new Date().toISOString(), '--export-to', 'exports', '--destroy-keys'],
      team.system_administrator.env,
    );
    assert.match(relative.stderr, /SHOMEI_ADMIN_INPUT_INVALID/);
    // Effective at once, so the rest of this file stands after the end of the service.
    const { request } = json<{ request: { id: string; status: string } }>(
      terminate(
        ['request', '--effective', new Date().toISOString(), '--export-to', exportTo, '--destroy-keys'],
        team.system_administrator.env,
      ),
    );
    assert.equal(request.status, 'pending');
    assert.equal((await createEnvelope()).statusCode, 201, 'nothing stops before the approval');
    assert.match(
      runShomei(['admin', 'approve', request.id], team.system_administrator.env).stderr,
      /SHOMEI_APPROVAL_SELF/,
    );
    const approved = json<{ status: string }>(
      runShomei(['admin', 'approve', request.id], team.security_officer.env),
    );
    assert.equal(approved.status, 'approved');
    const again = terminate(
      ['request', '--effective', new Date().toISOString(), '--export-to', exportTo, '--destroy-keys'],
      team.system_administrator.env,
    );
    assert.match(again.stderr, /SHOMEI_SERVICE_TERMINATION_PLANNED/);
  });

  test('after the effective time new envelopes and credentials are refused with a typed error', async () => {
    const refused = await createEnvelope();
    assert.equal(refused.statusCode, 410, refused.body);
    assert.match(refused.body, /SHOMEI_SERVICE_TERMINATED/);
    await withShomei(async (shomei) => {
      const user = tenants[0]!;
      await assert.rejects(
        shomei.rssp.credentials.create({
          userId: (await shomei.contracts.tenantAdministrators(user.id))[0]!,
          tenantId: user.id,
          algorithm: 'EC-P256',
          subject: 'CN=Late, C=JP',
        }),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'SHOMEI_SERVICE_TERMINATED');
          assert.match(error.message, /サービス|service/);
          return true;
        },
      );
    });
  });

  test('run: notices, every tenant exported and timestamped, every key but the checkpoint key destroyed', async () => {
    const pem = (name: string, ...ders: Buffer[]) => {
      const file = path.join(work, name);
      const text = ders.map(
        (d) => `-----BEGIN CERTIFICATE-----\n${d.toString('base64')}\n-----END CERTIFICATE-----\n`,
      );
      writeFileSync(file, text.join(''));
      return file;
    };
    const { rootPem, tsaBundle, tenantIds } = await withShomei(async (shomei) => ({
      rootPem: pem('root.pem', await shomei.ca.certificate('root')),
      tsaBundle: pem('tsa.pem', await shomei.tsa.certificate(), await shomei.ca.certificate('issuing')),
      tenantIds: (await shomei.identity.accounts.listTenants()).map((t) => t.id),
    }));
    assert.ok(listTokenObjects(home).split('label:').length - 1 > keptLabels.length);

    const outcome = json<{
      status: string;
      alreadyFinished: boolean;
      report: { tenants: { tenantId: string }[] };
    }>(terminate(['run'], team.system_administrator.env));
    assert.equal(outcome.status, 'finished');
    assert.equal(outcome.alreadyFinished, false);
    assert.deepEqual(outcome.report.tenants.map((t) => t.tenantId).sort(), [...tenantIds].sort());

    // The notify step published the end on the public notices page: once, with the plan's date.
    const plan = await withShomei(async (shomei) => (await shomei.admin.termination.plan())!);
    const shown = await publicNotices();
    assert.deepEqual(
      shown.notices.map((n) => [n.kind, n.reference, n.effectiveAt]),
      [['service-termination', plan.requestId, plan.effectiveAt]],
    );
    const { ja, en } = shown.notices[0]!.text;
    assert.match(ja, new RegExp(`${plan.effectiveAt} をもって終了`));
    assert.match(ja, /書出しファイル/);
    assert.match(en, /timestamped export/);
    assert.match(en, /Contact: /);
    for (const tenant of tenants)
      assert.ok(!shown.text.includes(tenant.adminEmail), 'no address on the page');
    assert.ok(!shown.text.includes(apiKey) && !shown.text.includes(exportTo), 'no key or export path');
    assert.ok(pins.length > 0);
    for (const pin of pins) assert.ok(!shown.text.includes(pin), 'no PIN on the page');

    for (const tenantId of tenantIds) {
      const zip = path.join(exportTo, `${tenantId}.zip`);
      assert.equal(run('unzip', ['-t', zip]).status, 0, zip);
      const into = path.join(work, `unzipped-${tenantId}`);
      assert.equal(run('unzip', ['-q', zip, '-d', into]).status, 0);
      const manifest = JSON.parse(readFileSync(path.join(into, 'manifest.json'), 'utf8')) as ExportManifest;
      assert.equal(manifest.tenantId, tenantId);
      for (const file of manifest.files) {
        const digest = createHash('sha256')
          .update(readFileSync(path.join(into, file.path)))
          .digest('hex');
        assert.equal(digest, file.sha256, file.path);
      }
      // Each tenant's own records, no other tenant's.
      const ids = manifest.records.map((r) => r.id);
      for (const t of tenants) assert.equal(ids.includes(t.recordId), t.id === tenantId, tenantId);
      const verified = run('openssl', [
        'ts',
        '-verify',
        '-token_in',
        '-in',
        `${zip}.tsr`,
        '-data',
        zip,
        '-CAfile',
        rootPem,
        '-untrusted',
        tsaBundle,
      ]);
      assert.match(verified.stdout, /Verification: OK/, verified.stderr);
    }
    assert.ok(existsSync(path.join(exportTo, 'termination-report.json')));

    // pkcs11-tool, not our code: only the audit checkpoint key is left in the token.
    const labels = [...listTokenObjects(home).matchAll(/label:\s+(.+)/g)].map((m) => m[1]!.trim());
    assert.ok(labels.length > 0);
    assert.deepEqual([...new Set(labels)].sort(), [...new Set(keptLabels)].sort());

    await withShomei(async (shomei) => {
      assert.equal(await shomei.crypto.hasKey(credentialKeyId), false, "the signer's key is gone");
      assert.deepEqual(await shomei.rssp.credentials.holdingKeys(), []);
      const destroyed = await shomei.audit.search({ type: 'key.destroy' });
      assert.ok(
        destroyed.some((r) => r.subject?.id === credentialKeyId && r.details.reason === 'service-terminated'),
      );
      const steps = (await shomei.audit.search({ type: 'service.termination.step' })).map(
        (r) => r.subject?.id,
      );
      for (const step of ['plan', 'notify', 'finish', ...tenantIds.map((id) => `export:${id}`)]) {
        assert.ok(steps.includes(step), step);
      }
      const outbox = await new OutboxMailer(shomei.database.db.withTables()).list(500);
      for (const tenant of tenants) {
        const notices = outbox.filter((m) => m.to === tenant.adminEmail && /サービス終了/.test(m.subject));
        assert.equal(notices.length, 1, tenant.adminEmail);
      }
    });
  });

  test('a second run changes nothing', async () => {
    const count = () =>
      withShomei(async (shomei) => ({
        steps: (await shomei.audit.search({ type: 'service.termination.step' })).length,
        destroyed: (await shomei.audit.search({ type: 'key.destroy' })).length,
      }));
    const before = await count();
    const objects = listTokenObjects(home);
    const again = json<{ status: string; alreadyFinished: boolean }>(
      terminate(['run'], team.system_administrator.env),
    );
    assert.deepEqual([again.status, again.alreadyFinished], ['finished', true]);
    // Nor does init, whose idempotent key ceremony would otherwise make the provider keys anew.
    assert.match(runShomei(['init'], home.env).stderr, /SHOMEI_SERVICE_TERMINATED/);
    assert.deepEqual(await count(), before);
    assert.equal(listTokenObjects(home), objects);
    const status = json<{ steps: { step: string }[] }>(terminate(['status'], home.env));
    assert.equal(status.steps.at(-1)?.step, 'finish');
    assert.equal((await publicNotices()).notices.length, 1, 'the notice is not published twice');
  });
});
