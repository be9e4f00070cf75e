/**
 * signatures/signHash throughput over HTTP on loopback (a real listener, keep-alive fetch) with 1, 10
 * and 100 hashes per SAD, next to CryptoModule.signDigest's raw rate measured in this run, for ECDSA
 * P-256 and RSA-2048. Prints ratios; the target is ≥ 0.7 of raw with 100 hashes per SAD.
 *
 * SADs for the signHash runs are stored through the Signature Activation Module ahead of each run,
 * so that the timed part is signHash alone; credentials/authorize (argon2id PIN + TOTP) is measured
 * separately as authorisations per second.
 *
 * Certificates come from the embedded CA, which is also the revocation status source as in the
 * installation; SHOMEI_RSSP_STATUS_CACHE_SECONDS=0 makes every call ask it again (the old behaviour).
 *
 *   npx tsx bench/rssp.ts [seconds-per-measurement]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { generate as generateTotp } from 'otplib';
import { initialise, openShomei } from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import type { KeyAlgorithm } from '../src/crypto/index.ts';
import { createLogger } from '../src/log/index.ts';
import {
  type Clock,
  createRemoteSignatureService,
  DEFAULT_RSSP_SETTINGS,
  embeddedCaIssuer,
  registerRsspRoutes,
} from '../src/rssp/index.ts';
import { secretHash } from '../src/rssp/secrets.ts';

const seconds = Number(process.argv[2] ?? 3);
const home = mkdtempSync(path.join(tmpdir(), 'shomei-bench-rssp-'));
const config = loadConfig({
  SHOMEI_HOME: home,
  SHOMEI_PKCS11_SESSIONS: '2',
  SHOMEI_LOG_LEVEL: 'silent',
  ...(process.env.SHOMEI_RSSP_STATUS_CACHE_SECONDS === undefined
    ? {}
    : { SHOMEI_RSSP_STATUS_CACHE_SECONDS: process.env.SHOMEI_RSSP_STATUS_CACHE_SECONDS }),
});
await initialise(config);
const shomei = await openShomei(config, createLogger({ level: 'silent' }));

let offsetMs = 0;
const clock: Clock = () => new Date(Date.now() + offsetMs);
const users = {
  verifyPassword: async (u: string, p: string) => (p === 'bench-password' ? { userId: u } : undefined),
};
// The embedded CA issues at once and answers the certificate status before each signature.
const ca = embeddedCaIssuer(shomei.ca, 'direct');
const rssp = createRemoteSignatureService({
  database: shomei.database,
  crypto: shomei.crypto,
  keys: shomei.keys,
  audit: shomei.audit.trail,
  clock,
  users,
  issuer: ca,
  certificateStatus: ca,
  settings: { ...DEFAULT_RSSP_SETTINGS, ...config.rssp, publicUrl: 'http://127.0.0.1' },
});
const app = Fastify({ logger: false });
await registerRsspRoutes(app, rssp);
const base = await app.listen({ host: '127.0.0.1', port: 0 });

async function post(method: string, token: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${base}/csc/v2/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) throw new Error(`${method}: ${JSON.stringify(json)}`);
  return json;
}

const SIGN_ALGO: Record<string, string> = {
  'EC-P256': '1.2.840.10045.4.3.2',
  'RSA-2048': '1.2.840.113549.1.1.11',
};

async function benchAlgorithm(algorithm: KeyAlgorithm): Promise<void> {
  const userId = `bench-${algorithm}`;
  const created = await rssp.credentials.create({ userId, algorithm, subject: `CN=${userId}, C=JP` });
  const credential = created.credential;
  await rssp.credentials.setPin(credential.credential_id, userId, '246813');
  const { secret } = await rssp.credentials.enrolTotp(credential.credential_id, userId);
  const login = await fetch(`${base}/csc/v2/auth/login`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${userId}:bench-password`).toString('base64')}`,
    },
    body: '{}',
  });
  const token = ((await login.json()) as { access_token: string }).access_token;
  const subject: BenchCredential = {
    algorithm,
    userId,
    credentialId: credential.credential_id,
    keyId: credential.key_id!,
    token,
  };
  console.log(
    `\n${algorithm} (raw = CryptoModule.signDigest on 2 sessions, 32 in flight, alternating with HTTP)`,
  );
  for (const perSad of [1, 10, 100]) await benchSignHash(subject, perSad);
  await benchAuthorize(subject, secret);
}

interface BenchCredential {
  readonly algorithm: KeyAlgorithm;
  readonly userId: string;
  readonly credentialId: string;
  readonly keyId: string;
  readonly token: string;
}

/** Runs `once` from `concurrency` loops for a slice of time; counts what they did. */
async function timed(sliceSeconds: number, concurrency: number, once: () => Promise<number>) {
  const end = performance.now() + sliceSeconds * 1000;
  const begin = performance.now();
  let count = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const n = await once();
        if (n === 0) return;
        count += n;
      }
    }),
  );
  return { count, elapsed: (performance.now() - begin) / 1000 };
}

