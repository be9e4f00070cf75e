/**
 * An identity service over a real installation (SoftHSM2 token, SQLite or PostgreSQL) served by
 * Fastify, with what tests need to observe it: an audit trail that records events, pino output
 * captured line by line, a movable clock, and a real SMTP listener on loopback.
 */
import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { generate } from 'otplib';
import type { Shomei } from '../../src/app/index.ts';
import type { AuditEventInput, AuditTrail } from '../../src/audit/events.ts';
import {
  authenticateRequests,
  CSRF_HEADER,
  DEFAULT_IDENTITY_SETTINGS,
  hsmSecretSealer,
  Identity,
  type IdentityPrivilege,
  type IdentitySettings,
  identityRoutes,
  type OidcSettings,
  type User,
} from '../../src/identity/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { type Mailer, OutboxMailer, SmtpMailer } from '../../src/mail/index.ts';
import { handleError } from '../../src/server/index.ts';
import { openTestShomei, type TestHome } from './home.ts';
import { createTestDatabase } from './postgres.ts';
import { SmtpListener } from './smtp-listener.ts';

export class RecordingAuditTrail implements AuditTrail {
  readonly events: AuditEventInput[] = [];
  async append(event: AuditEventInput): Promise<void> {
    this.events.push(structuredClone(event));
  }
  ofType(type: string): AuditEventInput[] {
    return this.events.filter((e) => e.type === type);
  }
}

export class TestClock {
  constructor(public now: number = Date.now()) {}
  readonly read = (): Date => new Date(this.now);
  advance(ms: number): void {
    this.now += ms;
  }
  /** The TOTP code an authenticator app shows at this clock's time. */
  async totp(secret: string, offsetSeconds = 0): Promise<string> {
    return generate({ secret, epoch: Math.floor(this.now / 1000) + offsetSeconds });
  }
}

export interface HarnessOptions {
  readonly dialect?: 'sqlite' | 'postgres';
  readonly settings?: Partial<IdentitySettings>;
  readonly mail?: 'smtp' | 'outbox';
  readonly oidc?: OidcSettings;
  /** Extra user ids that hold every privilege (operators). */
  readonly operators?: Set<string>;
}

export interface Harness {
  readonly shomei: Shomei & TestHome;
  readonly identity: Identity;
  readonly app: FastifyInstance;
  readonly audit: RecordingAuditTrail;
  readonly clock: TestClock;
  readonly logLines: string[];
  readonly smtp: SmtpListener | undefined;
  readonly mailer: Mailer;
  readonly operators: Set<string>;
  readonly privilegeChecks: { userId: string; privilege: IdentityPrivilege }[];
  close(): Promise<void>;
}

export async function openHarness(options: HarnessOptions = {}): Promise<Harness> {
  const env: Record<string, string> = { SHOMEI_AUDIT_CHECKPOINT_INTERVAL: '0' };
  let drop: (() => Promise<void>) | undefined;
  if (options.dialect === 'postgres') {
    const created = await createTestDatabase();
    drop = created.drop;
    env.SHOMEI_DATABASE_URL = created.url;
  }
  const shomei = await openTestShomei(env);
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logLines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      callback();
    },
  });
  const logger = createLogger({ level: 'trace', name: 'identity-test' }, sink);
  const audit = new RecordingAuditTrail();
  const clock = new TestClock();
  let smtp: SmtpListener | undefined;
  let mailer: Mailer;
  if ((options.mail ?? 'smtp') === 'smtp') {
    smtp = new SmtpListener();
    const url = await smtp.start();
    mailer = new SmtpMailer({ url, from: 'shomei <no-reply@localhost>' });
  } else {
    mailer = new OutboxMailer(shomei.database.db as never, clock.read);
  }
  const operators = options.operators ?? new Set<string>();
  const privilegeChecks: { userId: string; privilege: IdentityPrivilege }[] = [];
  const identity = new Identity({
    database: shomei.database,
    sealer: hsmSecretSealer(shomei.crypto, shomei.keys),
    mailer,
    audit,
    privileges: async (principal, privilege) => {
      privilegeChecks.push({ userId: principal.userId, privilege });
      return operators.has(principal.userId);
    },
    settings: { ...DEFAULT_IDENTITY_SETTINGS, publicUrl: 'http://localhost:8080', ...options.settings },
    logger,
    clock: clock.read,
    oidc: options.oidc,
  });
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, bodyLimit: 1024 * 1024 });
  app.setErrorHandler(handleError);
  await app.register(authenticateRequests, { identity });
  await app.register(identityRoutes, { identity });
  await app.ready();
  return {
    shomei,
    identity,
    app,
    audit,
    clock,
    logLines,
    smtp,
    mailer,
    operators,
    privilegeChecks,
    async close() {
      await app.close();
      await mailer.close();
      await smtp?.stop();
      await shomei.close();
      await drop?.();
    },
  };
}

