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

const args = process.argv.slice(2);
const files = args.length > 0 ? args : find('test').sort();
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit', env: { ...process.env, SHOMEI_LOG_LEVEL: process.env.SHOMEI_LOG_LEVEL ?? 'silent' } },
);
process.exit(result.status ?? 1);
