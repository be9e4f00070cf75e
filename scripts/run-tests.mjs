// Runs the test files (test/**/*.test.ts, or those given) with Node's test runner through tsx.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function find(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (entry === 'node_modules' || entry === 'fixtures') continue;
    if (statSync(full).isDirectory()) out.push(...find(full));
    else if (entry.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

// The files that took longest in fresh-clone runs of the whole suite (2 cores), longest first. Files
// start in the order given, two at a time (test-files.mjs keeps the order; `node --test` sorts by
// name), so a long file started near the end would run on alone after everything else; started first
// (the rest following in name order), the two lanes finish together. Update it from a whole run's
// per-file times when the order of sizes changes.
const LONGEST_FIRST = [
  'test/e2e/signer-type-two-companies.test.ts',
  'test/e2e/two-companies.test.ts',
  'test/ops/backup.test.ts',
  'test/admin/cli-door.test.ts',
  'test/audit/concurrency.test.ts',
  'test/e2e/screens.test.ts',
  'test/trust/outside-trust.test.ts',
  'test/e2e/journey.test.ts',
  'test/ops/restore-drill.test.ts',
  'test/ca/cli.test.ts',
  'test/audit/cli.test.ts',
  'test/cli/keys-migrate-kill9.test.ts',
];

function longestFirst(all) {
  const first = LONGEST_FIRST.filter((file) => all.includes(file));
  return [...first, ...all.filter((file) => !first.includes(file))];
}

const args = process.argv.slice(2);
const files = args.length > 0 ? args : longestFirst(find('test').sort());
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', path.join(import.meta.dirname, 'test-files.mjs'), ...files],
  { stdio: 'inherit', env: { ...process.env, SHOMEI_LOG_LEVEL: process.env.SHOMEI_LOG_LEVEL ?? 'silent' } },
);
process.exit(result.status ?? 1);
