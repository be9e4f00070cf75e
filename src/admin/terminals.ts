/**
 * Maintenance terminals (criterion 2.3.3): privileged routes answer only registered terminals,
 * recognised by the SHA-256 fingerprint of their TLS client certificate; in development an IP
 * allow-list (default loopback) may stand in for certificates. Every refusal is audited.
 */

import { randomUUID, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Kysely } from 'kysely';
import type { TransactionalAuditTrail } from '../audit/index.ts';
import { type Clock, systemClock } from '../clock/index.ts';
import { shomeiError } from '../errors/index.ts';
import { invalidInput } from './errors.ts';
import type { AdminTables } from './tables.ts';
import { plainText } from './validate.ts';

export interface MaintenanceTerminal {
  readonly id: string;
  readonly label: string;
  readonly certificateSha256: string;
  readonly registeredAt: string;
  readonly registeredBy: string;
}

export interface TerminalPolicy {
  /** Whether addresses in `allowedIps` are accepted without a certificate (development only). */
  readonly allowIpList: boolean;
  readonly allowedIps: readonly string[];
}

export interface TerminalCheckInput {
  readonly remoteAddress: string | undefined;
  /** DER of the verified client certificate, when the connection is TLS with one. */
  readonly clientCertificate: Buffer | undefined;
}

export type TerminalDecision =
  | { readonly allowed: true; readonly via: 'certificate'; readonly terminalId: string }
  | { readonly allowed: true; readonly via: 'ip-allow-list' }
  | { readonly allowed: false; readonly reason: string; readonly fingerprint: string | null };

const MAX_CERTIFICATE_PEM = 16 * 1024;

/** Reads the verified client certificate from a TLS socket, if any. */
export function clientCertificateOf(socket: unknown): Buffer | undefined {
  const tls = socket as Partial<TLSSocket> | undefined;
  if (tls?.getPeerCertificate === undefined || tls.authorized !== true) return undefined;
  const peer = tls.getPeerCertificate();
  return peer?.raw !== undefined && peer.raw.length > 0 ? peer.raw : undefined;
}

export function normaliseIp(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** What the maintenance-terminal register works with, passed as one object (docs/CONTRIBUTING.md, Code). */
export interface MaintenanceTerminalsDeps {
  readonly db: Kysely<AdminTables>;
  readonly audit: TransactionalAuditTrail;
  readonly policy: TerminalPolicy;
  readonly clock?: Clock | undefined;
}

export class MaintenanceTerminals {
  private readonly db: Kysely<AdminTables>;
  private readonly audit: TransactionalAuditTrail;
  private readonly policy: TerminalPolicy;
  private readonly clock: Clock;

  constructor(deps: MaintenanceTerminalsDeps) {
    this.db = deps.db;
    this.audit = deps.audit;
    this.policy = deps.policy;
    this.clock = deps.clock ?? systemClock;
  }

  /** Registers a terminal from its client certificate (PEM) or a hex SHA-256 fingerprint. */
  async register(
    input: { label: unknown; certificate: unknown },
    registeredBy: string,
  ): Promise<MaintenanceTerminal> {
    const label = plainText(input.label, 'label', 100);
    const fingerprint = fingerprintOf(input.certificate);
    const terminal: MaintenanceTerminal = {
      id: randomUUID(),
      label,
      certificateSha256: fingerprint,
      registeredAt: this.clock().toISOString(),
      registeredBy,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('admin_maintenance_terminals')
        .values({
          id: terminal.id,
          label,
          certificate_sha256: fingerprint,
          registered_at: terminal.registeredAt,
          registered_by: registeredBy,
          revoked_at: null,
        })
        .execute();
      await this.audit.appendWithin(trx, {
        type: 'admin.terminal.register',
        actor: { kind: 'user', id: registeredBy },
        subject: { kind: 'terminal', id: terminal.id },
        outcome: 'success',
        details: { label, certificateSha256: fingerprint },
      });
    });
    return terminal;
  }

  async list(): Promise<MaintenanceTerminal[]> {
    const rows = await this.db
      .selectFrom('admin_maintenance_terminals')
      .selectAll()
      .where('revoked_at', 'is', null)
      .orderBy('registered_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      label: r.label,
      certificateSha256: r.certificate_sha256,
      registeredAt: r.registered_at,
      registeredBy: r.registered_by,
    }));
  }

  async check(input: TerminalCheckInput): Promise<TerminalDecision> {
    if (input.clientCertificate !== undefined) {
      const fingerprint = new X509Certificate(input.clientCertificate).fingerprint256
        .replaceAll(':', '')
        .toLowerCase();
      const row = await this.db
        .selectFrom('admin_maintenance_terminals')
        .select('id')
        .where('certificate_sha256', '=', fingerprint)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (row !== undefined) return { allowed: true, via: 'certificate', terminalId: row.id };
      return { allowed: false, reason: 'certificate-not-registered', fingerprint };
    }
    const ip = normaliseIp(input.remoteAddress);
    if (this.policy.allowIpList && ip !== undefined && this.policy.allowedIps.includes(ip)) {
      return { allowed: true, via: 'ip-allow-list' };
    }
    return {
      allowed: false,
      reason: this.policy.allowIpList ? 'address-not-allowed' : 'client-certificate-required',
      fingerprint: null,
    };
  }

  /** Checks a request's terminal; audits and throws SHOMEI_TERMINAL_NOT_REGISTERED when refused. */
  async require(input: TerminalCheckInput & { route: string; userId?: string | undefined }): Promise<void> {
    const decision = await this.check(input);
    if (decision.allowed) return;
    await this.audit.append({
      type: 'admin.terminal.refused',
      actor:
        input.userId === undefined
          ? { kind: 'anonymous', id: 'unknown' }
          : { kind: 'user', id: input.userId },
      outcome: 'failure',
      source: input.remoteAddress?.slice(0, 128),
      details: {
        route: input.route.slice(0, 200),
        reason: decision.reason,
        certificateSha256: decision.fingerprint,
      },
    });
    throw shomeiError(
      'SHOMEI_TERMINAL_NOT_REGISTERED',
      '管理機能は登録された保守端末からのみ利用できます。',
      'Administration is available only from a registered maintenance terminal.',
      { status: 403, details: { reason: decision.reason } },
    );
  }
}

function fingerprintOf(certificate: unknown): string {
  if (typeof certificate !== 'string' || certificate.length > MAX_CERTIFICATE_PEM) {
    throw invalidInput('certificate', 'must be a PEM certificate or a SHA-256 fingerprint');
  }
  const compact = certificate.replaceAll(':', '').trim().toLowerCase();
  if (/^[0-9a-f]{64}$/.test(compact)) return compact;
  try {
    return new X509Certificate(certificate).fingerprint256.replaceAll(':', '').toLowerCase();
  } catch {
    throw invalidInput('certificate', 'is not a readable X.509 certificate');
  }
}
