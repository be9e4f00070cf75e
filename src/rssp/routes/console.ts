/**
 * Operator console for signing credentials (/api/admin/credentials, inside the admin plugin): list
 * and detail for operators and administrators, suspend / resume / unlock, and revocation — which
 * revokes the certificate and destroys the key in the HSM, so it goes through dual control like any
 * other key destruction (`credential.revoke`, PS 4.2.10). Never returns PIN hashes, seeds or keys.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ConsoleRoutes, DualControlExecutor } from '../../admin/index.ts';
import { shomeiError } from '../../errors/index.ts';
import type { Credential } from '../credentials.ts';
import { credentialState } from '../errors.ts';
import type { RevocationReason } from '../ports.ts';
import type { RsspRouteView } from '../service.ts';
import type { CredentialStatus } from '../tables.ts';
import { CREDENTIAL_STATE_CHANGES } from '../verbs/index.ts';
import { applicationConsoleRoutes } from './application-console.ts';

const STATUSES = [
  'pending-certificate',
  'active',
  'suspended',
  'revoked',
  'ended',
] as const satisfies readonly CredentialStatus[];
const REASONS = [
  'keyCompromise',
  'cessationOfOperation',
  'superseded',
  'unspecified',
] as const satisfies readonly RevocationReason[];
const BODY_LIMIT = 4 * 1024;

const listQuery = z
  .object({
    status: z.enum(STATUSES).optional(),
    tenant: z.string().min(1).max(100).optional(),
    owner: z.string().min(1).max(100).optional(),
    q: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  .strict();
const idParams = z.object({ id: z.string().min(1).max(100) });
const revokeBody = z.object({ reason: z.enum(REASONS).optional() }).strict();

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || 'input';
    throw shomeiError('SHOMEI_BAD_REQUEST', `入力 ${where} が不正です。`, `Input ${where} is invalid.`, {
      status: 400,
      details: { field: where },
    });
  }
  return parsed.data;
}

/** What an operator sees of a credential: state, key facts, certificate; no secrets. */
export function credentialForConsole(c: Credential): Record<string, unknown> {
  return {
    credentialID: c.credential_id,
    owner: c.user_id,
    tenantId: c.tenant_id,
    description: c.description,
    status: c.status,
    algorithm: c.key_algorithm,
    scal: c.scal,
    authMode: c.auth_mode,
    multisign: c.multisign,
    keyDestroyed: c.key_id === null,
    pinSet: c.pin_hash !== null,
    otpMethod: c.otp_method,
    locked: c.locked_at !== null,
    lockedAt: c.locked_at,
    failedAttempts: c.failed_attempts,
    certificate:
      c.cert_serial === null
        ? null
        : {
            serialNumber: c.cert_serial,
            subjectDN: c.cert_subject_dn,
            issuerDN: c.cert_issuer_dn,
            validFrom: c.cert_not_before,
            validTo: c.cert_not_after,
          },
    createdAt: c.created_at,
    updatedAt: c.updated_at,
  };
}

/** `credential.revoke`: requested by an operator or administrator, approved by another administrator or the security officer. */
export function credentialRevokeExecutor(rssp: RsspRouteView): DualControlExecutor {
  return {
    description: {
      ja: '署名用クレデンシャルの失効 (鍵の破棄)',
      en: 'Revoke a signing credential (destroys its key)',
    },
    requesters: ['system_operator', 'system_administrator'],
    approvers: ['system_administrator', 'security_officer'],
    parse(payload) {
      const p = parse(
        z.object({ credentialId: z.string().min(1).max(100), reason: z.enum(REASONS).optional() }).strict(),
        payload,
      );
      return { credentialId: p.credentialId, reason: p.reason ?? 'unspecified' };
    },
    async precheck(payload) {
      const credential = await rssp.credentials.require(payload.credentialId as string);
      if (credential.status === 'revoked' || credential.status === 'ended') {
        throw credentialState(credential.credential_id, credential.status, 'revoked');
      }
    },
    async execute(payload, context) {
      const id = payload.credentialId as string;
      await rssp.credentials.revoke(id, context.approvedBy, payload.reason as RevocationReason);
      const after = await rssp.credentials.require(id);
      return { credentialId: id, status: after.status, keyDestroyed: after.key_id === null };
    },
  };
}

export function rsspConsoleRoutes(rssp: RsspRouteView): ConsoleRoutes {
  const applications = applicationConsoleRoutes(rssp);
  return async (app, guard) => {
    await applications(app, guard);
    const idOf = (request: FastifyRequest) => parse(idParams, request.params).id;

    app.get('/api/admin/credentials', async (request) => {
      const principal = await guard.require(request, 'credentials.read');
      const filter = parse(listQuery, request.query);
      const rows = await rssp.verbs.searchCredentials(filter);
      await guard.record(request, principal, 'admin.credentials.read', { filter, returned: rows.length });
      return { credentials: rows.map(credentialForConsole) };
    });

    app.get('/api/admin/credentials/:id', async (request) => {
      const principal = await guard.require(request, 'credentials.read');
      const credential = await rssp.credentials.require(idOf(request));
      await guard.record(request, principal, 'admin.credentials.read', {
        credentialId: credential.credential_id,
      });
      return credentialForConsole(credential);
    });

    for (const action of CREDENTIAL_STATE_CHANGES) {
      app.post(`/api/admin/credentials/:id/${action}`, { bodyLimit: BODY_LIMIT }, async (request) => {
        const principal = await guard.require(request, 'credentials.manage');
        const change = { credentialId: idOf(request), action, operatorId: principal.userId };
        return credentialForConsole(await rssp.verbs.changeCredentialState(change));
      });
    }

    app.post('/api/admin/credentials/:id/revoke', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      const id = idOf(request);
      const { reason } = parse(revokeBody, request.body);
      const created = await guard.requestApproval(request, 'credential.revoke', {
        credentialId: id,
        reason: reason ?? 'unspecified',
      });
      return reply.status(202).send(created);
    });
  };
}
