/**
 * The admin services an installation runs: role grants with separation of duties, training records,
 * dual control with its executors, maintenance terminals, and the privilege check for identity.
 */

import {
  type AuditParameterStore,
  mergeAuditParameters,
  type TransactionalAuditTrail,
} from '../audit/index.ts';
import { type Clock, systemClock } from '../clock/index.ts';
import type { CryptoModule } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { PrivilegeCheck } from '../identity/index.ts';
import type { Database, KeyRegistry } from '../store/index.ts';
import { DualControl } from './dual-control.ts';
import {
  type AuditPruneTarget,
  auditParametersExecutor,
  auditPruneExecutor,
  keyActivateExecutor,
  keyDestroyExecutor,
  roleGrantExecutor,
  roleRevokeExecutor,
} from './executors.ts';
import { RoleGrants } from './grants.ts';
import { PublicNotices } from './notices.ts';
import { PolicyRegistry } from './policies.ts';
import { type Privilege, privilegeCheckFor, userHasPrivilege } from './privileges.ts';
import { isPrivileged, type Role } from './roles.ts';
import type { AdminTables } from './tables.ts';
import { MaintenanceTerminals } from './terminals.ts';
import { SERVICE_TERMINATION_KIND, ServiceTermination, serviceTerminationExecutor } from './termination.ts';
import { identifier } from './validate.ts';

export interface AdminSettings {
  readonly approvalHours: number;
  readonly trainingValidityDays: number;
  readonly allowedIps: readonly string[];
  /** True in development: the IP allow-list may stand in for terminal certificates. */
  readonly allowIpList: boolean;
}

export interface AdminServices {
  readonly grants: RoleGrants;
  readonly dualControl: DualControl;
  readonly terminals: MaintenanceTerminals;
  /** Published policy documents and the provider's items (ADR 033). */
  readonly policies: PolicyRegistry;
  /** The approved service termination and its finished steps (ADR 036). */
  readonly termination: ServiceTermination;
  /** Public notices, written by the key-compromise and termination steps only. */
  readonly notices: PublicNotices;
  /** identity's PrivilegeCheck, answered from role grants. */
  readonly privilegeCheck: PrivilegeCheck;
  hasPrivilege(userId: string, privilege: Privilege): Promise<boolean>;
  /**
   * Puts the first team in place on a new installation (no privileged grant exists yet), from the
   * server console; afterwards every privileged grant goes through dual control.
   */
  bootstrap(assignments: readonly { userId: string; role: Role }[], operator: string): Promise<void>;
}

export interface OpenAdminOptions {
  readonly database: Database;
  readonly audit: TransactionalAuditTrail;
  readonly settings: AdminSettings;
  readonly crypto?: CryptoModule;
  readonly keys?: KeyRegistry;
  readonly auditParameters?: AuditParameterStore;
  /** The audit module's prune, put under dual control. */
  readonly auditPrune?: AuditPruneTarget;
  readonly clock?: Clock;
}

export function openAdminServices(options: OpenAdminOptions): AdminServices {
  const db = options.database.db.withTables<AdminTables>();
  const clock = options.clock ?? systemClock;
  const grants = new RoleGrants({ db, audit: options.audit, settings: options.settings, clock });
  const dualControl = new DualControl({
    db,
    grants,
    audit: options.audit,
    settings: options.settings,
    clock,
  });
  dualControl.register('role.grant', roleGrantExecutor(grants));
  dualControl.register('role.revoke', roleRevokeExecutor(grants));
  if (options.crypto !== undefined && options.keys !== undefined) {
    dualControl.register('key.destroy', keyDestroyExecutor(options.crypto, options.keys));
    dualControl.register('key.activate', keyActivateExecutor(options.crypto, options.keys));
  }
  if (options.auditPrune !== undefined)
    dualControl.register('audit.prune', auditPruneExecutor(options.auditPrune));
  const parameters = options.auditParameters;
  if (parameters !== undefined) {
    dualControl.register(
      'audit.parameters',
      auditParametersExecutor({
        parse(payload) {
          // Validate now against the values in force; the change is merged again when approved.
          mergeAuditParameters(parameters.current, payload);
          return payload as Record<string, unknown>;
        },
        async apply(change, changedBy, requestId) {
          const next = await parameters.change(change, changedBy, requestId);
          return { checkpointIntervalSeconds: next.checkpointIntervalSeconds, timeZone: next.timeZone };
        },
      }),
    );
  }
  const termination = new ServiceTermination(db, options.audit, clock);
  dualControl.register(SERVICE_TERMINATION_KIND, serviceTerminationExecutor(termination));
  const terminals = new MaintenanceTerminals({
    db,
    audit: options.audit,
    policy: { allowIpList: options.settings.allowIpList, allowedIps: options.settings.allowedIps },
    clock,
  });
  return {
    grants,
    dualControl,
    terminals,
    policies: new PolicyRegistry(db, clock),
    termination,
    notices: new PublicNotices(db, clock),
    privilegeCheck: privilegeCheckFor(grants),
    hasPrivilege: (userId, privilege) => userHasPrivilege(grants, userId, privilege),
    async bootstrap(assignments, operatorInput) {
      const operator = identifier(operatorInput, 'operator');
      if (await grants.anyPrivilegedGrant()) {
        await options.audit.append({
          type: 'admin.role.bootstrap',
          actor: { kind: 'operator', id: operator },
          outcome: 'failure',
          details: { reason: 'already-bootstrapped' },
        });
        throw shomeiError(
          'SHOMEI_ADMIN_ALREADY_BOOTSTRAPPED',
          '特権をもつ役割は既に付与されています。以後の付与は二者承認で行います。',
          'Privileged roles are already in place; further grants go through dual control.',
          { status: 409 },
        );
      }
      if (!assignments.some((a) => a.role === 'security_officer')) {
        throw shomeiError(
          'SHOMEI_ADMIN_INPUT_INVALID',
          '最初の体制にはセキュリティ統括責任者が必要です。',
          'The first team must include a security officer.',
          { status: 400 },
        );
      }
      // Check every assignment (conflicts among them too) before granting any.
      const seen = new Map<string, Role>();
      for (const a of assignments) {
        await grants.checkGrantable(a.userId, a.role);
        const other = seen.get(a.userId);
        if (other !== undefined && (isPrivileged(other) || isPrivileged(a.role))) {
          throw shomeiError(
            'SHOMEI_ROLE_CONFLICT',
            '職務分離のため、一人に複数の特権をもつ役割は付与できません。',
            'Separation of duties: one person cannot hold two privileged roles.',
            { status: 409, details: { userId: a.userId } },
          );
        }
        seen.set(a.userId, a.role);
      }
      for (const a of assignments) await grants.apply(a.userId, a.role, `operator:${operator}`, null);
      await options.audit.append({
        type: 'admin.role.bootstrap',
        actor: { kind: 'operator', id: operator },
        outcome: 'success',
        details: { assignments: assignments.map((a) => ({ userId: a.userId, role: a.role })) },
      });
    },
  };
}
