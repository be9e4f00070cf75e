/**
 * Who holds which role, and the training records a privileged grant needs (criterion EC 2.1.2).
 * Grants are applied here after the checks; putting a privileged grant into effect goes through
 * dual control (see dual-control.ts), so this class is called by the approved request's executor.
 */

import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TransactionalAuditTrail } from '../audit/index.ts';
import { type Clock, systemClock } from '../clock/index.ts';
import { shomeiError } from '../errors/index.ts';
import { invalidInput } from './errors.ts';
import { findRoleConflict, isPrivileged, isRole, ROLE_NAMES, type Role } from './roles.ts';
import type { AdminTables, TrainingRecordTable } from './tables.ts';
import { identifier, isoDate, plainText } from './validate.ts';

export interface RoleGrant {
  readonly id: string;
  readonly userId: string;
  readonly role: Role;
  readonly grantedAt: string;
  readonly grantedBy: string;
  readonly approvalId: string | null;
}

export interface TrainingRecord {
  readonly id: string;
  readonly userId: string;
  readonly topic: string;
  readonly trainer: string;
  readonly trainedOn: string;
  readonly recordedBy: string;
  readonly recordedAt: string;
}

export interface RoleGrantSettings {
  /** Days a training record stays current; 0 turns the requirement off. */
  readonly trainingValidityDays: number;
}

/** What role grants work with, passed as one object (docs/CONTRIBUTING.md, Code). */
export interface RoleGrantsDeps {
  readonly db: Kysely<AdminTables>;
  readonly audit: TransactionalAuditTrail;
  readonly settings: RoleGrantSettings;
  readonly clock?: Clock | undefined;
}

export class RoleGrants {
  private readonly db: Kysely<AdminTables>;
  private readonly audit: TransactionalAuditTrail;
  private readonly settings: RoleGrantSettings;
  private readonly clock: Clock;

  constructor(deps: RoleGrantsDeps) {
    this.db = deps.db;
    this.audit = deps.audit;
    this.settings = deps.settings;
    this.clock = deps.clock ?? systemClock;
  }

  async rolesOf(userId: string): Promise<Role[]> {
    const rows = await this.db
      .selectFrom('admin_role_grants')
      .select('role')
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
    return rows.map((r) => r.role).filter(isRole);
  }

  async hasAnyRole(userId: string, roles: readonly Role[]): Promise<boolean> {
    const held = await this.rolesOf(userId);
    return held.some((r) => roles.includes(r));
  }

  async holders(role: Role): Promise<string[]> {
    const rows = await this.db
      .selectFrom('admin_role_grants')
      .select('user_id')
      .where('role', '=', role)
      .where('revoked_at', 'is', null)
      .execute();
    return rows.map((r) => r.user_id);
  }

