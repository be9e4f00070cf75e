/**
 * Usage applications (利用申請, JIPDEC EC/RS 2.1.1): a person applies, or someone applies for them
 * (署名代行者 / 利用申請者 with a delegation); an operator checks identity, records how, and approves
 * or rejects. Approval opens the account and issues a single-use, expiring activation token.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import * as z from 'zod';
import { type ShomeiError, shomeiError } from '../errors/index.ts';
import { type Accounts, normaliseEmail } from './accounts.ts';
import { invalidState, notFound } from './errors.ts';
import type { Clock, Tenant, User } from './model.ts';
import { hashSecret, newSecretToken } from './secrets.ts';
import type { IdentitySettings } from './settings.ts';
import type { ApplicationTable, IdentityTables } from './tables.ts';

const text = (max: number) => z.string().trim().min(1).max(max);

/** Applications accepted for one e-mail address within 24 hours. */
export const APPLICATIONS_PER_ADDRESS_PER_DAY = 3;

function tooManyApplications(): ShomeiError {
  return shomeiError(
    'SHOMEI_RATE_LIMITED',
    'このメールアドレスでの利用申請が多すぎます。24 時間後に再度お試しください。',
    'Too many applications for this e-mail address. Try again in 24 hours.',
    { status: 429, details: { max: APPLICATIONS_PER_ADDRESS_PER_DAY, retryAfterSeconds: 24 * 3600 } },
  );
}
const optionalText = (max: number) => z.string().trim().max(max).optional();

export const IDENTITY_CHECK_METHODS = [
  'in-person',
  'identity-document-copy',
  'jpki',
  'ekyc',
  'corporate-registry',
  'employer-attestation',
  'other',
] as const;
export type IdentityCheckMethod = (typeof IDENTITY_CHECK_METHODS)[number];

/**
 * The shapes of an application and its approval, built on first use: `shomei sign` evaluates this
 * module (Identity's) but never validates an application (ADR 050). Declared once, here: the routes'
 * bodies and answers use these, and their types below are inferred from them.
 */
function buildApplicationShapes() {
  const delegation = z.object({
    /** The applicant acting for the user. */
    delegateName: text(100),
    delegateEmail: z.string().trim().max(254).email(),
    relationship: text(200),
    /** What the delegate may do for the user (e.g. "apply and receive credentials"). */
    scope: text(500),
    /** Reference of the power of attorney or internal authorisation document (委任状). */
    evidenceReference: text(200),
  });
  const applicationInput = z.object({
    tenantSlug: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,62}$/)
      .optional(),
    organisationName: text(200),
    user: z.object({
      email: z.string().trim().max(254).email(),
      displayName: text(100),
      familyName: text(50),
      givenName: text(50),
      familyNameKana: optionalText(50),
      givenNameKana: optionalText(50),
      department: optionalText(100),
      title: optionalText(100),
    }),
    delegation: delegation.optional(),
  });
  const approval = z.object({
    identityCheck: z.object({
      method: z.enum(IDENTITY_CHECK_METHODS),
      /** Where the evidence is kept (document number, case id); never the document itself. */
      reference: text(200),
    }),
    /** Must be true when the application carries a delegation: the operator checked it. */
    delegationVerified: z.boolean().optional(),
    /** Existing organisation to add the user to; otherwise one is created from the application. */
    tenantId: z.string().uuid().optional(),
  });
  return { delegation, applicationInput, approval };
}

type ApplicationShapes = ReturnType<typeof buildApplicationShapes>;
let shapes: ApplicationShapes | undefined;

export function applicationShapes(): ApplicationShapes {
  shapes ??= buildApplicationShapes();
  return shapes;
}

export type ApplicationInput = z.infer<ApplicationShapes['applicationInput']>;
export type ApprovalInput = z.infer<ApplicationShapes['approval']>;

export type ApplicationStatus = 'pending' | 'approved' | 'rejected';

export interface Application {
  readonly id: string;
  readonly status: ApplicationStatus;
  readonly submittedAt: string;
  readonly organisationName: string;
  readonly requestedTenantSlug: string | null;
  readonly user: ApplicationInput['user'];
  readonly delegation: z.infer<ApplicationShapes['delegation']> | null;
  readonly decidedAt: string | null;
  readonly decidedBy: string | null;
  readonly decisionReason: string | null;
  readonly identityCheck: { method: string; reference: string } | null;
  readonly tenantId: string | null;
  readonly userId: string | null;
}

