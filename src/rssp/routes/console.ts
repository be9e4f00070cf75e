/**
 * Operator console for signing credentials (/api/admin/credentials, inside the admin plugin): list
 * and detail for operators and administrators, suspend / resume / unlock, and revocation — which
 * revokes the certificate and destroys the key in the HSM, so it goes through dual control like any
 * other key destruction (`credential.revoke`, PS 4.2.10). Never returns PIN hashes, seeds or keys.
 */
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { approvalRequestSchema, type ConsoleRoutes, type DualControlExecutor } from '../../admin/index.ts';
import { shomeiError } from '../../errors/index.ts';
import type { Credential } from '../credentials.ts';
import { credentialState } from '../errors.ts';
import type { RevocationReason } from '../ports.ts';
import type { RsspRouteView } from '../service.ts';
import type { CredentialStatus } from '../tables.ts';
import { CREDENTIAL_STATE_CHANGES } from '../verbs/index.ts';
import { applicationConsoleRoutes } from './application-console.ts';
import {
  type ConsoleCredentialView,
  consoleCredentialSchema,
  credentialIdParams,
  optionalBody,
} from './credential-shapes.ts';
import { badCredentialInput } from './credentials-api.ts';

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
const revokeBody = z.object({ reason: z.enum(REASONS).optional() }).strict();

/** Route config: a refused parameter answers SHOMEI_BAD_REQUEST naming it (`input` for the whole). */
export const consoleInput = {
  invalidInput: (field: string) => badCredentialInput(field.startsWith('(') ? 'input' : field),
};

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
export function credentialForConsole(c: Credential): ConsoleCredentialView {
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
    const api = app.withTypeProvider<ZodTypeProvider>();
    const reading = { config: consoleInput, preValidation: guard.before('credentials.read') };
    const list = {
      querystring: listQuery,
      response: { 200: z.object({ credentials: z.array(consoleCredentialSchema) }) },
    };
    api.get('/api/admin/credentials', { ...reading, schema: list }, async (request) => {
      const principal = await guard.require(request, 'credentials.read');
      const filter = request.query;
      const rows = await rssp.verbs.searchCredentials(filter);
      await guard.record(request, principal, 'admin.credentials.read', { filter, returned: rows.length });
      return { credentials: rows.map(credentialForConsole) };
    });

    const one = { params: credentialIdParams, response: { 200: consoleCredentialSchema } };
    api.get('/api/admin/credentials/:id', { ...reading, schema: one }, async (request) => {
      const principal = await guard.require(request, 'credentials.read');
      const credential = await rssp.credentials.require(request.params.id);
      await guard.record(request, principal, 'admin.credentials.read', {
        credentialId: credential.credential_id,
      });
      return credentialForConsole(credential);
    });

    const managing = { bodyLimit: BODY_LIMIT, ...reading, preValidation: guard.before('credentials.manage') };
    for (const action of CREDENTIAL_STATE_CHANGES) {
      api.post(`/api/admin/credentials/:id/${action}`, { ...managing, schema: one }, async (request) => {
        const principal = await guard.require(request, 'credentials.manage');
        const change = { credentialId: request.params.id, action, operatorId: principal.userId };
        return credentialForConsole(await rssp.verbs.changeCredentialState(change));
      });
    }

    // Destroys the key: a dual-control request (202), carried out once another person approves.
    const revoke = {
      params: credentialIdParams,
      body: optionalBody(revokeBody),
      response: { 202: approvalRequestSchema },
    };
    const revoking = {
      bodyLimit: BODY_LIMIT,
      config: consoleInput,
      preValidation: guard.signedIn,
      schema: revoke,
    };
    api.post('/api/admin/credentials/:id/revoke', revoking, async (request, reply) => {
      const created = await guard.requestApproval(request, 'credential.revoke', {
        credentialId: request.params.id,
        reason: request.body.reason ?? 'unspecified',
      });
      return reply.status(202).send(created);
    });
  };
}
