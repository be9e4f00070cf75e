/**
 * One list of settings (issue #21 Deliver 4): the README's table is the one generated from the
 * settings catalogue, every `SHOMEI_…=` a guide tells the operator to set is a setting shomei reads,
 * and `shomei config check` refuses a variable no part of shomei reads (a misspelt setting).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { README, readmeWithTable } from '../../scripts/settings-table.ts';
import { settingsCatalogue, settingsCheck, undeclaredSettings } from '../../src/app/index.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

test('README.md holds the settings table generated from the catalogue', () => {
  const readme = readFileSync(README, 'utf8');
  assert.equal(readme, readmeWithTable(readme), 'README drifted: run npx tsx scripts/settings-table.ts');
  assert.ok(settingsCatalogue().length > 100, 'every module schema contributes');
});

test('every SHOMEI_… a guide sets is a declared setting', () => {
  const declared = new Set(settingsCatalogue().map((s) => s.name));
  const guides = [
    README,
    ...readdirSync(path.join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => path.join(ROOT, 'docs', f)),
  ];
  const unknown = guides.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/\b(SHOMEI_[A-Z0-9_]+)=/g)]
      .map((m) => m[1]!)
      .filter((name) => !name.startsWith('SHOMEI_TEST_') && !declared.has(name))
      .map((name) => `${path.relative(ROOT, file)}: ${name}`),
  );
  assert.deepEqual(unknown, []);
});

test('config check names a variable nobody reads and passes the declared ones', () => {
  const env = { SHOMEI_HOME: '/tmp/x', SHOMEI_TSA_URL: 'https://tsa.example', SHOMEI_OPERATOR_TOTP: '1' };
  assert.deepEqual(undeclaredSettings(env), []);
  assert.equal(settingsCheck(env).status, 'ok');
  const misspelt = {
    ...env,
    SHOMEI_TSA_URI: 'https://tsa.example',
    SHOMEI_TEST_POSTGRES_URL: 'x',
    SHOMEI_FUZZ_SEED: '1',
  };
  assert.deepEqual(undeclaredSettings(misspelt), ['SHOMEI_TSA_URI']);
  assert.deepEqual(settingsCheck(misspelt), {
    check: 'settings',
    setting: 'SHOMEI_TSA_URI',
    status: 'failed',
    detail: 'not a setting of shomei',
  });
});
