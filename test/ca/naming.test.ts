/**
 * Names of the embedded CA per environment: development keeps its "(TEST)" names, staging names the
 * provider and still marks (TEST), production refuses to create the CA without SHOMEI_CA_ORGANIZATION
 * and never carries Development/TEST names.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { authorityNaming, DEVELOPMENT_NAMING, loadCaSettings } from '../../src/ca/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { run, runShomei } from '../helpers/run.ts';

const cleanups: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function freshHome(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shomei-naming-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const cn = (names: readonly { type: string; value: string }[]) => names.find((a) => a.type === 'CN')?.value;

describe('embedded CA names', () => {
  test('development keeps the marked defaults; staging names the provider with (TEST); production has no TEST mark', () => {
    assert.equal(authorityNaming('development', {}), DEVELOPMENT_NAMING);
    assert.equal(cn(DEVELOPMENT_NAMING.root), 'shomei Development Root CA (TEST)');
    const staging = authorityNaming('staging', { organization: '株式会社サンプル' })!;
    assert.equal(cn(staging.root), '株式会社サンプル Root CA (TEST)');
    assert.equal(cn(staging.tsa), '株式会社サンプル Time-Stamping Authority (TEST)');
    assert.equal(authorityNaming('production', {}), undefined);
    const production = authorityNaming('production', {
      organization: 'Sample KK',
      country: 'JP',
      namePrefix: 'Sample Trust',
    })!;
    for (const name of [
      production.root,
      production.issuing,
      production.ocsp,
      production.tsa,
      production.eSeal,
    ]) {
      assert.doesNotMatch(cn(name)!, /TEST|Development/);
      assert.equal(name.find((a) => a.type === 'O')?.value, 'Sample KK');
    }
    assert.equal(cn(production.issuing), 'Sample Trust Issuing CA');
    assert.equal(production.keyLabelPrefix, 'shomei-');
  });

  test('a production name with Development or TEST, or a bad country, stops start-up naming the setting', () => {
    const config = loadConfig({ SHOMEI_HOME: freshHome() });
    const production = { ...config, environment: 'production' as const };
    assert.throws(
      () => loadCaSettings(production, { SHOMEI_CA_ORGANIZATION: 'Sample TEST KK' }),
      (error: { code?: string; details?: { setting?: string } }) =>
        error.code === 'SHOMEI_CONFIG_INVALID' && error.details?.setting === 'SHOMEI_CA_ORGANIZATION',
    );
    assert.throws(
      () => loadCaSettings(config, { SHOMEI_CA_COUNTRY: 'Japan' }),
      (error: { details?: { setting?: string } }) => error.details?.setting === 'SHOMEI_CA_COUNTRY',
    );
  });

  test('production init refuses the embedded CA without SHOMEI_CA_ORGANIZATION, and names it after the provider with it', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.drop());
    const env = {
      SHOMEI_HOME: freshHome(),
      SHOMEI_LOG_LEVEL: 'silent',
      SHOMEI_ENV: 'production',
      SHOMEI_SMTP_URL: 'smtp://127.0.0.1:2525',
      SHOMEI_DATABASE_URL: database.url,
    };
    const refused = runShomei(['init'], env);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /SHOMEI_CA_ORGANIZATION/);
    assert.match(refused.stderr, /production needs the provider organisation name/);
    const ja = runShomei(['init'], { ...env, SHOMEI_LANG: 'ja' });
    assert.match(ja.stderr, /設定 SHOMEI_CA_ORGANIZATION が未設定です/);

    const named = { ...env, SHOMEI_CA_ORGANIZATION: 'Sample KK' };
    const init = runShomei(['init'], named);
    assert.equal(init.status, 0, init.stderr);
    const root = runShomei(['ca', 'root'], named);
    assert.equal(root.status, 0, root.stderr);
    const subject = run('openssl', ['x509', '-noout', '-subject', '-issuer'], { input: root.stdout });
    assert.match(subject.stdout, /CN\s*=\s*Sample KK Root CA/);
    assert.doesNotMatch(subject.stdout, /TEST|Development/);
    const tsa = JSON.parse(runShomei(['tsa', 'status'], named).stdout) as {
      subject: string;
      timestampSource: string;
    };
    assert.equal(tsa.subject, 'CN=Sample KK Time-Stamping Authority,O=Sample KK,C=JP');
    assert.equal(tsa.timestampSource, 'embedded');
    const report = runShomei(['compliance', 'report', '--format', 'json'], named);
    // SoftHSM2, the embedded CA and TSA and no time source are production safeguards not met: the
    // report prints everything and then exits 1 (issue #22).
    assert.equal(report.status, 1, report.stderr);
    assert.match(report.stderr, /SHOMEI_COMPLIANCE_NOT_MET/);
    const facts = (
      JSON.parse(report.stdout) as { facts: { timestamps: string; certificateAuthority: string } }
    ).facts;
    assert.match(facts.timestamps, /^embedded TSA — NOT accredited/);
    const safeguards = (
      JSON.parse(report.stdout) as { safeguards: Array<{ safeguard: string; status: string }> }
    ).safeguards;
    assert.equal(safeguards.find((row) => row.safeguard === 'softhsm')?.status, 'not-met');
    assert.match(facts.certificateAuthority, /^embedded CA named by the provider/);
    const outside = runShomei(['compliance', 'report', '--format', 'json'], {
      ...named,
      SHOMEI_TSA_URL: 'https://tsa.example.jp/tsa',
    });
    // The outside TSA is not reachable here: the report still says which TSA is configured.
    assert.match(outside.stdout, /"timestamps": "external TSA https:\/\/tsa\.example\.jp\/tsa/);
  });
});
