/**
 * One remote signature service over a real SoftHSM2 token and database for a test file: a small
 * test CA (its key in Node memory, test only) issues the credential certificates, users log in
 * with passwords held here, the clock is under the test's control, and every audit event is kept
 * for assertions while also going into the real hash-chained trail.
 */
import 'reflect-metadata';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { generate as generateTotp } from 'otplib';
import { completeCmsSignature, prepareCmsSignature } from '../../src/ades/index.ts';
import type { Shomei } from '../../src/app/index.ts';
import type { AuditEventInput, AuditTrail } from '../../src/audit/events.ts';
import type { KeyAlgorithm } from '../../src/crypto/index.ts';
import {
  type CertificateIssuer,
  type CertificateStatusSource,
  type Clock,
  createRemoteSignatureService,
  DEFAULT_RSSP_SETTINGS,
  type RemoteSignatureService,
  type RsspSettings,
  registerRsspRoutes,
  type UserAuthenticator,
} from '../../src/rssp/index.ts';
import { handleError } from '../../src/server/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export class TestClock {
  private offsetMs = 0;
  /** The service's Clock: this clock's time. */
  readonly read: Clock = () => this.now();
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }
}

export class RecordingAuditTrail implements AuditTrail {
  readonly events: AuditEventInput[] = [];
  constructor(private readonly inner?: AuditTrail) {}
  async append(event: AuditEventInput): Promise<void> {
    this.events.push(event);
    await this.inner?.append(event);
  }
  ofType(type: string, outcome?: 'success' | 'failure'): AuditEventInput[] {
    return this.events.filter((e) => e.type === type && (outcome === undefined || e.outcome === outcome));
  }
  last(type: string): AuditEventInput | undefined {
    return this.ofType(type).at(-1);
  }
}

/** A CA for tests: issues from the CSR at once, revokes into a set that the status source reads. */
export class TestCertificateAuthority implements CertificateIssuer, CertificateStatusSource {
  readonly revoked = new Set<string>();
  issued = 0;
  private constructor(
    private readonly keys: webcrypto.CryptoKeyPair,
    readonly certificate: x509.X509Certificate,
  ) {}

  static async create(): Promise<TestCertificateAuthority> {
    const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
    const keys = (await webcrypto.subtle.generateKey(alg, false, [
      'sign',
      'verify',
    ])) as webcrypto.CryptoKeyPair;
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: 'CN=shomei test CA, O=shomei tests, C=JP',
      notBefore: new Date(Date.now() - 3600_000),
      notAfter: new Date(Date.now() + 2 * 365 * 86400_000),
      keys,
      signingAlgorithm: alg,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
    });
    return new TestCertificateAuthority(keys, certificate);
  }

  async requestCertificate(request: { csr: Buffer }) {
    const csr = new x509.Pkcs10CertificateRequest(request.csr);
    if (!(await csr.verify())) throw new Error('CSR signature does not verify');
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: randomBytes(8)
        .toString('hex')
        .replace(/^[089a-f]/, '1'), // positive, no illegal leading-zero padding
      subject: csr.subject,
      issuer: this.certificate.subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 365 * 86400_000),
      publicKey: csr.publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation,
          true,
        ),
      ],
    });
    this.issued += 1;
    return {
      status: 'issued' as const,
      certificate: Buffer.from(certificate.rawData),
      chain: [Buffer.from(this.certificate.rawData)],
    };
  }

  private readonly revocationListeners: (() => void)[] = [];

  async revokeCertificate(certificate: Buffer): Promise<void> {
    this.revoked.add(new x509.X509Certificate(certificate).serialNumber);
    for (const listener of this.revocationListeners) listener();
  }

  /** A revocation made elsewhere (another process): nothing tells this service about it. */
  revokeUnannounced(certificate: Buffer): void {
    this.revoked.add(new x509.X509Certificate(certificate).serialNumber);
  }

  onRevocation(listener: () => void): void {
    this.revocationListeners.push(listener);
  }

  async statusOf(certificate: Buffer) {
    return this.revoked.has(new x509.X509Certificate(certificate).serialNumber)
      ? ('revoked' as const)
      : ('good' as const);
  }
}

export class TestUsers implements UserAuthenticator {
  private readonly passwords = new Map<string, { password: string; userId: string }>();
  add(username: string, password: string): string {
    const userId = `user-${username}`;
    this.passwords.set(username, { password, userId });
    return userId;
  }
  async verifyPassword(username: string, password: string) {
    const entry = this.passwords.get(username);
    return entry !== undefined && entry.password === password ? { userId: entry.userId } : undefined;
  }
}

export interface RsspFixture {
  readonly shomei: Shomei & TestHome;
  readonly rssp: RemoteSignatureService;
  readonly app: FastifyInstance;
  readonly clock: TestClock;
  readonly audit: RecordingAuditTrail;
  readonly ca: TestCertificateAuthority;
  readonly users: TestUsers;
  readonly mailedCodes: { credentialId: string; code: string; to: string }[];
  close(): Promise<void>;
}