/** SADs stored ahead, so the HTTP slices measure signHash and not authorisation. */
async function storeSads(subject: BenchCredential, count: number, perSad: number) {
  const sads: { sad: string; hashes: string[] }[] = [];
  for (let i = 0; i < count; i += 1) {
    const hashes = Array.from({ length: perSad }, () => randomBytes(32));
    const sad = randomBytes(32).toString('base64url');
    await rssp.activation.storeSad(secretHash(`sad:${sad}`), {
      credentialId: subject.credentialId,
      userId: subject.userId,
      clientId: null,
      numSignatures: perSad,
      hashes,
      hashAlgorithmOid: '2.16.840.1.101.3.4.2.1',
      authMethod: 'bench',
      lifetimeSeconds: 3600,
    });
    sads.push({ sad, hashes: hashes.map((h) => h.toString('base64')) });
  }
  return sads;
}

/**
 * Raw and HTTP are measured in alternating short slices, so that both see the same load on a
 * shared machine; the raw slices keep 32 digests in flight, as a batch does.
 */
async function benchSignHash(subject: BenchCredential, perSad: number): Promise<void> {
  const slices = 6;
  const slice = seconds / slices;
  const digest = randomBytes(32);
  let raw = { count: 0, elapsed: 0 };
  let http = { count: 0, elapsed: 0 };
  for (let round = 0; round < slices; round += 1) {
    const r = await timed(slice, 32, async () => {
      await shomei.crypto.signDigest(subject.keyId, digest, { digestAlgorithm: 'SHA-256' });
      return 1;
    });
    raw = { count: raw.count + r.count, elapsed: raw.elapsed + r.elapsed };
    // Enough pre-stored SADs for this slice at twice the raw rate just seen.
    const sads = await storeSads(
      subject,
      Math.ceil(((r.count / r.elapsed) * slice * 2) / perSad) + 8,
      perSad,
    );
    let next = 0;
    const h = await timed(slice, 4, async () => {
      const entry = sads[next++];
      if (entry === undefined) return 0;
      const result = await post('signatures/signHash', subject.token, {
        credentialID: subject.credentialId,
        SAD: entry.sad,
        hashes: entry.hashes,
        signAlgo: SIGN_ALGO[subject.algorithm],
      });
      return (result.signatures as string[]).length;
    });
    http = { count: http.count + h.count, elapsed: http.elapsed + h.elapsed };
  }
  const rawRate = raw.count / raw.elapsed;
  const httpRate = http.count / http.elapsed;
  console.log(
    `  ${String(perSad).padStart(3)} hashes per SAD: signHash over HTTP ${httpRate.toFixed(0).padStart(6)}/s, raw ${rawRate.toFixed(0).padStart(6)}/s, ratio ${(httpRate / rawRate).toFixed(2)}  (load ${loadavg()[0]!.toFixed(1)})`,
  );
}

/** credentials/authorize: argon2id PIN check + TOTP, one at a time (each needs a fresh time step). */
async function benchAuthorize(subject: BenchCredential, secret: string): Promise<void> {
  const start = performance.now();
  const rounds = 10;
  for (let i = 0; i < rounds; i += 1) {
    offsetMs += 30_000;
    const otp = await generateTotp({ secret, epoch: Math.floor(clock().getTime() / 1000) });
    await post('credentials/authorize', subject.token, {
      credentialID: subject.credentialId,
      numSignatures: 1,
      hashes: [randomBytes(32).toString('base64')],
      hashAlgorithmOID: '2.16.840.1.101.3.4.2.1',
      authData: [
        { id: 'PIN', value: '246813' },
        { id: 'OTP', value: otp },
      ],
    });
  }
  const perSecond = rounds / ((performance.now() - start) / 1000);
  console.log(`  credentials/authorize (argon2id PIN + TOTP): ${perSecond.toFixed(1)} authorisations/s`);
}

try {
  console.log(
    `shomei rssp bench: ${seconds} s per measurement, Node ${process.version}, certificate status reused ${config.rssp.certificateStatusCacheSeconds} s`,
  );
  await benchAlgorithm('EC-P256');
  await benchAlgorithm('RSA-2048');
} finally {
  await app.close();
  await shomei.close();
  rmSync(home, { recursive: true, force: true });
}
