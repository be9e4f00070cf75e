/**
 * Operator console for certificates issued by the embedded CA (/api/admin/certificates, inside the
 * admin plugin): list with filters and detail for operators and administrators; revocation goes
 * through dual control (`certificate.revoke`), because a revoked certificate cannot be taken back.
 */
import { createHash } from 'node:crypto';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { approvalRequestSchema, type ConsoleRoutes, type DualControlExecutor } from '../admin/index.ts';
import { type ShomeiError, shomeiError } from '../errors/index.ts';
import { toPem } from '../pki/index.ts';
import { type CertificateAuthority, normaliseSerial } from './certificate-authority.ts';
import { certificateBasics } from './certificate-view.ts';
import { detailSchema, listQuery, revokeBody, serialParams, summarySchema } from './console-shapes.ts';
import { caErrors } from './errors.ts';
import { type IssuedCertificate, REVOCATION_REASONS, type RevocationReason } from './types.ts';

const BODY_LIMIT = 4 * 1024;

function bad(field: string): ShomeiError {
  return shomeiError('SHOMEI_BAD_REQUEST', `入力 ${field} が不正です。`, `Input ${field} is invalid.`, {
    status: 400,
    details: { field },
  });
}

function text(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw bad(field);
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T | undefined {
  const v = text(value, field, 40);
  if (v !== undefined && !(allowed as readonly string[]).includes(v)) throw bad(field);
  return v as T | undefined;
}

function summary(c: IssuedCertificate): z.output<typeof summarySchema> {
  return {
    ...certificateBasics(c),
    issuedAt: c.issuedAt.toISOString(),
    revokedAt: c.revokedAt?.toISOString() ?? null,
    revocationReason: c.revocationReason ?? null,
  };
}

/** `certificate.revoke`: requested by an operator or administrator, approved by another administrator or the security officer. */
export function certificateRevokeExecutor(ca: CertificateAuthority): DualControlExecutor {
  return {
    description: { ja: '証明書の失効', en: 'Revoke a certificate' },
    requesters: ['system_operator', 'system_administrator'],
    approvers: ['system_administrator', 'security_officer'],
    parse(payload) {
      const p = (payload ?? {}) as Record<string, unknown>;
      const serial = text(p.serialNumber, 'serialNumber', 80);
      if (serial === undefined) throw bad('serialNumber');
      const reason = oneOf(p.reason, 'reason', REVOCATION_REASONS) ?? 'unspecified';
      return { serialNumber: normaliseSerial(serial), reason };
    },
    async precheck(payload) {
      const serial = payload.serialNumber as string;
      const known = await ca.get(serial);
      if (known === undefined) throw caErrors.notFound(serial);
      if (known.status === 'revoked') throw caErrors.alreadyRevoked(serial);
      // The CA's own certificates end with a key ceremony, not from the console.
      if (known.profile === 'ca') throw bad('serialNumber');
    },
    async execute(payload, context) {
      const revoked = await ca.revoke(payload.serialNumber as string, payload.reason as RevocationReason, {
        kind: 'operator',
        id: context.approvedBy,
      });
      return {
        serialNumber: revoked.serialNumber,
        status: revoked.status,
        revocationReason: revoked.revocationReason ?? null,
      };
    },
  };
}

/** Route config: a refused parameter answers SHOMEI_BAD_REQUEST naming it, as bad() does. */
const caInput = { invalidInput: (field: string) => bad(field.startsWith('(') ? 'input' : field) };

/** The newest certificates by status and profile; a text search narrows the newest 1,000 (console scale). */
async function search(ca: CertificateAuthority, filter: z.output<typeof listQuery>) {
  const needle = filter.q?.toLowerCase();
  const listed = await ca.list({
    status: filter.status,
    profile: filter.profile,
    limit: needle === undefined ? filter.limit : 1000,
  });
  const hex = needle !== undefined && /^[0-9a-f:\s]+$/.test(needle) ? needle.replace(/[:\s]/g, '') : '';
  const matching = listed.filter(
    (c) =>
      needle === undefined ||
      c.subject.toLowerCase().includes(needle) ||
      (hex !== '' && c.serialNumber.includes(hex)),
  );
  return { needle, certificates: matching.slice(0, filter.limit) };
}

export function caConsoleRoutes(ca: CertificateAuthority): ConsoleRoutes {
  return (app, guard) => {
    const api = app.withTypeProvider<ZodTypeProvider>();
    const reading = { config: caInput, preValidation: guard.before('certificates.read') };
    const listed = z.object({ certificates: z.array(summarySchema) });
    api.get(
      '/api/admin/certificates',
      { ...reading, schema: { querystring: listQuery, response: { 200: listed } } },
      async (request) => {
        const principal = await guard.require(request, 'certificates.read');
        const { status, profile, limit } = request.query;
        const { needle, certificates } = await search(ca, request.query);
        await guard.record(request, principal, 'admin.certificates.read', {
          filter: { status: status ?? null, profile: profile ?? null, q: needle ?? null, limit },
          returned: certificates.length,
        });
        return { certificates: certificates.map(summary) };
      },
    );

    const one = { params: serialParams, response: { 200: detailSchema } };
    api.get('/api/admin/certificates/:serial', { ...reading, schema: one }, async (request) => {
      const principal = await guard.require(request, 'certificates.read');
      const serial = normaliseSerial(request.params.serial);
      const found = await ca.get(serial);
      if (found === undefined) throw caErrors.notFound(serial);
      await guard.record(request, principal, 'admin.certificates.read', { serialNumber: serial });
      return {
        ...summary(found),
        keyId: found.keyId ?? null,
        applicationId: found.applicationId ?? null,
        sha256: createHash('sha256').update(found.der).digest('hex'),
        pem: toPem(found.der, 'CERTIFICATE'),
      };
    });

    // A revoked certificate cannot be taken back: a dual-control request (202).
    const revoke = { params: serialParams, body: revokeBody, response: { 202: approvalRequestSchema } };
    const revoking = {
      bodyLimit: BODY_LIMIT,
      config: caInput,
      preValidation: guard.signedIn,
      schema: revoke,
    };
    api.post('/api/admin/certificates/:serial/revoke', revoking, async (request, reply) => {
      const created = await guard.requestApproval(request, 'certificate.revoke', {
        serialNumber: normaliseSerial(request.params.serial),
        reason: request.body.reason ?? 'unspecified',
      });
      return reply.status(202).send(created);
    });
  };
}
