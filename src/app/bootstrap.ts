/**
 * The bootstrap ceremony (ADR 019): before any operator exists, the server console creates the first
 * named operator accounts, grants the first team and hands each person an activation link that leads
 * to password and TOTP enrolment. It checks every account before granting anything, is audited, and
 * may be run again with the same team until every member is ready (active with a confirmed TOTP).
 */
import { hostname, userInfo } from 'node:os';
import { isRole, type Role } from '../admin/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { Shomei } from './shomei.ts';

export interface BootstrapAssignment {
  /** An existing user id, or the email address of an operator account to create. */
  readonly user: string;
  readonly role: Role;
  /** Display name for an account created here ("山田 太郎"). */
  readonly name?: string;
}

export interface BootstrapTraining {
  readonly topic: string;
  readonly trainer: string;
  readonly trainedOn: string;
}

export type OperatorReadiness = 'activation-link' | 'enrol-second-factor' | 'ready';

export interface BootstrapOperator {
  readonly userId: string;
  readonly email: string;
  readonly role: Role;
  readonly status: OperatorReadiness;
  /** Given once, to hand to the person (never recorded). */
  readonly activationLink?: string;
}

export interface BootstrapOutcome {
  readonly operators: readonly BootstrapOperator[];
  readonly complete: boolean;
}

const OPERATOR_TENANT = 'provider-operators';

function ceremonyActor() {
  return { kind: 'operator' as const, id: `ceremony:${userInfo().username}@${hostname()}`.slice(0, 128) };
}

function unknownUsers(ids: readonly string[]): Error {
  return shomeiError(
    'SHOMEI_ADMIN_USER_UNKNOWN',
    `存在しない利用者 ID があります: ${ids.join(', ')}。何も付与していません。`,
    `These user ids do not exist: ${ids.join(', ')}. Nothing was granted.`,
    { status: 400, details: { userIds: [...ids] } },
  );
}

async function operatorTenant(shomei: Shomei): Promise<string> {
  const accounts = shomei.identity.accounts;
  const found = await accounts.getTenantBySlug(OPERATOR_TENANT);
  return (found ?? (await accounts.createTenant({ slug: OPERATOR_TENANT, name: '認証事業者 運用者' }))).id;
}

/** Finds every account first; creates only accounts named by email, and only once all ids exist. */
async function resolveAccounts(
  shomei: Shomei,
  assignments: readonly BootstrapAssignment[],
): Promise<{ userId: string; role: Role }[]> {
  const accounts = shomei.identity.accounts;
  const unknown: string[] = [];
  for (const a of assignments) {
    if (!a.user.includes('@') && (await accounts.getUser(a.user)) === undefined) unknown.push(a.user);
  }
  if (unknown.length > 0) throw unknownUsers(unknown);
  const resolved: { userId: string; role: Role }[] = [];
  for (const a of assignments) {
    if (!a.user.includes('@')) {
      resolved.push({ userId: a.user, role: a.role });
      continue;
    }
    const existing = await accounts.findUserRowByEmail(a.user);
    const name = (a.name ?? a.user.split('@')[0] ?? a.user).trim();
    const [family, ...given] = name.split(/\s+/);
    const user =
      existing === undefined
        ? await accounts.createUser({
            tenantId: await operatorTenant(shomei),
            email: a.user,
            displayName: name,
            familyName: family ?? name,
            givenName: given.join(' ') || (family ?? name),
          })
        : { id: existing.id };
    resolved.push({ userId: user.id, role: a.role });
  }
  return resolved;
}

async function readiness(shomei: Shomei, userId: string, role: Role): Promise<BootstrapOperator> {
  const user = (await shomei.identity.getUser(userId))!;
  if (user.status === 'pending-activation') {
    const { token } = await shomei.identity.applications.issueActivationToken(userId);
    const activationLink = `${shomei.identity.settings.publicUrl}/activate#token=${encodeURIComponent(token)}`;
    return { userId, email: user.email, role, status: 'activation-link', activationLink };
  }
  const enrolled = await shomei.identity.totp.hasConfirmed(userId);
  return { userId, email: user.email, role, status: enrolled ? 'ready' : 'enrol-second-factor' };
}

export async function runBootstrapCeremony(
  shomei: Shomei,
  assignments: readonly BootstrapAssignment[],
  training?: BootstrapTraining,
): Promise<BootstrapOutcome> {
  if (assignments.length === 0 || !assignments.every((a) => isRole(a.role))) {
    throw shomeiError('SHOMEI_ADMIN_INPUT_INVALID', '--assign が必要です。', '--assign is required.', {
      status: 400,
    });
  }
  const actor = ceremonyActor();
  const team = await resolveAccounts(shomei, assignments);
  const grants = shomei.admin.grants;
  if (await grants.anyPrivilegedGrant()) {
    // A repeat: allowed only for the same team, and only until everyone is ready.
    const held = await Promise.all(team.map(async (t) => (await grants.rolesOf(t.userId)).includes(t.role)));
    const states = await Promise.all(team.map((t) => shomei.identity.totp.hasConfirmed(t.userId)));
    // A different team, or a finished ceremony: admin refuses (SHOMEI_ADMIN_ALREADY_BOOTSTRAPPED), audited.
    if (held.includes(false) || states.every(Boolean)) await shomei.admin.bootstrap(team, actor.id);
  } else {
    if (training !== undefined) {
      for (const t of team) {
        if (!(await grants.hasCurrentTraining(t.userId))) {
          await grants.recordTraining({ userId: t.userId, ...training }, actor.id);
        }
      }
    }
    await shomei.admin.bootstrap(team, actor.id);
  }
  const operators: BootstrapOperator[] = [];
  for (const t of team) operators.push(await readiness(shomei, t.userId, t.role));
  const complete = operators.every((o) => o.status === 'ready');
  await shomei.audit.trail.append({
    type: 'admin.bootstrap.ceremony',
    actor,
    outcome: 'success',
    details: {
      operators: operators.map((o) => ({ userId: o.userId, role: o.role, status: o.status })),
      complete,
    },
  });
  return { operators, complete };
}
