/**
 * Operator console for certificates issued by the embedded CA (/api/admin/certificates, inside the
 * admin plugin): list with filters and detail for operators and administrators; revocation goes
 * through dual control (`certificate.revoke`), because a revoked certificate cannot be taken back.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { ConsoleRoutes, DualControlExecutor } from '../admin/index.ts';
import { shomeiError } from '../errors/index.ts';
import { toPem } from '../pki/index.ts';
import { type CertificateAuthority, normaliseSerial } from './certificate-authority.ts';
import { caErrors } from './errors.ts';
import {
  CERTIFICATE_PROFILES,
  type CertificateStatus,
  type IssuedCertificate,
  REVOCATION_REASONS,
  type RevocationReason,
} from './types.ts';

const BODY_LIMIT = 4 * 1024;
const STATUSES: readonly CertificateStatus[] = ['valid', 'revoked'];
const PROFILES: readonly string[] = [...CERTIFICATE_PROFILES, 'ca', 'imported'];

function bad(field: string): Error {
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

function summary(c: IssuedCertificate): Record<string, unknown> {
  return {
    serialNumber: c.serialNumber,
    issuer: c.issuer,
    profile: c.profile,
    subject: c.subject,
    status: c.status,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
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

export function caConsoleRoutes(ca: CertificateAuthority): ConsoleRoutes {
  return (app, guard) => {
    const serialOf = (request: FastifyRequest) => {
      const raw = text((request.params as { serial?: unknown }).serial, 'serial', 80);
      if (raw === undefined) throw bad('serial');
      return normaliseSerial(raw);
    };

    app.get('/api/admin/certificates', async (request) => {
      const principal = await guard.require(request, 'certificates.read');
      const q = (request.query ?? {}) as Record<string, unknown>;
      for (const key of Object.keys(q)) {
        if (!['status', 'profile', 'q', 'limit'].includes(key)) throw bad(key);
      }
      const status = oneOf(q.status, 'status', STATUSES);
      const profile = oneOf(q.profile, 'profile', PROFILES) as IssuedCertificate['profile'] | undefined;
      const needle = text(q.q, 'q', 100)?.toLowerCase();
      const limitText = text(q.limit, 'limit', 4);
      const limit = limitText === undefined ? 200 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw bad('limit');
      // The CA lists by status and profile; a text search narrows the newest 1,000 (console scale).
      const listed = await ca.list({
        ...(status === undefined ? {} : { status }),
        ...(profile === undefined ? {} : { profile }),
        limit: needle === undefined ? limit : 1000,
      });
      const hex = needle !== undefined && /^[0-9a-f:\s]+$/.test(needle) ? needle.replace(/[:\s]/g, '') : '';
      const matching = listed
        .filter(
          (c) =>
            needle === undefined ||
            c.subject.toLowerCase().includes(needle) ||
            (hex !== '' && c.serialNumber.includes(hex)),
        )
        .slice(0, limit);
      await guard.record(request, principal, 'admin.certificates.read', {
        filter: { status: status ?? null, profile: profile ?? null, q: needle ?? null, limit },
        returned: matching.length,
      });
      return { certificates: matching.map(summary) };
    });

    app.get('/api/admin/certificates/:serial', async (request) => {
      const principal = await guard.require(request, 'certificates.read');
      const serial = serialOf(request);
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

    app.post('/api/admin/certificates/:serial/revoke', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      const serial = serialOf(request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const reason = oneOf(body.reason, 'reason', REVOCATION_REASONS) ?? 'unspecified';
      const created = await guard.requestApproval(request, 'certificate.revoke', {
        serialNumber: serial,
        reason,
      });
      return reply.status(202).send(created);
    });
  };
}
