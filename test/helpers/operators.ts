/**
 * Named operators for CLI tests, made the way a provider makes them: `shomei admin bootstrap` (the
 * ceremony) creates the accounts and grants the team, each person activates their account and enrols
 * a TOTP authenticator, then `shomei admin login` gives each a session file for later commands.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { generate } from 'otplib';
import { openShomei } from '../../src/app/index.ts';
import { createLogger } from '../../src/log/index.ts';
import type { TestHome } from './home.ts';
import { runShomei } from './run.ts';

export const OPERATOR_PASSWORD = 'correct horse battery staple 署名';

export type TeamRole =
  | 'security_officer'
  | 'system_administrator'
  | 'system_operator'
  | 'system_auditor'
  | 'ra_operator';

export interface TestOperator {
  readonly userId: string;
  readonly email: string;
  readonly role: TeamRole;
  readonly totpSecret: string;
  /** Environment for a CLI command run as this operator (their session file). */
  readonly env: Record<string, string>;
}

export function totpCode(secret: string, stepOffset = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + stepOffset * 30 });
}

/** The newest time step handed out per seed: the server refuses a step at or before its last one. */
const lastStepGiven = new Map<string, number>();

/** How long a handed-out code must stay acceptable: time for a command to start on a loaded machine. */
const MIN_VALIDITY_MS = 45_000;

/**
 * A code the server has not seen yet, of the earliest step that stays acceptable long enough: the
 * server accepts one step either side of its own, so the current step's code holds until the next step
 * ends. Handing out the current step before the next one gives a seed two codes per window; a third
 * call waits for the clock.
 */
async function freshCode(secret: string): Promise<string> {
  for (;;) {
    const now = Math.floor(Date.now() / 30_000);
    const after = (lastStepGiven.get(secret) ?? Number.NEGATIVE_INFINITY) + 1;
    const current = now >= after && (now + 2) * 30_000 - Date.now() >= MIN_VALIDITY_MS ? now : undefined;
    const wanted = current ?? Math.max(now + 1, after);
    if (wanted <= now + 1) {
      lastStepGiven.set(secret, wanted);
      return generate({ secret, epoch: wanted * 30 });
    }
    await new Promise((resolve) => setTimeout(resolve, (now + 1) * 30_000 - Date.now() + 50));
  }
}

/**
 * Environment for one command with email + password + code instead of a session. Each call gives a
 * code whose step no earlier call gave, so a test never trips the server's replay rule by accident.
 */
export async function credentialsEnv(
  home: TestHome,
  operator: TestOperator,
): Promise<Record<string, string>> {
  return {
    ...home.env,
    SHOMEI_OPERATOR_SESSION: path.join(home.home, 'no-session'),
    SHOMEI_OPERATOR_EMAIL: operator.email,
    SHOMEI_OPERATOR_PASSWORD: OPERATOR_PASSWORD,
    SHOMEI_OPERATOR_TOTP: await freshCode(operator.totpSecret),
  };
}

/**
 * Runs the ceremony for `roles` (one person each, `<role>@ops.example`), activates and enrols every
 * account in-process and logs each in through the CLI. The home must be initialised.
 */
export async function makeTeam(
  home: TestHome,
  roles: readonly TeamRole[],
  extraEnv: Record<string, string> = {},
  /** Members left without a session (their next TOTP step is still unused). */
  noLogin: readonly TeamRole[] = [],
): Promise<Record<TeamRole, TestOperator>> {
  const env = { ...home.env, ...extraEnv };
  const today = new Date().toISOString().slice(0, 10);
  const assigns = roles.flatMap((role) => [
    '--assign',
    `${role.replace(/_/g, '-')}@ops.example:${role}:運用 ${role}`,
  ]);
  const ceremony = runShomei(
    ['admin', 'bootstrap', ...assigns, '--training', `Operations|CISO|${today}`],
    env,
  );
  assert.equal(ceremony.status, 0, ceremony.stderr);
  // The ceremony prints one indented JSON document; a warning logged on stdout (one line, e.g. with an
  // outside TSA configured) may come before it.
  const start = ceremony.stdout.search(/^\{$/m);
  const end = ceremony.stdout.search(/^\}$/m);
  const outcome = JSON.parse(ceremony.stdout.slice(start, end + 1)) as {
    operators: { userId: string; email: string; role: TeamRole; activationLink: string }[];
  };
  const shomei = await openShomei(home.config, createLogger({ level: 'silent' }));
  const team = {} as Record<TeamRole, TestOperator>;
  try {
    for (const o of outcome.operators) {
      const token = decodeURIComponent(o.activationLink.split('#token=')[1]!);
      await shomei.identity.activate(token, OPERATOR_PASSWORD, {});
      const enrolment = await shomei.identity.totp.begin(o.userId, o.email);
      assert.ok(await shomei.identity.totp.confirm(o.userId, await totpCode(enrolment.secret, -1)));
      const session = path.join(home.home, `session-${o.role}`);
      team[o.role] = {
        userId: o.userId,
        email: o.email,
        role: o.role,
        totpSecret: enrolment.secret,
        env: { ...env, SHOMEI_OPERATOR_SESSION: session },
      };
    }
  } finally {
    await shomei.close();
  }
  for (const operator of Object.values(team)) {
    if (noLogin.includes(operator.role)) continue;
    const login = runShomei(['admin', 'login'], {
      ...(await credentialsEnv(home, operator)),
      ...extraEnv,
      SHOMEI_OPERATOR_SESSION: operator.env.SHOMEI_OPERATOR_SESSION!,
    });
    assert.equal(login.status, 0, login.stderr);
  }
  return team;
}