/** A browser against the Fastify app: keeps the session cookie and the CSRF token it was given. */
export class Browser {
  cookies = new Map<string, string>();
  csrf: string | undefined;

  constructor(private readonly app: FastifyInstance) {}

  get sessionCookie(): string | undefined {
    return this.cookies.get('__Host-shomei_session') ?? this.cookies.get('shomei_session');
  }

  async send(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    body?: unknown,
    options: { csrf?: boolean; headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    if (options.csrf !== false && this.csrf !== undefined && method !== 'GET')
      headers[CSRF_HEADER] = this.csrf;
    let payload: string | undefined = options.rawBody;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await this.app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload }),
    });
    for (const cookie of response.cookies as { name: string; value: string; expires?: Date }[]) {
      if (cookie.value === '' || (cookie.expires !== undefined && cookie.expires.getTime() < Date.now())) {
        this.cookies.delete(cookie.name);
      } else this.cookies.set(cookie.name, cookie.value);
    }
    if ((response.headers['content-type'] ?? '').toString().includes('json') && response.body !== '') {
      const parsed = JSON.parse(response.body) as { csrfToken?: unknown };
      if (typeof parsed.csrfToken === 'string') this.csrf = parsed.csrfToken;
    }
    return response;
  }

  json<T = Record<string, unknown>>(response: LightMyRequestResponse): T {
    return JSON.parse(response.body) as T;
  }
}

export const STRONG_PASSWORD = 'correct horse battery staple 署名';

/** Creates an active account directly through the services (for operators and fixtures). */
export async function createActiveUser(
  harness: Harness,
  params: { email: string; password?: string; tenantSlug?: string },
): Promise<User> {
  const { identity } = harness;
  const slug = params.tenantSlug ?? 'fixture-org';
  const tenant =
    (await identity.accounts.getTenantBySlug(slug)) ??
    (await identity.accounts.createTenant({ slug, name: 'Fixture 株式会社' }));
  const user = await identity.accounts.createUser({
    tenantId: tenant.id,
    email: params.email,
    displayName: params.email.split('@')[0]!,
    familyName: '山田',
    givenName: '太郎',
  });
  const { token } = await identity.applications.issueActivationToken(user.id);
  return identity.activate(token, params.password ?? STRONG_PASSWORD, {});
}

/** Logs a browser in with password + TOTP (enrolling TOTP on first login). Returns the TOTP seed. */
export async function loginWithTotp(
  harness: Harness,
  browser: Browser,
  email: string,
  password: string = STRONG_PASSWORD,
  seed?: string,
): Promise<string> {
  const login = await browser.send('POST', '/api/auth/login', { email, password });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.body}`);
  const next = browser.json<{ next: string }>(login).next;
  if (next === 'enrolment') {
    const enrol = browser.json<{ secret: string }>(await browser.send('POST', '/api/auth/totp/enrol'));
    const confirm = await browser.send('POST', '/api/auth/totp/confirm', {
      code: await harness.clock.totp(enrol.secret),
    });
    if (confirm.statusCode !== 200) throw new Error(`enrolment failed: ${confirm.body}`);
    harness.clock.advance(30_000);
    return enrol.secret;
  }
  if (seed === undefined) throw new Error('a TOTP seed is needed for this account');
  const second = await browser.send('POST', '/api/auth/login/totp', { code: await harness.clock.totp(seed) });
  if (second.statusCode !== 200) throw new Error(`second factor failed: ${second.body}`);
  harness.clock.advance(30_000);
  return seed;
}

/** A second identity service on the same installation with other settings (one token per process). */
export function identityWith(harness: Harness, settings: Partial<IdentitySettings>): Identity {
  return new Identity({
    database: harness.shomei.database,
    sealer: hsmSecretSealer(harness.shomei.crypto, harness.shomei.keys),
    mailer: harness.mailer,
    audit: harness.audit,
    privileges: async () => false,
    settings: { ...DEFAULT_IDENTITY_SETTINGS, publicUrl: 'http://localhost:8080', ...settings },
    logger: createLogger({ level: 'silent' }),
    clock: harness.clock.read,
  });
}