  async list(): Promise<RoleGrant[]> {
    const rows = await this.db
      .selectFrom('admin_role_grants')
      .selectAll()
      .where('revoked_at', 'is', null)
      .orderBy('granted_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      role: r.role as Role,
      grantedAt: r.granted_at,
      grantedBy: r.granted_by,
      approvalId: r.approval_id,
    }));
  }

  async anyPrivilegedGrant(): Promise<boolean> {
    const row = await this.db
      .selectFrom('admin_role_grants')
      .select('id')
      .where('privileged', '=', 1)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Throws when `role` may not be granted to `userId` now (conflict or missing training). */
  async checkGrantable(userIdInput: unknown, roleInput: unknown): Promise<{ userId: string; role: Role }> {
    const userId = identifier(userIdInput, 'userId');
    if (!isRole(roleInput))
      throw invalidInput('role', `must be one of ${Object.keys(ROLE_NAMES).join(', ')}`);
    const role = roleInput;
    const held = await this.rolesOf(userId);
    if (held.includes(role)) {
      throw shomeiError(
        'SHOMEI_ROLE_ALREADY_HELD',
        `${userId} は既に ${ROLE_NAMES[role].ja} です。`,
        `${userId} already holds the role ${ROLE_NAMES[role].en}.`,
        { status: 409, details: { userId, role } },
      );
    }
    const conflict = findRoleConflict(held, role);
    if (conflict !== undefined) {
      throw shomeiError(
        'SHOMEI_ROLE_CONFLICT',
        `職務分離のため、${ROLE_NAMES[conflict.held].ja} である者に ${ROLE_NAMES[role].ja} を付与できません。`,
        `Separation of duties: someone who is ${ROLE_NAMES[conflict.held].en} cannot also be ${ROLE_NAMES[role].en} (${conflict.rule}).`,
        { status: 409, details: { userId, held: conflict.held, requested: role, rule: conflict.rule } },
      );
    }
    if (
      isPrivileged(role) &&
      this.settings.trainingValidityDays > 0 &&
      !(await this.hasCurrentTraining(userId))
    ) {
      throw shomeiError(
        'SHOMEI_TRAINING_REQUIRED',
        `${userId} には有効な教育訓練の記録がありません (${this.settings.trainingValidityDays} 日以内)。`,
        `${userId} has no current training record (within ${this.settings.trainingValidityDays} days).`,
        { status: 409, details: { userId, role, validityDays: this.settings.trainingValidityDays } },
      );
    }
    return { userId, role };
  }

  /** Puts a grant into effect after checks. Called by the dual-control executor or the bootstrap. */
  async apply(
    userIdInput: unknown,
    roleInput: unknown,
    grantedBy: string,
    approvalId: string | null,
  ): Promise<RoleGrant> {
    const { userId, role } = await this.checkGrantable(userIdInput, roleInput);
    const grant: RoleGrant = {
      id: randomUUID(),
      userId,
      role,
      grantedAt: this.clock().toISOString(),
      grantedBy,
      approvalId,
    };
    try {
      // The grant and its audit record commit together or not at all.
      await this.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('admin_role_grants')
          .values({
            id: grant.id,
            user_id: userId,
            role,
            privileged: isPrivileged(role) ? 1 : 0,
            granted_at: grant.grantedAt,
            granted_by: grantedBy,
            approval_id: approvalId,
            revoked_at: null,
            revoked_by: null,
          })
          .execute();
        await this.audit.appendWithin(trx, {
          type: 'admin.role.grant',
          actor: { kind: 'user', id: grantedBy },
          subject: { kind: 'user', id: userId },
          outcome: 'success',
          details: { role, approvalId },
        });
      });
    } catch (error) {
      if (/unique|duplicate/i.test(String((error as Error).message))) {
        throw shomeiError(
          'SHOMEI_ROLE_CONFLICT',
          '職務分離のため、特権をもつ役割は一人一つまでです。',
          'Separation of duties: one person holds at most one privileged role.',
          { status: 409, details: { userId, requested: role } },
        );
      }
      throw error;
    }
    return grant;
  }

  async revoke(
    userIdInput: unknown,
    roleInput: unknown,
    revokedBy: string,
    approvalId: string | null,
  ): Promise<void> {
    const userId = identifier(userIdInput, 'userId');
    if (!isRole(roleInput)) throw invalidInput('role', 'unknown role');
    const role = roleInput;
    await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('admin_role_grants')
        .set({ revoked_at: this.clock().toISOString(), revoked_by: revokedBy })
        .where('user_id', '=', userId)
        .where('role', '=', role)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        throw shomeiError(
          'SHOMEI_ROLE_NOT_HELD',
          `${userId} はその役割をもっていません。`,
          `${userId} does not hold that role.`,
          { status: 404, details: { userId, role } },
        );
      }
      await this.audit.appendWithin(trx, {
        type: 'admin.role.revoke',
        actor: { kind: 'user', id: revokedBy },
        subject: { kind: 'user', id: userId },
        outcome: 'success',
        details: { role, approvalId },
      });
    });
  }

  // Training records (EC 2.1.2).

  async recordTraining(
    input: { userId: unknown; topic: unknown; trainer: unknown; trainedOn: unknown },
    recordedBy: string,
  ): Promise<TrainingRecord> {
    const row: TrainingRecordTable = {
      id: randomUUID(),
      user_id: identifier(input.userId, 'userId'),
      topic: plainText(input.topic, 'topic'),
      trainer: plainText(input.trainer, 'trainer', 100),
      trained_on: isoDate(input.trainedOn, 'trainedOn'),
      recorded_by: recordedBy,
      recorded_at: this.clock().toISOString(),
    };
    if (row.trained_on > row.recorded_at.slice(0, 10)) throw invalidInput('trainedOn', 'is in the future');
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('admin_training_records').values(row).execute();
      await this.audit.appendWithin(trx, {
        type: 'admin.training.record',
        actor: { kind: 'user', id: recordedBy },
        subject: { kind: 'user', id: row.user_id },
        outcome: 'success',
        details: { trainingId: row.id, topic: row.topic, trainer: row.trainer, trainedOn: row.trained_on },
      });
    });
    return toTraining(row);
  }

  async trainingOf(userId: string): Promise<TrainingRecord[]> {
    const rows = await this.db
      .selectFrom('admin_training_records')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('trained_on', 'desc')
      .execute();
    return rows.map(toTraining);
  }

  async hasCurrentTraining(userId: string): Promise<boolean> {
    const oldest = new Date(this.clock().getTime() - this.settings.trainingValidityDays * 86_400_000);
    const row = await this.db
      .selectFrom('admin_training_records')
      .select('id')
      .where('user_id', '=', userId)
      .where('trained_on', '>=', oldest.toISOString().slice(0, 10))
      .executeTakeFirst();
    return row !== undefined;
  }
}

function toTraining(row: TrainingRecordTable): TrainingRecord {
  return {
    id: row.id,
    userId: row.user_id,
    topic: row.topic,
    trainer: row.trainer,
    trainedOn: row.trained_on,
    recordedBy: row.recorded_by,
    recordedAt: row.recorded_at,
  };
}
