/**
 * Kill -9 soak (`npm run soak [-- --iterations N --max-delay-ms M --postgres]`), not part of `npm test`.
 * Each round starts `shomei start`, sends an envelope whose last party's act triggers completion,
 * SIGKILLs the process 0–M ms after the act was sent, notes the state the kill left, restarts
 * `shomei start` (which resumes a completion the kill interrupted) until the envelope settles, stops
 * it, then checks on the stopped installation: the envelope is either untouched or completed with a
 * final PDF that pdfsig accepts (nothing half-done, nothing left for a human); every active key in the
 * registry is in the token and every token key is registered; `shomei audit verify` passes. Then
 * (`--csc-iterations`, default 10) it kills the process 0–`--csc-max-delay-ms` ms after a CSC
 * signatures/signHash under a single-use SAD and checks after a restart that the SAD is either still
 * usable or spent with exactly one signature.create record, with the same key and audit checks.
 * Prints a summary; exits 1 on any violation.
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generate } from 'otplib';
import { initialise, openShomei, type Shomei } from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log/index.ts';
import { samplePdf } from '../test/contracts/harness.ts';
import { pdfsigReport, pem, trustingNssDb } from '../test/contracts/validators.ts';
import { createTestDatabase } from '../test/helpers/postgres.ts';
import { runShomei } from '../test/helpers/run.ts';
import { startShomei } from '../test/ops/helpers.ts';
import { HttpClient } from '../test/ops/http-client.ts';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '50' },
    'max-delay-ms': { type: 'string', default: '1500' },
    postgres: { type: 'boolean', default: false },
    'csc-iterations': { type: 'string', default: '10' },
    'csc-max-delay-ms': { type: 'string', default: '150' },
  },
});
const ITERATIONS = Number(values.iterations);
const MAX_DELAY = Number(values['max-delay-ms']);
const CSC_ITERATIONS = Number(values['csc-iterations']);
const CSC_MAX_DELAY = Number(values['csc-max-delay-ms']);
const PIN = '246810';
const PASSWORD = 'correct horse battery staple 署名';

const home = mkdtempSync(path.join(tmpdir(), 'shomei-soak-'));
// A short completion lease: on PostgreSQL the restarted instance takes over a killed completion only
// once its lease has run out (on SQLite, one process, it does so at start-up regardless).
const env: Record<string, string> = {
  SHOMEI_HOME: home,
  SHOMEI_LOG_LEVEL: 'silent',
  SHOMEI_CONTRACTS_COMPLETION_LEASE_SECONDS: '1',
};
let dropDatabase: (() => Promise<void>) | undefined;
if (values.postgres) {
  const database = await createTestDatabase();
  env.SHOMEI_DATABASE_URL = database.url;
  dropDatabase = database.drop;
}
const config = loadConfig({ ...env });

async function offline<T>(work: (shomei: Shomei) => Promise<T>): Promise<T> {
  const shomei = await openShomei(config, createLogger({ level: 'silent' }));
  try {
    return await work(shomei);
  } finally {
    await shomei.close();
  }
}

// One account whose session (in the database) outlives every restart: no TOTP step per round.
await initialise(config);
const fixture = await offline(async (shomei) => {
  const identity = shomei.identity;
  const tenant = await identity.accounts.createTenant({ slug: 'soak', name: 'Soak 株式会社' });
  const created = await identity.accounts.createUser({
    tenantId: tenant.id,
    email: 'soak@a.example',
    displayName: 'soak',
    familyName: '山田',
    givenName: '太郎',
  });
  const { token } = await identity.applications.issueActivationToken(created.id);
  const user = await identity.activate(token, PASSWORD, {});
  const enrolment = await identity.totp.begin(user.id, user.email);
  await identity.totp.confirm(user.id, await generate({ secret: enrolment.secret }));
  const [, root] = await shomei.ca.chain();
  // A CSC signing credential (EC P-256 in the token, certificate from the embedded CA).
  const { credential, csr } = await shomei.rssp.credentials.create({
    userId: user.id,
    tenantId: user.tenantId,
    algorithm: 'EC-P256',
    subject: 'CN=soak, C=JP',
  });
  if (credential.status === 'pending-certificate') {
    const issued = await shomei.ca.issue({ csr, profile: 'signer', actor: { kind: 'process', id: 'soak' } });
    await shomei.rssp.credentials.installCertificate(
      credential.credential_id,
      issued.der,
      await shomei.ca.chain(),
      user.id,
    );
  }
  await shomei.rssp.credentials.setPin(credential.credential_id, user.id, PIN);
  const otp = await shomei.rssp.credentials.enrolTotp(credential.credential_id, user.id);
  return {
    user,
    totp: enrolment.secret,
    root: root!,
    credentialId: credential.credential_id,
    credentialTotp: otp.secret,
  };
});
const rootPem = path.join(home, 'root.pem');
writeFileSync(rootPem, pem(fixture.root));
const nss = trustingNssDb(path.join(home, 'nss'), rootPem);

const client = new HttpClient();
const outcomes = new Map<string, number>();
const atKill = new Map<string, number>();
const violations: string[] = [];
const delays: number[] = [];
const envelopes: string[] = [];

async function round(i: number): Promise<void> {
  const server = await startShomei(env);
  const base = server.address;
  try {
    if (i === 0) {
      await client.send(base, 'POST', '/api/auth/login', { email: fixture.user.email, password: PASSWORD });
      const code = await generate({ secret: fixture.totp, epoch: Math.floor(Date.now() / 1000) + 30 });
      const done = await client.send(base, 'POST', '/api/auth/login/totp', { code });
      if (done.status !== 200) throw new Error(`sign-in failed: ${done.text()}`);
    }
    const created = await client.send(base, 'POST', '/api/envelopes', {
      title: `soak ${i}`,
      counterparty: 'B株式会社',
      parties: [{ role: 'signer', signingMode: 'witness-type', userId: fixture.user.id }],
    });
    if (created.status !== 201) throw new Error(`create: ${created.text()}`);
    const id = created.json<{ id: string }>().id;
    envelopes.push(id);
    await client.send(base, 'POST', `/api/envelopes/${id}/documents?name=soak.pdf`, undefined, {
      raw: samplePdf(1, `soak ${i}`),
      contentType: 'application/pdf',
    });
    await client.send(base, 'POST', `/api/envelopes/${id}/send`);
    const confirmation = await client.send(base, 'GET', `/api/envelopes/${id}/witness-confirmation`);
    const hashes = confirmation.json<{ documents: { sha256: string }[] }>().documents.map((d) => d.sha256);
    const delay = randomInt(0, MAX_DELAY + 1);
    delays.push(delay);
    const act = client
      .send(base, 'POST', `/api/envelopes/${id}/sign/witness`, {
        confirmed: true,
        lang: 'ja',
        documentSha256: hashes,
      })
      .catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, delay));
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGKILL');
    await exited;
    await act;
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
}

/** `status/party status/vcurrent:version kinds` of the round's envelope. */
async function stateOf(shomei: Shomei, id: string): Promise<{ state: string; numbered: boolean }> {
  const db = shomei.database.db.withTables<{
    contract_envelopes: { id: string; status: string };
    contract_parties: { envelope_id: string; status: string };
    contract_documents: { id: string; envelope_id: string; current_version: number };
    contract_document_versions: { document_id: string; version: number; kind: string };
  }>();
  const envelope = await db
    .selectFrom('contract_envelopes')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  const party = await db
    .selectFrom('contract_parties')
    .selectAll()
    .where('envelope_id', '=', id)
    .executeTakeFirst();
  const document = await db
    .selectFrom('contract_documents')
    .selectAll()
    .where('envelope_id', '=', id)
    .executeTakeFirst();
  const versions = await db
    .selectFrom('contract_document_versions')
    .select(['version', 'kind'])
    .where('document_id', '=', document?.id ?? '')
    .orderBy('version')
    .execute();
  const kinds = versions.map((v) => v.kind).join('>');
  return {
    state: `${envelope?.status}/${party?.status}/v${document?.current_version}:${kinds}`,
    numbered: versions.every((v, k) => v.version === k + 1),
  };
}

