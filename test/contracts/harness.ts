/**
 * A contracts installation for a test file: real SoftHSM2 token, SQLite or PostgreSQL, the identity
 * service (password + TOTP login), the in-process RSSP, and a Fastify app with identity's and the
 * contracts module's routes. Mail is recorded so tests can follow the links it carries.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import type { Transaction } from 'kysely';
import { generate } from 'otplib';
import type { Shomei } from '../../src/app/index.ts';
import type { AuditEventInput, AuditRecord, TransactionalAuditTrail } from '../../src/audit/index.ts';
import {
  ContractService,
  type ContractsSettings,
  contractRoutes,
  setPermission,
} from '../../src/contracts/index.ts';
import { authenticateRequests, CSRF_HEADER, identityRoutes, type User } from '../../src/identity/index.ts';
import type { Mailer, MailMessage } from '../../src/mail/index.ts';
import { handleError } from '../../src/server/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { createTestDatabase } from '../helpers/postgres.ts';

export class RecordingMailer implements Mailer {
  readonly kind = 'outbox' as const;
  readonly messages: MailMessage[] = [];
  async send(message: MailMessage): Promise<void> {
    this.messages.push(message);
  }
  async close(): Promise<void> {}
  to(address: string): MailMessage[] {
    return this.messages.filter((m) => m.to === address);
  }
  /**
   * The token of the newest signing link sent to this address (later mails without a link, such as
   * a withdrawal notice, are passed over).
   */
  lastLinkToken(address: string): string {
    for (const message of [...this.to(address)].reverse()) {
      const match = /\/sign\/([A-Za-z0-9_-]+)/.exec(message.text);
      if (match !== null) return match[1]!;
    }
    throw new Error(`no signing link mailed to ${address}`);
  }
}

/** Keeps every event for assertions and passes it on to the real hash-chained trail. */
export class TeeAuditTrail implements TransactionalAuditTrail {
  readonly events: AuditEventInput[] = [];
  constructor(private readonly inner: TransactionalAuditTrail) {}
  async append(event: AuditEventInput): Promise<void> {
    this.events.push(structuredClone(event));
    await this.inner.append(event);
  }
  /** Kept even when the caller's transaction then rolls back. */
  async appendWithin<Tables>(transaction: Transaction<Tables>, event: AuditEventInput): Promise<AuditRecord> {
    this.events.push(structuredClone(event));
    return this.inner.appendWithin(transaction, event);
  }
  ofType(type: string): AuditEventInput[] {
    return this.events.filter((e) => e.type === type);
  }
}

export interface ContractsHarness {
  readonly shomei: Shomei & TestHome;
  readonly contracts: ContractService;
  readonly app: FastifyInstance;
  readonly mailer: RecordingMailer;
  readonly audit: TeeAuditTrail;
  readonly dir: string;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly dialect?: 'sqlite' | 'postgres';
  readonly settings?: Partial<ContractsSettings>;
  readonly env?: Record<string, string>;
  readonly provider?: ConstructorParameters<typeof ContractService>[0]['provider'];
  readonly clock?: () => Date;
}

