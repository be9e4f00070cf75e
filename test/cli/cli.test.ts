import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram, COMMANDS } from '../../src/cli/index.ts';
import { makeTestHome } from '../helpers/home.ts';
import { makeTeam, type TeamRole } from '../helpers/operators.ts';
import { runShomei, SHOMEI_BIN } from '../helpers/run.ts';

const home = makeTestHome();
after(() => home.remove());

function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => {
    const here = [...prefix, sub.name()];
    return [here, ...commandPaths(sub, here)];
  });
}

describe('shomei command', () => {
  test('init creates the token, the PIN file (0600) and the database, and is idempotent', () => {
    const first = runShomei(['init'], home.env);
    assert.equal(first.status, 0, first.stderr);
    const report = JSON.parse(first.stdout) as { tokenCreated: boolean; installationId: string };
    assert.equal(report.tokenCreated, true);
    assert.equal(statSync(path.join(home.home, 'secrets', 'token-pins.json')).mode & 0o777, 0o600);

    const second = runShomei(['init'], home.env);
    assert.equal(second.status, 0, second.stderr);
    const again = JSON.parse(second.stdout) as { tokenCreated: boolean; installationId: string };
    assert.equal(again.tokenCreated, false);
    assert.equal(again.installationId, report.installationId);
  });

  test('keys generate/list/destroy through the CLI and dual control, never printing a PIN', async () => {
    const team = await makeTeam(home, ['security_officer', 'system_administrator']);
    const as = (who: TeamRole, ...args: string[]) => runShomei(args, team[who].env);
    const asked = as(
      'system_administrator',
      'keys',
      'generate',
      '--algorithm',
      'EC-P256',
      '--label',
      'cli-key',
      '--purpose',
      'test',
    );
    assert.equal(asked.status, 0, asked.stderr);
    const generated = as('security_officer', 'admin', 'approve', JSON.parse(asked.stdout).request.id);
    assert.equal(generated.status, 0, generated.stderr);
    const keyId = (JSON.parse(generated.stdout) as { outcome: { keyId: string } }).outcome.keyId;

    const listed = runShomei(['keys', 'list'], home.env);
    assert.equal(listed.status, 0, listed.stderr);
    const key = (
      JSON.parse(listed.stdout) as { keys: Array<{ id: string; attributes: { extractable: boolean } }> }
    ).keys.find((k) => k.id === keyId);
    assert.equal(key?.attributes.extractable, false);

    const destroy = as('system_administrator', 'keys', 'destroy', keyId, '--reason', 'test');
    assert.equal(destroy.status, 0, destroy.stderr);
    const destroyed = as('security_officer', 'admin', 'approve', JSON.parse(destroy.stdout).request.id);
    assert.equal(destroyed.status, 0, destroyed.stderr);
    const after = JSON.parse(runShomei(['keys', 'list'], home.env).stdout) as { keys: Array<{ id: string }> };
    assert.ok(!after.keys.some((k) => k.id === keyId));

    // The SO PIN is in the file init left for the operator, not in the PIN file (issue #22).
    const pins = {
      ...JSON.parse(readFileSync(home.config.pkcs11.pinFile, 'utf8')),
      ...JSON.parse(
        readFileSync(path.join(path.dirname(home.config.pkcs11.pinFile), 'token-so-pin.json'), 'utf8'),
      ),
    } as { userPin: string; soPin: string };
    for (const output of [generated, listed, destroyed]) {
      assert.ok(!`${output.stdout}${output.stderr}`.includes(pins.userPin));
      assert.ok(!`${output.stdout}${output.stderr}`.includes(pins.soPin));
    }
  });

  test('every command answers --help', async () => {
    // In-process: spawning the CLI once per command would cost seconds each; the bin itself is
    // exercised by the other tests here.
    const full = await buildProgram();
    // The top-level help is printed without loading any command: its table must match them.
    assert.deepEqual(
      full.commands.map((c) => [c.name(), c.description()]).sort(),
      Object.entries(COMMANDS)
        .map(([name, { about }]) => [name, about])
        .sort(),
    );
    const paths = [[], ...commandPaths(full)];
    assert.ok(paths.length >= 6);
    for (const words of paths) {
      let out = '';
      const program = await buildProgram();
      const configure = (command: Command): void => {
        command.configureOutput({ writeOut: (text) => (out += text), writeErr: (text) => (out += text) });
        for (const sub of command.commands) configure(sub);
      };
      configure(program);
      await assert.rejects(program.parseAsync([...words, '--help'], { from: 'user' }), (error: unknown) => {
        return (error as { code?: string }).code === 'commander.helpDisplayed';
      });
      assert.match(out, /Usage: shomei/, `${words.join(' ')} --help`);
      assert.ok(out.length > 40);
    }
    const spawned = runShomei(['--help'], home.env);
    assert.equal(spawned.status, 0);
    assert.match(spawned.stdout, /Usage: shomei/);
  });

  test('a bad setting stops the command with a message naming it', () => {
    const result = runShomei(['init'], { ...home.env, SHOMEI_PORT: 'eighty' });
    assert.equal(result.status, 1);
    assert.match(result.stderr, /SHOMEI_CONFIG_INVALID/);
    assert.match(result.stderr, /SHOMEI_PORT/);
    const ja = runShomei(['init'], { ...home.env, SHOMEI_PORT: 'eighty', SHOMEI_LANG: 'ja' });
    assert.match(ja.stderr, /設定 SHOMEI_PORT が不正です/);
  });

  test('an unknown command or option is a usage error (exit 2)', () => {
    assert.equal(runShomei(['frobnicate'], home.env).status, 2);
    assert.equal(runShomei(['keys', 'generate', '--algorithm'], home.env).status, 2);
  });

  test('start serves health and readiness on loopback and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [SHOMEI_BIN, 'start'], {
      env: { ...process.env, ...home.env, SHOMEI_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const address = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          // The start-up line is JSON, like every line the server prints.
          const match = /"address":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"listening"/.exec(out);
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`shomei start exited early with ${code}`)));
      });
      // The embedded default prints demo accounts once and keeps them in a 0600 file; they can log in.
      const demoFile = path.join(home.home, 'secrets', 'demo-accounts.json');
      assert.equal(statSync(demoFile).mode & 0o777, 0o600);
      const demo = JSON.parse(readFileSync(demoFile, 'utf8')) as Array<{ email: string; password: string }>;
      assert.equal(demo.length, 2);
      const login = await fetch(`${address}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: demo[0]!.email, password: demo[0]!.password }),
      });
      assert.equal(login.status, 200);
      assert.equal(((await login.json()) as { next: string }).next, 'enrolment');
      const health = await fetch(`${address}/healthz`);
      assert.equal(health.status, 200);
      const ready = (await (await fetch(`${address}/readyz`)).json()) as { checks: Record<string, string> };
      assert.equal(ready.checks.database, 'ok');
      assert.equal(ready.checks.hsm, 'ok');
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
    }
  });
});