const SETTLED = ['sent/waiting/v1:original', 'completed/signed/v3:original>signature>completion'];

/** Restarts `shomei start` until the round's envelope is settled (a killed completion resumed). */
async function recover(i: number): Promise<void> {
  const id = envelopes[i]!;
  const killed = await offline((shomei) => stateOf(shomei, id));
  atKill.set(killed.state, (atKill.get(killed.state) ?? 0) + 1);
  const server = await startShomei(env);
  try {
    // Bounded: a resumption that never happens is reported by check() as a violation.
    for (let tries = 0; tries < 120; tries += 1) {
      const view = await client.send(server.address, 'GET', `/api/envelopes/${id}`);
      const status = view.json<{ status: string; parties: { status: string }[] }>();
      const waiting = status.parties.some((p) => p.status === 'waiting');
      if (status.status === 'completed' || (status.status === 'sent' && waiting)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await server.stop();
  }
}

/** The invariants, on the stopped installation. */
async function check(i: number): Promise<void> {
  const id = envelopes[i]!;
  await offline(async (shomei) => {
    const { state, numbered } = await stateOf(shomei, id);
    outcomes.set(state, (outcomes.get(state) ?? 0) + 1);
    if (!SETTLED.includes(state) || !numbered)
      violations.push(`round ${i}: envelope ${id} in state ${state}`);
    const db = shomei.database.db.withTables<{
      contract_documents: { id: string; envelope_id: string };
    }>();
    const document = await db
      .selectFrom('contract_documents')
      .selectAll()
      .where('envelope_id', '=', id)
      .executeTakeFirst();
    const completions = (await shomei.audit.search({ type: 'envelope.complete', limit: 10_000 })).filter(
      (r) => r.subject?.id === id && r.outcome === 'success',
    );
    const expected = state.startsWith('completed/') ? 1 : 0;
    if (completions.length !== expected)
      violations.push(`round ${i}: ${completions.length} envelope.complete records for ${id} (${state})`);
    if (state.startsWith('completed/') && document !== undefined) {
      const actor = {
        kind: 'user' as const,
        userId: fixture.user.id,
        tenantId: fixture.user.tenantId,
        email: fixture.user.email,
        authentication: 'soak',
        source: '127.0.0.1',
      };
      const bytes = (await shomei.contracts.readDocument(actor, id, document.id)).bytes;
      const file = path.join(home, 'final.pdf');
      writeFileSync(file, bytes);
      const report = pdfsigReport(file, nss);
      if (report.blocks.length !== 2 || !/Signature is Valid/.test(report.blocks[0]!)) {
        violations.push(`round ${i}: final PDF of ${id} does not validate:\n${report.raw}`);
      }
    }
  });
  await checkInstallation(`round ${i}`);
}

/** Token keys and the key registry match both ways; `shomei audit verify` passes. */
async function checkInstallation(label: string): Promise<void> {
  await offline(async (shomei) => {
    const inToken = new Set((await shomei.crypto.listKeys()).map((k) => k.id));
    const registered = new Set((await shomei.keys.list({ status: 'active' })).map((k) => k.key_id));
    for (const key of registered)
      if (!inToken.has(key)) violations.push(`${label}: registered key ${key} not in token`);
    for (const key of inToken)
      if (!registered.has(key)) violations.push(`${label}: token key ${key} not registered`);
  });
  const verified = runShomei(['audit', 'verify'], env);
  if (verified.status !== 0)
    violations.push(`${label}: audit verify failed: ${verified.stdout}${verified.stderr}`);
}

// ---- CSC kill point: SIGKILL while signatures/signHash spends a single-use SAD. ----

const cscDelays: number[] = [];
const cscOutcomes = new Map<string, number>();
let lastTotpStep = 0;

/** A TOTP code for a time step later than any used (the RSSP burns steps; ±1 step is accepted). */
async function nextCredentialCode(): Promise<string> {
  for (;;) {
    const now = Math.floor(Date.now() / 1000 / 30);
    const step = Math.max(lastTotpStep + 1, now - 1);
    if (step <= now + 1) {
      lastTotpStep = step;
      return generate({ secret: fixture.credentialTotp, epoch: step * 30 + 15 });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function csc(
  base: string,
  method: string,
  token: string | undefined,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/csc/v2/${method}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: token ?? `Basic ${Buffer.from(`${fixture.user.email}:${PASSWORD}`).toString('base64')}`,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function cscLogin(base: string): Promise<string> {
  const login = await csc(base, 'auth/login', undefined, {});
  if (login.status !== 200) throw new Error(`CSC login: ${JSON.stringify(login.body)}`);
  return `Bearer ${String(login.body.access_token)}`;
}

/** Authorises one hash, sends signHash, kills the process 0–M ms later; returns what to check. */
async function cscRound(i: number): Promise<{ sad: string; hash: string }> {
  const server = await startShomei(env);
  try {
    const bearer = await cscLogin(server.address);
    const hash = createHash('sha256').update(`soak csc ${i} ${randomUUID()}`).digest('base64');
    const authorised = await csc(server.address, 'credentials/authorize', bearer, {
      credentialID: fixture.credentialId,
      numSignatures: 1,
      hashes: [hash],
      hashAlgorithmOID: '2.16.840.1.101.3.4.2.1',
      authData: [
        { id: 'PIN', value: PIN },
        { id: 'OTP', value: await nextCredentialCode() },
      ],
    });
    if (authorised.status !== 200) throw new Error(`authorize: ${JSON.stringify(authorised.body)}`);
    const sad = String(authorised.body.SAD);
    const delay = randomInt(0, CSC_MAX_DELAY + 1);
    cscDelays.push(delay);
    const signing = csc(server.address, 'signatures/signHash', bearer, {
      credentialID: fixture.credentialId,
      SAD: sad,
      hashes: [hash],
      signAlgo: '1.2.840.10045.4.3.2',
    }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, delay));
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGKILL');
    await exited;
    await signing;
    return { sad, hash };
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
}

/**
 * After a restart the SAD is either still usable (signHash now signs, and it is the only signature
 * recorded for the hash) or spent with exactly one signature.create record for the hash.
 */
async function cscCheck(i: number, sad: string, hash: string): Promise<void> {
  const hashHex = Buffer.from(hash, 'base64').toString('hex');
  const recordsFor = () =>
    offline(async (shomei) =>
      (await shomei.audit.search({ type: 'signature.create', limit: 10_000 })).filter(
        (r) =>
          r.subject?.id === fixture.credentialId &&
          Array.isArray(r.details.hashes) &&
          r.details.hashes.includes(hashHex),
      ),
    );
  const before = await recordsFor();
  const signedBefore = before.filter((r) => r.outcome === 'success').length;
  const server = await startShomei(env);
  let retry: { status: number; body: Record<string, unknown> };
  try {
    retry = await csc(server.address, 'signatures/signHash', await cscLogin(server.address), {
      credentialID: fixture.credentialId,
      SAD: sad,
      hashes: [hash],
      signAlgo: '1.2.840.10045.4.3.2',
    });
  } finally {
    await server.stop();
  }
  const outcome = retry.status === 200 ? 'sad-still-usable' : `sad-spent(${signedBefore} signature)`;
  cscOutcomes.set(outcome, (cscOutcomes.get(outcome) ?? 0) + 1);
  if (retry.status === 200 && signedBefore !== 0)
    violations.push(`csc round ${i}: SAD signed again after a recorded signature`);
  if (retry.status !== 200) {
    if (retry.body.error_description !== 'Invalid parameter SAD')
      violations.push(`csc round ${i}: retry refused unexpectedly: ${JSON.stringify(retry.body)}`);
    if (signedBefore !== 1)
      violations.push(`csc round ${i}: SAD spent with ${signedBefore} signature.create success records`);
  }
  await checkInstallation(`csc round ${i}`);
}

const started = Date.now();
try {
  for (let i = 0; i < ITERATIONS; i += 1) {
    await round(i);
    await recover(i);
    await check(i);
    process.stdout.write(`round ${i + 1}/${ITERATIONS}: killed ${delays[i]} ms after the act\n`);
  }
  for (let i = 0; i < CSC_ITERATIONS; i += 1) {
    const { sad, hash } = await cscRound(i);
    await cscCheck(i, sad, hash);
    process.stdout.write(`csc round ${i + 1}/${CSC_ITERATIONS}: killed ${cscDelays[i]} ms after signHash\n`);
  }
} finally {
  console.log(
    JSON.stringify(
      {
        iterations: delays.length,
        database: values.postgres ? 'postgres' : 'sqlite',
        killDelayMs: { min: Math.min(...delays), max: Math.max(...delays) },
        statesAtKill: Object.fromEntries(atKill),
        statesAfterRestart: Object.fromEntries(outcomes),
        csc: {
          iterations: cscDelays.length,
          killDelayMs: { min: Math.min(...cscDelays), max: Math.max(...cscDelays) },
          sadAfterRestart: Object.fromEntries(cscOutcomes),
        },
        violations: violations.length,
        seconds: Math.round((Date.now() - started) / 1000),
      },
      null,
      2,
    ),
  );
  for (const v of violations) console.log(`VIOLATION ${v}`);
  rmSync(home, { recursive: true, force: true });
  await dropDatabase?.();
}
process.exit(violations.length === 0 ? 0 : 1);