export async function openContractsHarness(options: HarnessOptions = {}): Promise<ContractsHarness> {
  const env: Record<string, string> = { SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0', ...options.env };
  let drop: (() => Promise<void>) | undefined;
  if (options.dialect === 'postgres') {
    const created = await createTestDatabase();
    drop = created.drop;
    env.SHOMEI_DATABASE_URL = created.url;
  }
  const shomei = await openTestShomei(env);
  const mailer = new RecordingMailer();
  const audit = new TeeAuditTrail(shomei.audit.trail);
  const contracts = new ContractService({
    config: shomei.config,
    database: shomei.database,
    crypto: shomei.crypto,
    keys: shomei.keys,
    audit,
    mailer,
    users: (id) => shomei.identity.accounts.getUser(id),
    rssp: shomei.rssp,
    auditSearch: (filter) => shomei.audit.search(filter),
    ...(options.settings === undefined ? {} : { settings: options.settings }),
    ...(options.provider === undefined ? {} : { provider: options.provider }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const app = Fastify({ bodyLimit: 1024 * 1024 });
  app.setErrorHandler(handleError);
  await app.register(authenticateRequests, { identity: shomei.identity });
  await app.register(identityRoutes, { identity: shomei.identity });
  await app.register(contractRoutes, { contracts, backgroundWork: false });
  await app.ready();
  const dir = mkdtempSync(path.join(tmpdir(), 'shomei-contracts-'));
  return {
    shomei,
    contracts,
    app,
    mailer,
    audit,
    dir,
    async close() {
      await app.close();
      await shomei.close();
      await drop?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const PASSWORD = 'correct horse battery staple 署名';

/** An active account in the tenant with this slug (created when missing). */
export async function createUser(
  h: ContractsHarness,
  params: { email: string; tenantSlug: string; familyName?: string; givenName?: string; company?: string },
): Promise<User> {
  const identity = h.shomei.identity;
  const tenant =
    (await identity.accounts.getTenantBySlug(params.tenantSlug)) ??
    (await identity.accounts.createTenant({
      slug: params.tenantSlug,
      name: params.company ?? `${params.tenantSlug} 株式会社`,
    }));
  const user = await identity.accounts.createUser({
    tenantId: tenant.id,
    email: params.email,
    displayName: params.email.split('@')[0]!,
    familyName: params.familyName ?? '山田',
    givenName: params.givenName ?? '太郎',
  });
  const { token } = await identity.applications.issueActivationToken(user.id);
  return identity.activate(token, PASSWORD, {});
}

/** A client of the app keeping cookies, the CSRF token, and optionally a party or API-key header. */
export class Client {
  cookies = new Map<string, string>();
  csrf: string | undefined;
  headers: Record<string, string> = {};

  constructor(private readonly app: FastifyInstance) {}

  async send(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    options: { contentType?: string; raw?: Buffer | string; headers?: Record<string, string> } = {},
  ): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...this.headers, ...options.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.csrf !== undefined && method !== 'GET') headers[CSRF_HEADER] = this.csrf;
    let payload: string | Buffer | undefined = options.raw;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
    const response = await this.app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload }),
    });
    for (const cookie of response.cookies as { name: string; value: string }[]) {
      if (cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    if ((response.headers['content-type'] ?? '').toString().includes('json') && response.body !== '') {
      const parsed = JSON.parse(response.body) as { csrfToken?: unknown };
      if (typeof parsed.csrfToken === 'string') this.csrf = parsed.csrfToken;
    }
    return response;
  }
}

export function json<T = Record<string, unknown>>(response: { readonly body: string }): T {
  return JSON.parse(response.body) as T;
}

/** Logs in with password + TOTP (enrolling TOTP on this first login), giving an AAL2 session. */
export async function login(app: FastifyInstance, email: string): Promise<Client> {
  const client = new Client(app);
  const first = await client.send('POST', '/api/auth/login', { email, password: PASSWORD });
  if (first.statusCode !== 200) throw new Error(`login failed: ${first.body}`);
  const enrol = json<{ secret: string }>(await client.send('POST', '/api/auth/totp/enrol'));
  const confirm = await client.send('POST', '/api/auth/totp/confirm', {
    code: await generate({ secret: enrol.secret }),
  });
  if (confirm.statusCode !== 200) throw new Error(`TOTP enrolment failed: ${confirm.body}`);
  return client;
}

/** A one-page (or N-page) PDF with text, as bytes. */
export function samplePdf(pages = 1, label = 'shomei contract'): Buffer {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let offset = 0;
  const write = (s: string): void => {
    const b = Buffer.from(s, 'latin1');
    parts.push(b);
    offset += b.length;
  };
  const object = (n: number, body: string): void => {
    offsets[n] = offset;
    write(`${n} 0 obj\n${body}\nendobj\n`);
  };
  write('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  object(
    2,
    `<< /Type /Pages /Kids [${Array.from({ length: pages }, (_, i) => `${4 + 2 * i} 0 R`).join(' ')}] /Count ${pages} >>`,
  );
  object(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  for (let i = 0; i < pages; i++) {
    const text = `BT /F1 18 Tf 72 760 Td (${label} ${randomBytes(4).toString('hex')} page ${i + 1}) Tj ET`;
    object(
      4 + 2 * i,
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + 2 * i} 0 R >>`,
    );
    object(5 + 2 * i, `<< /Length ${text.length} >>\nstream\n${text}\nendstream`);
  }
  const size = 4 + 2 * pages;
  const xref = offset;
  const lines = ['xref', `0 ${size}`, '0000000000 65535 f '];
  for (let n = 1; n < size; n++) lines.push(`${String(offsets[n]).padStart(10, '0')} 00000 n `);
  write(`${lines.join('\n')}\ntrailer\n<< /Size ${size} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(parts);
}

export function writeTemp(h: ContractsHarness, name: string, data: Buffer): string {
  const file = path.join(h.dir, name);
  writeFileSync(file, data);
  return file;
}

/**
 * An API key (`Bearer shk_…`) acting as this user, with these scopes. Only tenant administrators
 * create keys, so the user is granted tenant.admin first (by an operator, as the CLI does).
 */
export async function adminApiKey(
  h: ContractsHarness,
  user: { id: string; tenantId: string; email: string },
  scopes: readonly string[],
): Promise<{ id: string; key: string }> {
  await setPermission(h.contracts.context, { kind: 'operator', id: 'test' }, user.tenantId, {
    userId: user.id,
    permission: 'tenant.admin',
    granted: true,
  });
  return h.contracts.createApiKey(
    { kind: 'user', userId: user.id, tenantId: user.tenantId, email: user.email, authentication: 'test' },
    scopes,
  );
}
