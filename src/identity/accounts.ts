/** Organisations (tenants) and users: the records, without authentication logic. */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { shomeiError } from '../errors/index.ts';
import {
  type Clock,
  DEFAULT_AUTHENTICATION_POLICY,
  type SecondFactorKind,
  type Tenant,
  type TenantAuthenticationPolicy,
  type User,
  type UserStatus,
} from './model.ts';
import type { IdentityTables, TenantTable, UserTable } from './tables.ts';

export function tenantFromRow(row: TenantTable): Tenant {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    policy: {
      secondFactor: row.second_factor === 'optional' ? 'optional' : 'required',
      allowedSecondFactors: row.allowed_second_factors
        .split(',')
        .filter((f): f is SecondFactorKind => f === 'totp' || f === 'passkey'),
    },
    createdAt: row.created_at,
  };
}

export function userFromRow(row: UserTable, now: Date): User {
  const locked =
    row.locked_at !== null && (row.locked_until === null || Date.parse(row.locked_until) > now.getTime());
  return {
    id: row.id,
    tenantId: row.tenant_id,
    email: row.email,
    displayName: row.display_name,
    familyName: row.family_name,
    givenName: row.given_name,
    familyNameKana: row.family_name_kana,
    givenNameKana: row.given_name_kana,
    organisationName: row.organisation_name,
    department: row.department,
    title: row.title,
    status: row.status as UserStatus,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
    lastLoginAt: row.last_login_at,
    locked,
  };
}

export interface NewUser {
  readonly tenantId: string;
  readonly email: string;
  readonly displayName: string;
  readonly familyName: string;
  readonly givenName: string;
  readonly familyNameKana?: string | null | undefined;
  readonly givenNameKana?: string | null | undefined;
  readonly organisationName?: string | null | undefined;
  readonly department?: string | null | undefined;
  readonly title?: string | null | undefined;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export class Accounts {
  constructor(
    private readonly db: Kysely<IdentityTables>,
    private readonly clock: Clock,
  ) {}

  async createTenant(
    params: { slug: string; name: string; policy?: TenantAuthenticationPolicy },
    db: Kysely<IdentityTables> = this.db,
  ): Promise<Tenant> {
    const policy = params.policy ?? DEFAULT_AUTHENTICATION_POLICY;
    const row: TenantTable = {
      id: randomUUID(),
      slug: params.slug,
      name: params.name,
      second_factor: policy.secondFactor,
      allowed_second_factors: policy.allowedSecondFactors.join(','),
      created_at: this.clock().toISOString(),
    };
    const existing = await db
      .selectFrom('identity_tenants')
      .select('id')
      .where('slug', '=', params.slug)
      .executeTakeFirst();
    if (existing !== undefined) {
      throw shomeiError(
        'SHOMEI_TENANT_EXISTS',
        `組織 ${params.slug} は既に登録されています。`,
        `The organisation ${params.slug} already exists.`,
        { status: 409, details: { slug: params.slug } },
      );
    }
    await db.insertInto('identity_tenants').values(row).execute();
    return tenantFromRow(row);
  }

  async setTenantPolicy(tenantId: string, policy: TenantAuthenticationPolicy): Promise<void> {
    await this.db
      .updateTable('identity_tenants')
      .set({
        second_factor: policy.secondFactor,
        allowed_second_factors: policy.allowedSecondFactors.join(','),
      })
      .where('id', '=', tenantId)
      .execute();
  }

  async getTenant(tenantId: string, db: Kysely<IdentityTables> = this.db): Promise<Tenant | undefined> {
    const row = await db
      .selectFrom('identity_tenants')
      .selectAll()
      .where('id', '=', tenantId)
      .executeTakeFirst();
    return row === undefined ? undefined : tenantFromRow(row);
  }

  /** Every tenant, oldest first (the service termination exports each one, ADR 036). */
  async listTenants(): Promise<Tenant[]> {
    const rows = await this.db
      .selectFrom('identity_tenants')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(tenantFromRow);
  }

  async getTenantBySlug(slug: string, db: Kysely<IdentityTables> = this.db): Promise<Tenant | undefined> {
    const row = await db
      .selectFrom('identity_tenants')
      .selectAll()
      .where('slug', '=', slug)
      .executeTakeFirst();
    return row === undefined ? undefined : tenantFromRow(row);
  }

  async createUser(params: NewUser, db: Kysely<IdentityTables> = this.db): Promise<User> {
    const email = normaliseEmail(params.email);
    const taken = await db
      .selectFrom('identity_users')
      .select('id')
      .where('email', '=', email)
      .executeTakeFirst();
    if (taken !== undefined) {
      throw shomeiError(
        'SHOMEI_USER_EXISTS',
        'このメールアドレスのアカウントは既にあります。',
        'An account with this email address already exists.',
        { status: 409 },
      );
    }
    const row: UserTable = {
      id: randomUUID(),
      tenant_id: params.tenantId,
      email,
      display_name: params.displayName,
      family_name: params.familyName,
      given_name: params.givenName,
      family_name_kana: params.familyNameKana ?? null,
      given_name_kana: params.givenNameKana ?? null,
      organisation_name: params.organisationName ?? null,
      department: params.department ?? null,
      title: params.title ?? null,
      status: 'pending-activation',
      status_reason: null,
      created_at: this.clock().toISOString(),
      activated_at: null,
      last_login_at: null,
      suspended_at: null,
      closed_at: null,
      failed_attempts: 0,
      locked_at: null,
      locked_until: null,
    };
    await db.insertInto('identity_users').values(row).execute();
    return userFromRow(row, this.clock());
  }

  async getUserRow(userId: string, db: Kysely<IdentityTables> = this.db): Promise<UserTable | undefined> {
    return db.selectFrom('identity_users').selectAll().where('id', '=', userId).executeTakeFirst();
  }

  async findUserRowByEmail(email: string): Promise<UserTable | undefined> {
    return this.db
      .selectFrom('identity_users')
      .selectAll()
      .where('email', '=', normaliseEmail(email))
      .executeTakeFirst();
  }

  async getUser(userId: string): Promise<User | undefined> {
    const row = await this.getUserRow(userId);
    return row === undefined ? undefined : userFromRow(row, this.clock());
  }

  async listUsers(tenantId: string): Promise<User[]> {
    const rows = await this.db
      .selectFrom('identity_users')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .orderBy('created_at')
      .execute();
    const now = this.clock();
    return rows.map((r) => userFromRow(r, now));
  }

  async recordLogin(userId: string): Promise<void> {
    await this.db
      .updateTable('identity_users')
      .set({ last_login_at: this.clock().toISOString() })
      .where('id', '=', userId)
      .execute();
  }
}