function fromRow(row: ApplicationTable): Application {
  return {
    id: row.id,
    status: row.status as ApplicationStatus,
    submittedAt: row.submitted_at,
    organisationName: row.organisation_name,
    requestedTenantSlug: row.requested_tenant_slug,
    user: {
      email: row.user_email,
      displayName: row.user_display_name,
      familyName: row.user_family_name,
      givenName: row.user_given_name,
      ...(row.user_family_name_kana === null ? {} : { familyNameKana: row.user_family_name_kana }),
      ...(row.user_given_name_kana === null ? {} : { givenNameKana: row.user_given_name_kana }),
      ...(row.user_department === null ? {} : { department: row.user_department }),
      ...(row.user_title === null ? {} : { title: row.user_title }),
    },
    delegation:
      row.delegation === null ? null : applicationShapes().delegation.parse(JSON.parse(row.delegation)),
    decidedAt: row.decided_at,
    decidedBy: row.decided_by,
    decisionReason: row.decision_reason,
    identityCheck:
      row.identity_check_method === null
        ? null
        : { method: row.identity_check_method, reference: row.identity_check_reference ?? '' },
    tenantId: row.tenant_id,
    userId: row.user_id,
  };
}

export interface Approval {
  readonly application: Application;
  readonly tenant: Tenant;
  readonly user: User;
  /** The activation token for the mail; never stored in the clear. */
  readonly activationToken: string;
  readonly activationExpiresAt: string;
}

/** What account applications work with, passed as one object (docs/CONTRIBUTING.md, Code). */
export interface ApplicationsDeps {
  readonly db: Kysely<IdentityTables>;
  readonly accounts: Accounts;
  readonly settings: IdentitySettings;
  readonly clock: Clock;
}

export class Applications {
  constructor(private readonly deps: ApplicationsDeps) {}

  async submit(input: ApplicationInput): Promise<Application> {
    // Anyone may apply, and each application mails its address: a few per address and day, so the
    // form cannot be used to flood someone's mailbox (the route also limits each source address).
    const email = normaliseEmail(input.user.email);
    const since = new Date(this.deps.clock().getTime() - 24 * 3600_000).toISOString();
    const recent = await this.deps.db
      .selectFrom('identity_applications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_email', '=', email)
      .where('submitted_at', '>', since)
      .executeTakeFirst();
    if (Number(recent?.n ?? 0) >= APPLICATIONS_PER_ADDRESS_PER_DAY) throw tooManyApplications();
    const row: ApplicationTable = {
      id: randomUUID(),
      status: 'pending',
      submitted_at: this.deps.clock().toISOString(),
      requested_tenant_slug: input.tenantSlug ?? null,
      organisation_name: input.organisationName,
      user_email: normaliseEmail(input.user.email),
      user_display_name: input.user.displayName,
      user_family_name: input.user.familyName,
      user_given_name: input.user.givenName,
      user_family_name_kana: input.user.familyNameKana ?? null,
      user_given_name_kana: input.user.givenNameKana ?? null,
      user_department: input.user.department ?? null,
      user_title: input.user.title ?? null,
      delegation: input.delegation === undefined ? null : JSON.stringify(input.delegation),
      decided_at: null,
      decided_by: null,
      decision_reason: null,
      identity_check_method: null,
      identity_check_reference: null,
      tenant_id: null,
      user_id: null,
    };
    await this.deps.db.insertInto('identity_applications').values(row).execute();
    return fromRow(row);
  }

  async get(id: string): Promise<Application | undefined> {
    const row = await this.deps.db
      .selectFrom('identity_applications')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : fromRow(row);
  }

  async list(status?: ApplicationStatus, limit = 100): Promise<Application[]> {
    let query = this.deps.db.selectFrom('identity_applications').selectAll();
    if (status !== undefined) query = query.where('status', '=', status);
    const rows = await query.orderBy('submitted_at', 'desc').limit(limit).execute();
    return rows.map(fromRow);
  }