export async function openRsspFixture(
  options: { databaseUrl?: string; settings?: Partial<RsspSettings>; logger?: FastifyBaseLogger } = {},
): Promise<RsspFixture> {
  const shomei = await openTestShomei(
    options.databaseUrl === undefined ? {} : { SHOMEI_DATABASE_URL: options.databaseUrl },
  );
  const clock = new TestClock();
  const audit = new RecordingAuditTrail(shomei.audit.trail);
  const ca = await TestCertificateAuthority.create();
  const users = new TestUsers();
  const mailedCodes: { credentialId: string; code: string; to: string }[] = [];
  const rssp = createRemoteSignatureService({
    database: shomei.database,
    crypto: shomei.crypto,
    keys: shomei.keys,
    audit,
    clock: clock.read,
    users,
    issuer: ca,
    certificateStatus: ca,
    cms: { prepare: prepareCmsSignature, complete: completeCmsSignature },
    codeSender: {
      async sendCode(message) {
        mailedCodes.push({ credentialId: message.credentialId, code: message.code, to: message.to });
      },
    },
    settings: { ...DEFAULT_RSSP_SETTINGS, publicUrl: 'https://rssp.test', ...options.settings },
  });
  const app =
    options.logger === undefined ? Fastify({ logger: false }) : Fastify({ loggerInstance: options.logger });
  // The server's own error mapping for non-CSC routes, as buildServer installs it.
  app.setErrorHandler(handleError);
  await registerRsspRoutes(app, rssp);
  await app.ready();
  return {
    shomei,
    rssp,
    app,
    clock,
    audit,
    ca,
    users,
    mailedCodes,
    async close() {
      await app.close();
      await rssp.asyncResults.settled();
      await shomei.close();
    },
  };
}

export const PIN = '246813';

export interface EnrolledSigner {
  readonly userId: string;
  readonly token: string;
  readonly credentialId: string;
  readonly totpSecret: string;
  readonly publicKey: Buffer;
}

/** A user with a logged-in token and an active SCAL2 credential with PIN and TOTP enrolled. */
export async function enrolSigner(
  f: RsspFixture,
  username: string,
  algorithm: KeyAlgorithm = 'EC-P256',
  extra: { multisign?: number; authMode?: 'explicit' | 'oauth2code' } = {},
): Promise<EnrolledSigner> {
  const userId = f.users.add(username, `pw-${username}-secret`);
  const token = await login(f, username);
  const created = await f.rssp.credentials.create({
    userId,
    algorithm,
    subject: `CN=${username}, C=JP`,
    ...(extra.multisign === undefined ? {} : { multisign: extra.multisign }),
    ...(extra.authMode === undefined ? {} : { authMode: extra.authMode }),
  });
  const credentialId = created.credential.credential_id;
  await f.rssp.credentials.setPin(credentialId, userId, PIN);
  const { secret } = await f.rssp.credentials.enrolTotp(credentialId, userId);
  return {
    userId,
    token,
    credentialId,
    totpSecret: secret,
    publicKey: Buffer.from(created.credential.public_key),
  };
}

export async function login(f: RsspFixture, username: string): Promise<string> {
  const response = await f.app.inject({
    method: 'POST',
    url: '/csc/v2/auth/login',
    headers: {
      authorization: `Basic ${Buffer.from(`${username}:pw-${username}-secret`).toString('base64')}`,
    },
    payload: {},
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
  return (response.json() as { access_token: string }).access_token;
}

/** The current TOTP code; the clock moves one step first so each call yields a fresh, unused code. */
export async function nextOtp(f: RsspFixture, secret: string): Promise<string> {
  f.clock.advance(30);
  return generateTotp({ secret, epoch: Math.floor(f.clock.now().getTime() / 1000) });
}

export async function csc(
  f: RsspFixture,
  method: string,
  token: string | undefined,
  payload: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await f.app.inject({
    method: 'POST',
    url: `/csc/v2/${method}`,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    payload: payload as Record<string, unknown>,
  });
  return {
    status: response.statusCode,
    body: response.body === '' ? {} : (response.json() as Record<string, unknown>),
  };
}

export function digestOf(data: string, algorithm = 'sha256'): Buffer {
  return createHash(algorithm).update(data).digest();
}

/** credentials/authorize with the right PIN and a fresh TOTP code. */
export async function authorize(
  f: RsspFixture,
  signer: EnrolledSigner,
  hashes: readonly Buffer[],
  numSignatures = hashes.length,
  hashAlgorithmOID = '2.16.840.1.101.3.4.2.1',
): Promise<{ status: number; body: Record<string, unknown> }> {
  return csc(f, 'credentials/authorize', signer.token, {
    credentialID: signer.credentialId,
    numSignatures,
    hashes: hashes.map((h) => h.toString('base64')),
    hashAlgorithmOID,
    authData: [
      { id: 'PIN', value: PIN },
      { id: 'OTP', value: await nextOtp(f, signer.totpSecret) },
    ],
  });
}

export const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  rsaSha256: '1.2.840.113549.1.1.11',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsaPss: '1.2.840.113549.1.1.10',
} as const;

/** Verifies a signature over the original data with `openssl dgst -verify` against the SPKI. */
export function opensslVerify(
  spki: Buffer,
  data: string,
  signature: Buffer,
  extra: readonly string[] = [],
  digest = 'sha256',
): boolean {
  const dir = mkdtempSync(path.join(tmpdir(), 'rssp-verify-'));
  try {
    const pub = path.join(dir, 'pub.pem');
    writeFileSync(
      pub,
      `-----BEGIN PUBLIC KEY-----\n${spki
        .toString('base64')
        .match(/.{1,64}/g)!
        .join('\n')}\n-----END PUBLIC KEY-----\n`,
    );
    writeFileSync(path.join(dir, 'data'), data);
    writeFileSync(path.join(dir, 'sig'), signature);
    const result = run('openssl', [
      'dgst',
      `-${digest}`,
      '-verify',
      pub,
      '-signature',
      path.join(dir, 'sig'),
      ...extra,
      path.join(dir, 'data'),
    ]);
    return result.status === 0 && /Verified OK/.test(result.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
