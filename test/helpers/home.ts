/**
 * A fresh data directory with a real SoftHSM2 token and database for one test file. SoftHSM2 reads
 * its configuration once per process, so a test file uses one home (node --test runs each file in
 * its own process).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initialise, openShomei, type Shomei } from '../../src/app/index.ts';
import { loadConfig, type ShomeiConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/log/index.ts';

export interface TestHome {
  readonly home: string;
  readonly config: ShomeiConfig;
  readonly env: Record<string, string>;
  remove(): void;
}

export function makeTestHome(extraEnv: Record<string, string> = {}): TestHome {
  const home = mkdtempSync(path.join(tmpdir(), 'shomei-test-'));
  const env = { SHOMEI_HOME: home, SHOMEI_LOG_LEVEL: 'silent', ...extraEnv };
  const config = loadConfig({ ...env });
  return { home, config, env, remove: () => rmSync(home, { recursive: true, force: true }) };
}

/** Initialises and opens an installation in a fresh home; close() also removes the directory. */
export async function openTestShomei(extraEnv: Record<string, string> = {}): Promise<Shomei & TestHome> {
  const testHome = makeTestHome(extraEnv);
  await initialise(testHome.config);
  const shomei = await openShomei(testHome.config, createLogger({ level: 'silent' }));
  return {
    ...shomei,
    ...testHome,
    config: shomei.config,
    async close() {
      await shomei.close();
      testHome.remove();
    },
  };
}

/** The SoftHSM2 environment that outside tools (pkcs11-tool, softhsm2-util) need for this home. */
export function softHsmEnv(home: string): Record<string, string> {
  return { ...process.env, SOFTHSM2_CONF: path.join(home, 'softhsm2.conf') } as Record<string, string>;
}