  /** Approves in one transaction: organisation, user, delegation record, activation token, decision. */
  async approve(id: string, decision: ApprovalInput, operatorId: string): Promise<Approval> {
    return this.deps.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('identity_applications')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (row === undefined) throw notFound('application');
      if (row.status !== 'pending') throw alreadyDecided(row.status);
      if (row.delegation !== null && decision.delegationVerified !== true) {
        throw shomeiError(
          'SHOMEI_DELEGATION_UNVERIFIED',
          '代理申請です。委任関係を確認したうえで delegationVerified を true にしてください。',
          'The application was made by a delegate; verify the delegation and set delegationVerified to true.',
          { status: 422 },
        );
      }
      const tenant = await this.tenantFor(row, decision.tenantId, trx);
      const user = await this.deps.accounts.createUser(
        {
          tenantId: tenant.id,
          email: row.user_email,
          displayName: row.user_display_name,
          familyName: row.user_family_name,
          givenName: row.user_given_name,
          familyNameKana: row.user_family_name_kana,
          givenNameKana: row.user_given_name_kana,
          organisationName: row.organisation_name,
          department: row.user_department,
          title: row.user_title,
        },
        trx,
      );
      const now = this.deps.clock().toISOString();
      if (row.delegation !== null) {
        const delegation = applicationShapes().delegation.parse(JSON.parse(row.delegation));
        await trx
          .insertInto('identity_delegations')
          .values({
            id: randomUUID(),
            user_id: user.id,
            application_id: row.id,
            delegate_name: delegation.delegateName,
            delegate_email: normaliseEmail(delegation.delegateEmail),
            relationship: delegation.relationship,
            scope: delegation.scope,
            evidence_reference: delegation.evidenceReference,
            verified_by: operatorId,
            verified_at: now,
            revoked_at: null,
          })
          .execute();
      }
      const activation = await this.issueActivationToken(user.id, trx);
      const updated = await trx
        .updateTable('identity_applications')
        .set({
          status: 'approved',
          decided_at: now,
          decided_by: operatorId,
          identity_check_method: decision.identityCheck.method,
          identity_check_reference: decision.identityCheck.reference,
          tenant_id: tenant.id,
          user_id: user.id,
        })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .returningAll()
        .executeTakeFirstOrThrow();
      return {
        application: fromRow(updated),
        tenant,
        user,
        activationToken: activation.token,
        activationExpiresAt: activation.expiresAt,
      };
    });
  }

  async reject(id: string, reason: string, operatorId: string): Promise<Application> {
    const updated = await this.deps.db
      .updateTable('identity_applications')
      .set({
        status: 'rejected',
        decided_at: this.deps.clock().toISOString(),
        decided_by: operatorId,
        decision_reason: reason,
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    if (updated === undefined) {
      const existing = await this.get(id);
      if (existing === undefined) throw notFound('application');
      throw alreadyDecided(existing.status);
    }
    return fromRow(updated);
  }

  /** A new activation token; earlier unused ones for the same user stop working. */
  async issueActivationToken(
    userId: string,
    db: Kysely<IdentityTables> = this.deps.db,
  ): Promise<{ token: string; expiresAt: string }> {
    const now = this.deps.clock();
    await db
      .updateTable('identity_activation_tokens')
      .set({ used_at: now.toISOString() })
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .execute();
    const token = newSecretToken();
    const expiresAt = new Date(now.getTime() + this.deps.settings.activationTokenLifetimeMs).toISOString();
    await db
      .insertInto('identity_activation_tokens')
      .values({
        token_hash: hashSecret(token),
        user_id: userId,
        purpose: 'activation',
        created_at: now.toISOString(),
        expires_at: expiresAt,
        used_at: null,
      })
      .execute();
    return { token, expiresAt };
  }

  /** Consumes an activation token inside the caller's transaction; the user id, or undefined. */
  async consumeActivationToken(token: string, trx: Kysely<IdentityTables>): Promise<string | undefined> {
    if (token.length < 20 || token.length > 100) return undefined;
    const now = this.deps.clock().toISOString();
    const row = await trx
      .updateTable('identity_activation_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', hashSecret(token))
      .where('purpose', '=', 'activation')
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['user_id'])
      .executeTakeFirst();
    return row?.user_id;
  }

  private async tenantFor(
    row: ApplicationTable,
    tenantId: string | undefined,
    trx: Kysely<IdentityTables>,
  ): Promise<Tenant> {
    if (tenantId !== undefined) {
      const tenant = await this.deps.accounts.getTenant(tenantId, trx);
      if (tenant === undefined) throw notFound('tenant');
      return tenant;
    }
    if (row.requested_tenant_slug !== null) {
      const existing = await this.deps.accounts.getTenantBySlug(row.requested_tenant_slug, trx);
      if (existing !== undefined) return existing;
    }
    const slug = row.requested_tenant_slug ?? `org-${randomUUID().slice(0, 8)}`;
    return this.deps.accounts.createTenant({ slug, name: row.organisation_name }, trx);
  }
}

function alreadyDecided(status: string) {
  return invalidState(
    { ja: 'この申請は既に処理されています。', en: 'This application has already been decided.' },
    { status },
  );
}
