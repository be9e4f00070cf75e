/** The dual-control operations this module puts into effect itself: role grants, provider keys, audit parameters. */
import type { CryptoModule } from '../crypto/index.ts';
import { KEY_ALGORITHMS, type KeyAlgorithm } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { KeyRegistry } from '../store/index.ts';
import type { DualControlExecutor, JsonObject } from './dual-control.ts';
import { invalidInput } from './errors.ts';
import type { RoleGrants } from './grants.ts';
import { isRole } from './roles.ts';
import { identifier, plainText } from './validate.ts';

function object(payload: unknown): Record<string, unknown> {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw invalidInput('payload', 'must be a JSON object');
  }
  return payload as Record<string, unknown>;
}

export function roleGrantExecutor(grants: RoleGrants): DualControlExecutor {
  return {
    description: { ja: '役割の付与', en: 'Grant a role' },
    requesters: ['security_officer'],
    approvers: ['security_officer', 'system_administrator'],
    beneficiary: (payload) => payload.userId as string,
    parse(payload) {
      const p = object(payload);
      if (!isRole(p.role)) throw invalidInput('role', 'unknown role');
      return { userId: identifier(p.userId, 'userId'), role: p.role };
    },
    async precheck(payload) {
      await grants.checkGrantable(payload.userId, payload.role);
    },
    async execute(payload, context) {
      const grant = await grants.apply(payload.userId, payload.role, context.approvedBy, context.requestId);
      return { grantId: grant.id, userId: grant.userId, role: grant.role };
    },
  };
}

export function roleRevokeExecutor(grants: RoleGrants): DualControlExecutor {
  return {
    description: { ja: '役割の取消し', en: 'Revoke a role' },
    requesters: ['security_officer'],
    approvers: ['security_officer', 'system_administrator'],
    parse(payload) {
      const p = object(payload);
      if (!isRole(p.role)) throw invalidInput('role', 'unknown role');
      return { userId: identifier(p.userId, 'userId'), role: p.role };
    },
    async execute(payload, context) {
      await grants.revoke(payload.userId, payload.role, context.approvedBy, context.requestId);
      return { userId: payload.userId as string, role: payload.role as string };
    },
  };
}

const PROTECTED_PURPOSES = new Set(['audit-checkpoint']);

export function keyDestroyExecutor(crypto: CryptoModule, keys: KeyRegistry): DualControlExecutor {
  return {
    description: { ja: '鍵の破棄', en: 'Destroy a key in the HSM' },
    requesters: ['system_administrator', 'security_officer'],
    approvers: ['security_officer', 'system_administrator'],
    parse(payload) {
      const p = object(payload);
      if (typeof p.keyId !== 'string' || !/^[0-9a-f]{2,128}$/.test(p.keyId))
        throw invalidInput('keyId', 'must be a hex key id');
      return { keyId: p.keyId, reason: plainText(p.reason, 'reason') };
    },
    async precheck(payload) {
      const record = await keys.get(payload.keyId as string);
      if (record === undefined || record.status !== 'active') {
        throw shomeiError(
          'SHOMEI_KEY_NOT_FOUND',
          '有効な鍵の記録がありません。',
          'There is no record of an active key with that id.',
          {
            status: 404,
            details: { keyId: payload.keyId },
          },
        );
      }
      if (PROTECTED_PURPOSES.has(record.purpose)) {
        throw shomeiError(
          'SHOMEI_KEY_IN_USE',
          '監査チェックポイント鍵は鍵更新の手順でのみ破棄できます。',
          'The audit checkpoint key can be destroyed only by rolling it over.',
          { status: 409, details: { keyId: payload.keyId, purpose: record.purpose } },
        );
      }
    },
    async execute(payload) {
      const keyId = payload.keyId as string;
      const objects = await crypto.destroyKey(keyId);
      await keys.markDestroyed(keyId, payload.reason as string);
      return { keyId, destroyedObjects: objects };
    },
  };
}

/** Activating a provider key: generating it inside the HSM and recording its purpose. */
export function keyActivateExecutor(crypto: CryptoModule, keys: KeyRegistry): DualControlExecutor {
  return {
    description: { ja: '事業者鍵の生成・有効化', en: 'Generate and activate a provider key' },
    requesters: ['system_administrator'],
    approvers: ['security_officer'],
    parse(payload) {
      const p = object(payload);
      if (!(KEY_ALGORITHMS as readonly unknown[]).includes(p.algorithm)) {
        throw invalidInput('algorithm', `must be one of ${KEY_ALGORITHMS.join(', ')}`);
      }
      return {
        algorithm: p.algorithm as string,
        label: identifier(p.label, 'label', 64),
        purpose: identifier(p.purpose, 'purpose', 64),
      };
    },
    async execute(payload) {
      const key = await crypto.generateSigningKey(payload.algorithm as KeyAlgorithm, payload.label as string);
      await keys.record({
        keyId: key.id,
        label: key.label,
        kind: key.kind,
        algorithm: key.algorithm,
        purpose: payload.purpose as string,
        publicKey: key.publicKey,
      });
      return { keyId: key.id, algorithm: key.algorithm, purpose: payload.purpose as string };
    },
  };
}

/** Audit parameters as the alert rules and the checkpointer use them. */
export interface AuditParameterTarget {
  parse(payload: unknown): JsonObject;
  apply(parameters: JsonObject, changedBy: string, requestId: string): Promise<JsonObject>;
}

export function auditParametersExecutor(target: AuditParameterTarget): DualControlExecutor {
  return {
    description: { ja: '監査パラメータの変更', en: 'Change audit parameters' },
    requesters: ['security_officer', 'system_administrator'],
    approvers: ['security_officer', 'system_administrator'],
    parse: (payload) => target.parse(payload),
    execute: (payload, context) => target.apply(payload, context.approvedBy, context.requestId),
  };
}

/** The audit module's controlled deletion, as dual control sees it. */
export interface AuditPruneTarget {
  check(throughSeq: number): Promise<void>;
  prune(throughSeq: number, prunedBy: string): Promise<JsonObject>;
}

/**
 * Pruning audit records: asked by an administrator or the security officer, agreed by the auditor
 * (or the security officer) who reviews the trail; refused below the retention floor or without a
 * verified, timestamped archive, both when asked and when approved.
 */
export function auditPruneExecutor(target: AuditPruneTarget): DualControlExecutor {
  return {
    description: {
      ja: '監査ログの削除 (アーカイブ済み・保存期間経過分)',
      en: 'Prune archived audit records past retention',
    },
    requesters: ['system_administrator', 'security_officer'],
    approvers: ['system_auditor', 'security_officer'],
    parse(payload) {
      const p = object(payload);
      if (typeof p.throughSeq !== 'number' || !Number.isSafeInteger(p.throughSeq) || p.throughSeq < 1) {
        throw invalidInput('throughSeq', 'must be a positive integer');
      }
      return { throughSeq: p.throughSeq };
    },
    precheck: (payload) => target.check(payload.throughSeq as number),
    execute: (payload, context) => target.prune(payload.throughSeq as number, context.requestedBy),
  };
}
