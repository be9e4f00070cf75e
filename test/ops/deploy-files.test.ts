/**
 * The shipped operations files stay true to the code (issue #22): systemd accepts the unit and it
 * runs as a non-root user with restart and hardening; every alert rule has its runbook section and
 * uses only metric series the code registers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { opsMetrics } from '../../src/ops/index.ts';
import { run } from '../helpers/run.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

describe('deploy files', () => {
  test('the systemd unit verifies, runs as shomei with Restart= and hardening', () => {
    const unit = read('deploy/shomei.service');
    const verified = run('systemd-analyze', ['verify', path.join(ROOT, 'deploy/shomei.service')]);
    assert.doesNotMatch(verified.stderr, /Unknown key|Unknown section|bad-setting|Failed to parse/i);
    for (const line of [
      'User=shomei',
      'Restart=on-failure',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'CapabilityBoundingSet=',
    ]) {
      assert.ok(unit.split('\n').includes(line), line);
    }
    assert.doesNotMatch(unit, /^User=root$/m);
  });

  test('every alert has a runbook section and names only series the code exports', async () => {
    const rules = read('deploy/prometheus/shomei-alerts.yml');
    const runbooks = read('docs/runbooks.md');
    const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
    assert.ok(alerts.length >= 10);
    const sections = new Set([...runbooks.matchAll(/^## (\w+)$/gm)].map((m) => m[1]!));
    for (const alert of alerts) {
      assert.ok(sections.has(alert), `runbook section for ${alert}`);
      assert.ok(
        rules.includes(`runbook: "docs/runbooks.md#${alert.toLowerCase()}"`),
        `runbook link of ${alert}`,
      );
    }
    const exported = new Set(
      (await opsMetrics().registry.getMetricsAsJSON()).flatMap((m) => [m.name, `${m.name}_bucket`]),
    );
    for (const series of new Set([...rules.matchAll(/\b(shomei_[a-z_]+)/g)].map((m) => m[1]!))) {
      assert.ok(exported.has(series), `${series} is a metric of the code`);
    }
  });
});
