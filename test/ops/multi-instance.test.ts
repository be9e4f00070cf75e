/**
 * Two `shomei start` processes (staging, SMTP, PostgreSQL, one SoftHSM2 token directory) behind no
 * session affinity: sign-ins, racing envelope acts and racing single-use SADs spread across both
 * instances lose nothing and double nothing, and the one shared audit chain verifies afterwards.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import { initialise, openShomei, type Shomei } from '../../src/app/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { User } from '../../src/identity/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { samplePdf } from '../contracts/harness.ts';
import { pdfsigReport, pem, trustingNssDb } from '../contracts/validators.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { runShomei } from '../helpers/run.ts';
import { SmtpListener } from '../helpers/smtp-listener.ts';
import { type RunningShomei, startShomei } from './helpers.ts';
import { HttpClient } from './http-client.ts';

const PASSWORD = 'correct horse battery staple 署名';
const PIN = '246810';
const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

let env: Record<string, string>;
let home: string;
let shomei: Shomei;
let smtp: SmtpListener;
let instances: RunningShomei[];
let bases: string[];

/** The TOTP code `stepOffset` time steps from now (each step is accepted once per secret). */
function code(secret: string, stepOffset = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + stepOffset * 30 });
}

before(async () => {
  smtp = new SmtpListener();
  const smtpUrl = await smtp.start();
  cleanups.push(() => smtp.stop());
  const database = await createTestDatabase();
  cleanups.push(() => database.drop());
  home = mkdtempSync(path.join(tmpdir(), 'shomei-multi-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  env = {
    SHOMEI_HOME: home,
    SHOMEI_LOG_LEVEL: 'silent',
    SHOMEI_ENV: 'staging',
    SHOMEI_DATABASE_URL: database.url,
    SHOMEI_SMTP_URL: smtpUrl,
  };
  // This process is the operator's console on the same database and token: it creates the accounts
  // and credentials, as the admin CLI would.
  const config = loadConfig({ ...env });
  await initialise(config);
  shomei = await openShomei(config, createLogger({ level: 'silent' }));
  cleanups.push(() => shomei.close());
  instances = await Promise.all([startShomei(env), startShomei(env)]);
  cleanups.push(() => Promise.all(instances.map((i) => i.stop())));
  bases = instances.map((i) => i.address);
});

async function createUser(email: string, tenantSlug: string): Promise<{ user: User; totp: string }> {
  const identity = shomei.identity;
  const tenant =
    (await identity.accounts.getTenantBySlug(tenantSlug)) ??
    (await identity.accounts.createTenant({ slug: tenantSlug, name: `${tenantSlug} 株式会社` }));
  const created = await identity.accounts.createUser({
    tenantId: tenant.id,
    email,
    displayName: email.split('@')[0]!,
    familyName: '山田',
    givenName: '太郎',
  });
  const { token } = await identity.applications.issueActivationToken(created.id);
  const user = await identity.activate(token, PASSWORD, {});
  const enrolment = await identity.totp.begin(user.id, user.email);
  assert.ok(await identity.totp.confirm(user.id, await code(enrolment.secret, -1)));
  return { user, totp: enrolment.secret };
}

/** A signing credential (EC P-256 in the shared token, certificate from the embedded CA). */
async function createCredential(user: User): Promise<{ credentialId: string; totp: string }> {
  const rssp = shomei.rssp;
  const { credential, csr } = await rssp.credentials.create({
    userId: user.id,
    tenantId: user.tenantId,
    algorithm: 'EC-P256',
    subject: `CN=${user.email}, C=JP`,
  });
  if (credential.status === 'pending-certificate') {
    // Outside development the RA would approve; the operator console issues directly here.
    const issued = await shomei.ca.issue({ csr, profile: 'signer', actor: { kind: 'process', id: 'test' } });
    await rssp.credentials.installCertificate(
      credential.credential_id,
      issued.der,
      await shomei.ca.chain(),
      user.id,
    );
  }
  await rssp.credentials.setPin(credential.credential_id, user.id, PIN);
  const { secret } = await rssp.credentials.enrolTotp(credential.credential_id, user.id);
  return { credentialId: credential.credential_id, totp: secret };
}

/** Password + TOTP sign-in on one instance; the session cookie then works on any instance. */
async function signIn(base: string, email: string, totp: string): Promise<HttpClient> {
  const client = new HttpClient();
  const first = await client.send(base, 'POST', '/api/auth/login', { email, password: PASSWORD });
  assert.equal(first.status, 200, first.text());
  assert.equal(first.json<{ next: string }>().next, 'second-factor', first.text());
  const second = await client.send(base, 'POST', '/api/auth/login/totp', { code: await code(totp) });
  assert.equal(second.status, 200, second.text());
  return client;
}

async function auditCount(type: string, outcome: 'success' | 'failure' = 'success'): Promise<number> {
  const records = await shomei.audit.search({ type, limit: 10_000 });
  return records.filter((r) => r.outcome === outcome).length;
}

describe('two shomei instances on one PostgreSQL database and one token directory', () => {
  test('sessions made on one instance are honoured and revoked on the other', async () => {
    const users: { user: User; totp: string }[] = [];
    for (let i = 0; i < 6; i += 1) users.push(await createUser(`member${i}@multi.example`, 'multi'));
    const loginsBefore = await auditCount('auth.second-factor');
    const clients = await Promise.all(users.map((u, i) => signIn(bases[i % 2]!, u.user.email, u.totp)));
    assert.equal((await auditCount('auth.second-factor')) - loginsBefore, users.length);
    await Promise.all(
      clients.map(async (client, i) => {
        const [own, other] = [bases[i % 2]!, bases[(i + 1) % 2]!];
        const session = await client.send(other, 'GET', '/api/auth/session');
        assert.equal(session.json<{ authenticated: boolean }>().authenticated, true, session.text());
        assert.equal(session.json<{ user: { email: string } }>().user.email, users[i]!.user.email);
        const kept = new HttpClient();
        for (const [name, value] of client.cookies) kept.cookies.set(name, value);
        // Signed out on the other instance: the first one refuses the same cookie from then on.
        const out = await client.send(other, 'POST', '/api/auth/logout');
        assert.equal(out.status, 204, out.text());
        const after = await kept.send(own, 'GET', '/api/auth/session');
        assert.equal(after.json<{ authenticated: boolean }>().authenticated, false, after.text());
        const refused = await kept.send(own, 'GET', '/api/auth/sessions');
        assert.equal(refused.status, 401, refused.text());
      }),
    );
  });

  test('racing party acts on both instances complete each envelope exactly once, to a PDF pdfsig accepts', async () => {
    const ENVELOPES = 3;
    const senders = [];
    for (let i = 0; i < ENVELOPES; i += 1) {
      const sender = await createUser(`sender${i}@a.example`, 'tenant-a');
      senders.push({ ...sender, credential: await createCredential(sender.user) });
    }
    const completedBefore = await auditCount('envelope.complete');
    const signsBefore = await auditCount('envelope.sign');
    const outcomes = await Promise.all(
      senders.map(async (sender, i) => {
        const [own, other] = [bases[i % 2]!, bases[(i + 1) % 2]!];
        const a = await signIn(own, sender.user.email, sender.totp);
        const witness = `witness${i}@b.example`;
        const created = await a.send(other, 'POST', '/api/envelopes', {
          title: `業務委託契約書 ${i}`,
          counterparty: 'B株式会社',
          transactionDate: '2026-11-20',
          amount: 1_000_000 + i,
          signingOrder: 'parallel',
          parties: [
            {
              role: 'signer',
              signingMode: 'signer-type',
              userId: sender.user.id,
              credentialId: sender.credential.credentialId,
              placement: { page: 0, rect: [60, 60, 260, 140] },
            },
            {
              role: 'signer',
              signingMode: 'witness-type',
              email: witness,
              name: '佐藤 花子',
              company: 'B株式会社',
              placement: { page: 0, rect: [320, 60, 520, 140] },
            },
          ],
        });
        assert.equal(created.status, 201, created.text());
        const envelopeId = created.json<{ id: string }>().id;
        const upload = await a.send(
          own,
          'POST',
          `/api/envelopes/${envelopeId}/documents?name=c${i}.pdf`,
          undefined,
          {
            raw: samplePdf(1, `multi instance ${i}`),
            contentType: 'application/pdf',
          },
        );
        assert.equal(upload.status, 201, upload.text());
        const sent = await a.send(other, 'POST', `/api/envelopes/${envelopeId}/send`);
        assert.equal(sent.status, 200, sent.text());
        const accessCode = sent.json<{ accessCodes: { accessCode: string }[] }>().accessCodes[0]!.accessCode;
        const mail = await smtp.waitFor(witness, /./);
        const token = /\/sign\/([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
        const b = new HttpClient();
        const opened = await b.send(other, 'POST', '/api/sign/open', { token, accessCode });
        assert.equal(opened.status, 200, opened.text());
        b.headers['x-shomei-party'] = opened.json<{ partyToken: string }>().partyToken;
        const hashes = (await a.send(own, 'GET', `/api/envelopes/${envelopeId}`))
          .json<{ documents: { sha256: string }[] }>()
          .documents.map((d) => d.sha256);
        const confirmation = await b.send(own, 'GET', `/api/envelopes/${envelopeId}/witness-confirmation`);
        assert.equal(confirmation.status, 200, confirmation.text());

        // Both parties at once, each request sent to both instances with the same body.
        const signerBody = { pin: PIN, otp: await code(sender.credential.totp), documentSha256: hashes };
        const witnessBody = { confirmed: true, lang: 'ja', documentSha256: hashes };
        const race = await Promise.all([
          a.send(own, 'POST', `/api/envelopes/${envelopeId}/sign/signer`, signerBody),
          a.send(other, 'POST', `/api/envelopes/${envelopeId}/sign/signer`, signerBody),
          b.send(own, 'POST', `/api/envelopes/${envelopeId}/sign/witness`, witnessBody),
          b.send(other, 'POST', `/api/envelopes/${envelopeId}/sign/witness`, witnessBody),
        ]);
        for (const r of race) assert.ok([200, 400, 409].includes(r.status), `${r.status} ${r.text()}`);
        const signerWins = race.slice(0, 2).filter((r) => r.status === 200).length;
        const witnessWins = race.slice(2).filter((r) => r.status === 200).length;
        assert.ok(signerWins <= 1 && witnessWins <= 1, race.map((r) => r.status).join(','));
        // A party that lost to the other party's concurrent act (409: the documents it reviewed
        // changed) reviews the new version and acts again, now alone.
        const reviewed = async () =>
          (await a.send(other, 'GET', `/api/envelopes/${envelopeId}`))
            .json<{ documents: { sha256: string }[] }>()
            .documents.map((d) => d.sha256);
        if (witnessWins === 0) {
          const again = await b.send(other, 'POST', `/api/envelopes/${envelopeId}/sign/witness`, {
            ...witnessBody,
            documentSha256: await reviewed(),
          });
          assert.equal(again.status, 200, `${again.text()} after ${race.map((r) => r.status)}`);
        }
        if (signerWins === 0) {
          const again = await a.send(other, 'POST', `/api/envelopes/${envelopeId}/sign/signer`, {
            ...signerBody,
            documentSha256: await reviewed(),
            otp: await code(sender.credential.totp, 1),
          });
          assert.equal(again.status, 200, `${again.text()} after ${race.map((r) => r.status)}`);
        }
        return { envelopeId, a, own, other, race: race.map((r) => r.status) };
      }),
    );

    const [, root] = await shomei.ca.chain();
    const rootPem = path.join(home, 'root.pem');
    writeFileSync(rootPem, pem(root!));
    const nss = trustingNssDb(path.join(home, 'nss'), rootPem);
    for (const { envelopeId, a, own, other } of outcomes) {
      const view = (await a.send(other, 'GET', `/api/envelopes/${envelopeId}`)).json<{
        status: string;
        documents: { id: string; version: number }[];
        parties: { status: string }[];
      }>();
      assert.equal(view.status, 'completed', JSON.stringify(view));
      assert.deepEqual(
        view.parties.map((p) => p.status),
        ['signed', 'signed'],
      );
      const documentId = view.documents[0]!.id;
      // Upload, two signatures, completion: one version each, none lost or doubled.
      const versions = await shomei.database.db
        .withTables<{ contract_document_versions: { document_id: string; version: number; kind: string } }>()
        .selectFrom('contract_document_versions')
        .select(['version', 'kind'])
        .where('document_id', '=', documentId)
        .orderBy('version')
        .execute();
      assert.deepEqual(
        versions.map((v) => v.kind),
        ['original', 'signature', 'signature', 'completion'],
        JSON.stringify(versions),
      );
      const pdf = await a.send(own, 'GET', `/api/envelopes/${envelopeId}/documents/${documentId}`);
      assert.equal(pdf.status, 200);
      const file = path.join(home, `${envelopeId}.pdf`);
      writeFileSync(file, pdf.body);
      const report = pdfsigReport(file, nss);
      assert.equal(report.blocks.length, 3, report.raw);
      // The two parties' signatures verify; the third block is the document timestamp (B-LTA).
      for (const block of report.blocks.slice(0, 2))
        assert.match(block, /Signature Validation: Signature is Valid\./, report.raw);
      assert.match(report.blocks[2]!, /shomei-archive-0-1/, report.raw);
    }
    assert.equal((await auditCount('envelope.complete')) - completedBefore, ENVELOPES);
    assert.equal((await auditCount('envelope.sign')) - signsBefore, 2 * ENVELOPES);
  });

  test('a single-use SAD authorised on one instance signs exactly once when signHash races on both', async () => {
    const RACERS = 8;
    const signers = [];
    for (let i = 0; i < 2; i += 1) {
      const signer = await createUser(`csc${i}@multi.example`, 'multi');
      signers.push({ ...signer, credential: await createCredential(signer.user) });
    }
    const createdBefore = await auditCount('signature.create');
    const failedBefore = await auditCount('signature.create', 'failure');
    const sadsBefore = await auditCount('sad.issue');
    await Promise.all(
      signers.map(async (signer, i) => {
        const [own, other] = [bases[i % 2]!, bases[(i + 1) % 2]!];
        const csc = async (base: string, method: string, token: string | undefined, body: unknown) => {
          const response = await fetch(`${base}/csc/v2/${method}`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization:
                token ?? `Basic ${Buffer.from(`${signer.user.email}:${PASSWORD}`).toString('base64')}`,
            },
            body: JSON.stringify(body),
          });
          return { status: response.status, body: (await response.json()) as Record<string, unknown> };
        };
        const login = await csc(other, 'auth/login', undefined, {});
        assert.equal(login.status, 200, JSON.stringify(login.body));
        const bearer = `Bearer ${String(login.body.access_token)}`;
        const hash = createHash('sha256').update(`one signature only ${i}`).digest('base64');
        const authorised = await csc(own, 'credentials/authorize', bearer, {
          credentialID: signer.credential.credentialId,
          numSignatures: 1,
          hashes: [hash],
          hashAlgorithmOID: '2.16.840.1.101.3.4.2.1',
          authData: [
            { id: 'PIN', value: PIN },
            { id: 'OTP', value: await code(signer.credential.totp) },
          ],
        });
        assert.equal(authorised.status, 200, JSON.stringify(authorised.body));
        const request = {
          credentialID: signer.credential.credentialId,
          SAD: authorised.body.SAD,
          hashes: [hash],
          signAlgo: '1.2.840.10045.4.3.2',
        };
        const responses = await Promise.all(
          Array.from({ length: RACERS }, (_, k) =>
            csc(bases[k % 2]!, 'signatures/signHash', bearer, request),
          ),
        );
        const statuses = responses.map((r) => r.status);
        assert.equal(statuses.filter((s) => s === 200).length, 1, `exactly one signs: ${statuses}`);
        for (const r of responses.filter((x) => x.status !== 200)) {
          assert.equal(r.status, 400);
          assert.deepEqual(r.body, { error: 'invalid_request', error_description: 'Invalid parameter SAD' });
        }
      }),
    );
    assert.equal((await auditCount('sad.issue')) - sadsBefore, signers.length);
    assert.equal((await auditCount('signature.create')) - createdBefore, signers.length);
    assert.equal(
      (await auditCount('signature.create', 'failure')) - failedBefore,
      signers.length * (RACERS - 1),
      'every refused racer is audited',
    );
  });

  test('afterwards the one audit chain written by three processes verifies', async () => {
    for (const instance of instances) assert.equal(await instance.stop(), 0);
    const written = (await shomei.audit.search({ limit: 10_000 })).length;
    const verified = runShomei(['audit', 'verify'], env);
    assert.equal(verified.status, 0, `${verified.stdout}${verified.stderr}`);
    const report = JSON.parse(verified.stdout.slice(0, verified.stdout.indexOf('\n}') + 2)) as {
      ok: boolean;
      records: number;
    };
    assert.equal(report.ok, true);
    // Every record the three processes wrote is in the verified chain; the CLI's own run adds its
    // records around the verification.
    const total = (await shomei.audit.search({ limit: 10_000 })).length;
    assert.ok(
      report.records >= written && report.records <= total,
      `${written} ≤ ${report.records} ≤ ${total}`,
    );
  });
});
