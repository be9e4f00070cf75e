/**
 * Production trust chain (issue #17), against an outside PKI nobody on this project wrote: cfssl as
 * the CA server (user credentials and the imported e-seal certificate, OCSP by cfssl ocspserve) and
 * `openssl ts -reply` as the TSA with its own CA and CRL. Every path — an envelope completed end to
 * end, archive renewal, `shomei sign --level B-LTA`, CSC signDoc B-LTA — carries tokens of the
 * outside TSA only (read by `openssl ts -reply -text`), each verified by `openssl ts -verify`;
 * pdfsig and `shomei verify --online` pass with only the two outside roots trusted. A credential
 * revoked at cfssl stops signing after the status cache window. A TSA that is down, slow, talks
 * garbage, signs with an untrusted certificate, or answers another nonce or imprint fails with a
 * typed error, writes nothing, leaves an audit record, and repeated failures raise an alert.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { generate as generateTotp } from 'otplib';
import { type EmbeddedSigning, openEmbeddedSigning, signPdf } from '../../src/ades/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import { extractDss, listSignatures } from '../../src/pdf/index.ts';
import { parseCertificates } from '../../src/pki/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { validateDocument } from '../../src/validation/index.ts';
import { signatureTimestampToken } from '../ades/tokens.ts';
import { opensslTsVerify, pdfsig, signedRangeFiles, trustingNssDb } from '../ades/validators.ts';
import {
  adminApiKey,
  Client,
  type ContractsHarness,
  createUser,
  json,
  openContractsHarness,
  samplePdf,
} from '../contracts/harness.ts';
import { makeTeam } from '../helpers/operators.ts';
import { run, SHOMEI_BIN } from '../helpers/run.ts';
import { rejectsWithCode } from '../helpers/token.ts';
import { OID, PIN } from '../rssp/fixture.ts';
import { type OutsidePki, startOutsidePki } from './outside-pki.ts';

let pki: OutsidePki;
let h: ContractsHarness;
let server: FastifyInstance;
let env: Record<string, string>;
let nssDb: string;
let provider: (() => Promise<EmbeddedSigning>) | undefined;

const OUTSIDE_TSA_NAME = /TSA: DirName:\/C=JP\/O=Outside Time KK\/CN=outside TSA/;
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

function runAsync(args: readonly string[], extraEnv: Record<string, string>) {
  return new Promise<{ status: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [SHOMEI_BIN, ...args], { env: { ...process.env, ...extraEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}

before(async () => {
  pki = await startOutsidePki();
  env = {
    SHOMEI_TSA_URL: pki.tsaUrl,
    SHOMEI_TSA_TRUST_ANCHORS: pki.tsaAnchorsPem,
    // Long enough for openssl on a busy machine; the slow TSA below never answers at all.
    SHOMEI_TSA_TIMEOUT_MS: '5000',
    SHOMEI_TSA_RETRIES: '1',
    SHOMEI_TSA_BREAKER_FAILURES: '8',
    SHOMEI_TSA_BREAKER_SECONDS: '1',
    SHOMEI_RSSP_CA: 'cfssl',
    SHOMEI_CFSSL_URL: pki.cfsslUrl,
    SHOMEI_CA_TRUSTED_CAS: pki.caRootPem,
    SHOMEI_RSSP_STATUS_CACHE_SECONDS: '1',
  };
  // Trust settings are read from the process environment, as `shomei start` reads them.
  Object.assign(process.env, env);
  h = await openContractsHarness({
    env,
    provider: () => {
      const { config, database, crypto, keys } = h.shomei;
      provider ??= h.shomei.trust.signingProvider({ config, database, crypto, keys });
      return provider();
    },
  });
  server = await buildServer(h.shomei);
  await server.ready();
  // pdfsig trusts exactly the two outside roots.
  nssDb = trustingNssDb(path.join(h.dir, 'nss'), pki.tsaRootPem);
  const second = run('certutil', [
    '-A',
    '-d',
    nssDb,
    '-n',
    'outside-ca',
    '-t',
    'CT,C,C',
    '-i',
    pki.caRootPem,
  ]);
  assert.equal(second.status, 0, second.stderr);
  // The e-seal key, certified by the outside CA: CSR out, certificate from cfssl, imported (checked
  // against the key and the trusted CA).
  const { config, database, crypto, keys } = h.shomei;
  const first = await openEmbeddedSigning({ config, database, crypto, keys });
  const keyId = first.signer.keyId;
  const csrPem = await h.shomei.externalCa.exportCsr(keyId, [
    { type: 'C', value: 'JP' },
    { type: 'O', value: 'Shomei Provider KK' },
    { type: 'CN', value: 'Shomei e-seal' },
  ]);
  const csr = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  await h.shomei.externalCa.importCertificate(keyId, await pki.signCsr(csr), {
    kind: 'operator',
    id: 'ra-1',
  });
});

after(async () => {
  await server?.close();
  await h?.close();
  await pki?.close();
  for (const key of Object.keys(env ?? {})) delete process.env[key];
});

/** Every timestamp token in a PDF: TSA name by openssl, token verified by openssl ts -verify. */
async function checkTokens(file: string): Promise<number> {
  const signatures = await listSignatures(file);
  let tokens = 0;
  for (const [index, signature] of signatures.entries()) {
    const ranges = await signedRangeFiles(file, index, h.dir);
    const tokenFile = path.join(h.dir, `token-${index}.tst`);
    let against: { digest: string } | { data: string };
    if (signature.subFilter === 'ETSI.RFC3161') {
      writeFileSync(tokenFile, ranges.cmsBytes);
      against = { data: ranges.content };
    } else {
      const stamp = signatureTimestampToken(ranges.cmsBytes);
      assert.ok(stamp, `signature ${index} carries a signature timestamp`);
      writeFileSync(tokenFile, stamp.token);
      against = { digest: sha256(stamp.signatureValue).toString('hex') };
    }
    const text = run('openssl', ['ts', '-reply', '-token_in', '-in', tokenFile, '-token_out', '-text']);
    assert.match(text.stdout, OUTSIDE_TSA_NAME, `token ${index} comes from the outside TSA`);
    const verified = opensslTsVerify(tokenFile, against, pki.tsaRootPem, pki.tsaCertPem);
    assert.equal(verified.status, 0, verified.output);
    tokens += 1;
  }
  return tokens;
}

async function checkValid(file: string, how: 'cli' | 'in-process' = 'in-process'): Promise<void> {
  const report = pdfsig(file, nssDb);
  const signatures = report.signatures.filter((s) => s.signatureType !== 'unknown');
  assert.ok(signatures.length >= 1, report.raw);
  // pdfsig checks the signatures and their chains; it cannot validate document timestamps at all.
  assert.ok(
    signatures.every((s) => s.valid && s.trusted),
    report.raw,
  );
  assert.doesNotMatch(report.raw, /isn't Trusted|Revoked|Expired/);
  if (how === 'cli') {
    const verify = await runAsync(['verify', file, '--trust', pki.rootsPem, '--online', '--json'], {});
    const verdict = JSON.parse(verify.stdout) as { indication: string };
    assert.equal(verdict.indication, 'TOTAL_PASSED', verify.stdout);
    return;
  }
  // What `shomei verify --online` runs, in-process (one CLI start per test file is enough).
  const validated = await validateDocument(readFileSync(file), undefined, {
    trustAnchors: parseCertificates(readFileSync(pki.rootsPem)).map((c) => c.der),
    online: true,
  });
  assert.equal(validated.indication, 'TOTAL_PASSED', JSON.stringify(validated).slice(0, 2000));
}

describe('outside CA and TSA on every path', () => {
  it('an envelope completes end to end with the outside e-seal certificate and outside TSA only, and archive renewal stays outside', async () => {
    const user = await createUser(h, { email: 'trust@a.example', tenantSlug: 'tenant-trust' });
    const key = await adminApiKey(h, user, ['envelopes:read', 'envelopes:write']);
    const client = new Client(h.app);
    client.headers.authorization = `Bearer ${key.key}`;
    const created = json<{ id: string }>(
      await client.send('POST', '/api/envelopes', {
        title: '業務委託契約書',
        counterparty: 'E株式会社',
        parties: [
          { role: 'signer', signingMode: 'witness-type', email: 'party@e.example', name: '佐藤 花子' },
        ],
      }),
    );
    const uploaded = json<{ documents: { id: string }[] }>(
      await client.send('POST', `/api/envelopes/${created.id}/documents`, undefined, {
        contentType: 'application/pdf',
        raw: samplePdf(),
      }),
    );
    const sent = json<{ accessCodes: { accessCode: string }[] }>(
      await client.send('POST', `/api/envelopes/${created.id}/send`),
    );
    const opened = json<{ partyToken: string }>(
      await new Client(h.app).send('POST', '/api/sign/open', {
        token: h.mailer.lastLinkToken('party@e.example'),
        accessCode: sent.accessCodes[0]!.accessCode,
      }),
    );
    const party = new Client(h.app);
    party.headers['x-shomei-party'] = opened.partyToken;
    const confirmation = json<{ documents: { sha256: string }[] }>(
      await party.send('GET', `/api/envelopes/${created.id}/witness-confirmation`),
    );
    const signed = await party.send('POST', `/api/envelopes/${created.id}/sign/witness`, {
      confirmed: true,
      documentSha256: confirmation.documents.map((d) => d.sha256),
    });
    assert.equal(json<{ status: string }>(signed).status, 'completed', signed.body);
    const documentUrl = `/api/envelopes/${created.id}/documents/${uploaded.documents[0]!.id}`;
    const completed = path.join(h.dir, 'completed.pdf');
    writeFileSync(completed, (await client.send('GET', documentUrl)).rawPayload);
    const tokens = await checkTokens(completed);
    assert.ok(tokens >= 1);
    await checkValid(completed);

    // The outside TSA certificate lives 30 days: inside a one-year window, so renewal adds a document
    // timestamp, again from the outside TSA.
    const outcomes = await h.contracts.renewArchiveTimestamps({ windowDays: 365 });
    assert.ok(
      outcomes.some((o) => o.documentId === uploaded.documents[0]!.id && o.action === 'renewed'),
      JSON.stringify(outcomes),
    );
    const renewed = path.join(h.dir, 'renewed.pdf');
    writeFileSync(renewed, (await client.send('GET', documentUrl)).rawPayload);
    assert.equal(await checkTokens(renewed), tokens + 1);
    await checkValid(renewed);
  });

  it('shomei sign --level B-LTA takes the outside TSA and the imported e-seal certificate', async () => {
    const input = path.join(h.dir, 'sign-in.pdf');
    const output = path.join(h.dir, 'sign-out.pdf');
    writeFileSync(input, samplePdf());
    // The provider's e-seal signs for a named operator only (ADR 019).
    const team = await makeTeam(h.shomei, ['security_officer', 'system_operator'], env);
    const result = await runAsync(['sign', input, '-o', output, '--level', 'B-LTA'], {
      ...team.system_operator.env,
      SHOMEI_HOME: h.shomei.home,
      SHOMEI_LOG_LEVEL: 'silent',
      SHOMEI_TSA_TIMEOUT_MS: '20000',
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(JSON.parse(result.stdout).signer, /Shomei e-seal/);
    assert.equal(await checkTokens(output), 2);
    await checkValid(output, 'cli');
  });

  it('a CSC credential certified by cfssl signs B-LTA; revoked at cfssl, it stops after the cache window', async () => {
    const userId = 'csc-outside-1';
    const created = await h.shomei.rssp.credentials.create({
      userId,
      algorithm: 'EC-P256',
      subject: 'CN=鈴木 一郎, O=E株式会社, C=JP',
    });
    assert.equal(created.credential.status, 'active');
    assert.match(created.credential.cert_issuer_dn ?? '', /Outside Test Root CA/);
    await pki.publishOcsp(); // the CA's periodic OCSP refresh, which now knows the new certificate
    const credentialId = created.credential.credential_id;
    await h.shomei.rssp.credentials.setPin(credentialId, userId, PIN);
    const { secret } = await h.shomei.rssp.credentials.enrolTotp(credentialId, userId);
    const token = (
      await h.shomei.rssp.tokens.issue(
        'access',
        { scope: 'service', userId, tenantId: null, clientId: null, credentialId: null, authMethod: 'basic' },
        3600,
      )
    ).token;
    const pdf = samplePdf();
    // Each TOTP time step is accepted once; the second signature uses the next step (±1 step accepted).
    let step = -1;
    const signDoc = async () => {
      step += 1;
      const otp = await generateTotp({ secret, epoch: Math.floor(Date.now() / 1000) + step * 30 });
      const auth = await server.inject({
        method: 'POST',
        url: '/csc/v2/credentials/authorize',
        headers: { authorization: `Bearer ${token}` },
        payload: {
          credentialID: credentialId,
          numSignatures: 1,
          hashes: [sha256(pdf).toString('base64')],
          hashAlgorithmOID: OID.sha256,
          authData: [
            { id: 'PIN', value: PIN },
            { id: 'OTP', value: otp },
          ],
        },
      });
      if (auth.statusCode !== 200) return auth;
      return server.inject({
        method: 'POST',
        url: '/csc/v2/signatures/signDoc',
        headers: { authorization: `Bearer ${token}` },
        payload: {
          credentialID: credentialId,
          SAD: auth.json().SAD,
          documents: [
            {
              document: pdf.toString('base64'),
              signature_format: 'P',
              conformance_level: 'Ades-B-LTA',
              signAlgo: OID.ecdsaSha256,
            },
          ],
        },
      });
    };
    const first = await signDoc();
    assert.equal(first.statusCode, 200, first.body);
    const file = path.join(h.dir, 'csc-lta.pdf');
    writeFileSync(file, Buffer.from(first.json().DocumentWithSignature[0], 'base64'));
    assert.equal(await checkTokens(file), 2);
    await checkValid(file);
    // Validation data of the outside chains sits in the DSS: cfssl's OCSP answer for the signer
    // (openssl reads it as good) and the outside TSA's CRL, with both outside CA certificates.
    const dss = await extractDss(file);
    const ocspFile = path.join(h.dir, 'signer-ocsp.der');
    assert.ok(dss.ocspResponses.length >= 1 && dss.crls.length >= 1, 'OCSP and CRL in the DSS');
    writeFileSync(ocspFile, dss.ocspResponses[0]!);
    const ocspText = run('openssl', ['ocsp', '-respin', ocspFile, '-resp_text', '-noverify']);
    assert.match(ocspText.stdout, /Cert Status: good/);
    const crlFile = path.join(h.dir, 'tsa.crl');
    writeFileSync(crlFile, dss.crls[0]!);
    const crlText = run('openssl', ['crl', '-inform', 'DER', '-in', crlFile, '-noout', '-issuer']);
    assert.match(crlText.stdout, /outside TSA Root CA/);
    const subjects = dss.certificates.map(
      (der) =>
        run('openssl', ['x509', '-inform', 'DER', '-noout', '-subject'], { input: Buffer.from(der) }).stdout,
    );
    assert.ok(
      subjects.some((s) => /Outside Test Root CA/.test(s)) &&
        subjects.some((s) => /outside TSA Root CA/.test(s)),
    );

    await pki.revoke(created.credential.cert_serial!);
    // The status of a good certificate is reused for SHOMEI_RSSP_STATUS_CACHE_SECONDS (1 s here).
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const refused = await signDoc();
    assert.notEqual(refused.statusCode, 200, refused.body);
    assert.match(refused.body, /revoked/i);
  });
});

describe('keys do not outlive their certificates (ADR 032)', () => {
  const wrappedRow = (keyId: string) =>
    h.shomei.database.db
      .withTables<{ wrapped_keys: { key_id: string } }>()
      .selectFrom('wrapped_keys')
      .select('key_id')
      .where('key_id', '=', keyId)
      .executeTakeFirst();
  const issue = async (userId: string) => {
    const created = await h.shomei.rssp.credentials.create({
      userId,
      algorithm: 'EC-P256',
      subject: `CN=${userId}, O=E株式会社, C=JP`,
    });
    assert.equal(created.credential.status, 'active');
    return created.credential;
  };

  it('the sweep destroys the key of a credential revoked at cfssl, and of one past its end plus the grace period', async () => {
    const revoked = await issue('sweep-revoked');
    const expiring = await issue('sweep-expiring');
    await pki.publishOcsp();
    assert.ok(await wrappedRow(revoked.key_id!), 'the wrapped key is stored');
    // Nothing is due yet: both certificates are good at cfssl and within their validity.
    const quiet = await h.shomei.rssp.keySweep.sweep();
    assert.ok(!quiet.some((o) => [revoked.credential_id, expiring.credential_id].includes(o.credentialId)));

    // Revoked at the CA server by its own operator, not through shomei: only its OCSP says so.
    await pki.revoke(revoked.cert_serial!);
    // The quiet pass cached "good" for SHOMEI_RSSP_STATUS_CACHE_SECONDS (1 s here): the CA is asked again after it.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const swept = await h.shomei.rssp.keySweep.sweep();
    assert.deepEqual(
      swept.filter((o) => o.credentialId === revoked.credential_id),
      [{ credentialId: revoked.credential_id, reason: 'certificate-revoked-at-ca' }],
    );
    assert.equal(await wrappedRow(revoked.key_id!), undefined, 'the wrapped key row is gone');
    await rejectsWithCode(
      h.shomei.crypto.signDigest(revoked.key_id!, sha256('x'), { digestAlgorithm: 'SHA-256' }),
      'SHOMEI_KEY_NOT_FOUND',
    );
    assert.equal((await h.shomei.rssp.credentials.get(revoked.credential_id))?.status, 'revoked');
    // A second pass finds nothing left to do (idempotent).
    const again = await h.shomei.rssp.keySweep.sweep();
    assert.ok(!again.some((o) => o.credentialId === revoked.credential_id));

    // Expiry: within the grace period (30 days) the key stays; after it, it goes.
    const end = new Date(expiring.cert_not_after!).getTime();
    const day = 24 * 3600 * 1000;
    const inGrace = await h.shomei.rssp.keySweep.sweep(new Date(end + 29 * day));
    assert.ok(!inGrace.some((o) => o.credentialId === expiring.credential_id));
    assert.ok(await wrappedRow(expiring.key_id!), 'kept during the grace period');
    const past = await h.shomei.rssp.keySweep.sweep(new Date(end + 31 * day));
    assert.ok(
      past.some((o) => o.credentialId === expiring.credential_id && o.reason === 'certificate-expired'),
      JSON.stringify(past),
    );
    assert.equal(await wrappedRow(expiring.key_id!), undefined);
    assert.equal((await h.shomei.rssp.credentials.get(expiring.credential_id))?.status, 'ended');

    const records = await h.shomei.audit.search({ type: 'key.destroy', limit: 100 });
    const reasons = new Map(records.map((r) => [r.subject?.id, r.details.reason]));
    assert.equal(reasons.get(revoked.key_id!), 'certificate-revoked-at-ca');
    assert.equal(reasons.get(expiring.key_id!), 'certificate-expired');
  });
});

describe('the manual CA path', () => {
  it('installs an uploaded certificate only when it chains to a trusted CA and certifies the credential key', async () => {
    const userId = 'csc-manual-1';
    const created = await h.shomei.rssp.credentials.create({
      userId,
      algorithm: 'EC-P256',
      subject: 'CN=手動 一郎, C=JP',
    });
    const credentialId = created.credential.credential_id;
    const installed: string[] = [];
    const handedOver: { certificate: Buffer; chain: readonly Buffer[] }[] = [];
    const spy = {
      installCertificate: async (id: string, certificate: Buffer, chain: readonly Buffer[]) => {
        installed.push(id);
        handedOver.push({ certificate, chain });
      },
    };
    // The credential's own CSR, carried to the outside CA by hand and its answer uploaded (PEM with
    // the CA certificates after it), passes the chain check and reaches the credential with its chain.
    const issuedPem = await pki.signCsr(created.csr, 'signer');
    await h.shomei.trust.installOutsideCertificate(spy, credentialId, issuedPem, 'ra-1');
    assert.deepEqual(installed, [credentialId]);
    const subject = run(
      'openssl',
      ['x509', '-noout', '-subject', '-nameopt', 'oneline,-esc_msb', '-inform', 'DER'],
      {
        input: handedOver[0]!.certificate,
      },
    );
    assert.match(subject.stdout, /CN = 手動 一郎/, 'openssl reads the certificate the CA issued for our CSR');
    assert.ok(handedOver[0]!.chain.length >= 1, 'the outside CA certificates travel with it');
    installed.length = 0;
    // A certificate of a CA that is not in SHOMEI_CA_TRUSTED_CAS never reaches the credential.
    await assert.rejects(
      h.shomei.trust.installOutsideCertificate(spy, credentialId, readFileSync(pki.tsaCertPem), 'ra-1'),
      /SHOMEI_CA_OUTSIDE_UNTRUSTED/,
    );
    assert.deepEqual(installed, []);
    // A trusted CA's certificate for another key is refused by the credential itself.
    const otherKey = path.join(h.dir, 'other.key');
    const otherCsr = path.join(h.dir, 'other.csr');
    const made = run('openssl', [
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      otherKey,
      '-subj',
      '/CN=other/C=JP',
      '-outform',
      'DER',
      '-out',
      otherCsr,
    ]);
    assert.equal(made.status, 0, made.stderr);
    const otherCertificate = await pki.signCsr(readFileSync(otherCsr), 'signer');
    await assert.rejects(
      h.shomei.trust.installOutsideCertificate(
        h.shomei.rssp.credentials,
        credentialId,
        otherCertificate,
        'ra-1',
      ),
      /SHOMEI_RSSP_CERTIFICATE_KEY_MISMATCH/,
    );
  });
});

describe('an outside TSA that fails', () => {
  const cases = [
    ['down', 'SHOMEI_TSA_UNREACHABLE'],
    ['slow', 'SHOMEI_TSA_UNREACHABLE'],
    ['garbage', 'SHOMEI_TSA_REPLY_MALFORMED'],
    ['untrusted', 'SHOMEI_TSA_UNTRUSTED'],
    // Trusted, well-formed, but its CA has revoked the TSA certificate (its CRL, fetched online).
    ['revoked', 'SHOMEI_TSA_CERTIFICATE_REVOKED'],
    ['wrong-nonce', 'SHOMEI_TSA_NONCE_MISMATCH'],
    ['wrong-imprint', 'SHOMEI_TSA_IMPRINT_MISMATCH'],
  ] as const;

  it('fails typed, writes nothing, records each failure, and alerts once the breaker opens', async () => {
    const signing = await h.shomei.trust.signingProvider({
      config: h.shomei.config,
      database: h.shomei.database,
      crypto: h.shomei.crypto,
      keys: h.shomei.keys,
    })();
    const input = path.join(h.dir, 'fail-in.pdf');
    writeFileSync(input, samplePdf());
    for (const [mode, code] of cases) {
      pki.mode = mode;
      const output = path.join(h.dir, `fail-${mode}.pdf`);
      await assert.rejects(
        signPdf({
          input,
          output,
          signer: signing.signer,
          certificateChain: signing.certificateChain,
          level: 'B-T',
          tsa: signing.tsa,
        }),
        (error: unknown) => {
          assert.ok(isShomeiError(error), String(error));
          const cause = (error as { cause?: unknown }).cause;
          const codes = [error.code, isShomeiError(cause) ? cause.code : ''];
          assert.ok(codes.includes(code), `${mode}: ${codes.join(', ')}`);
          return true;
        },
      );
      assert.equal(existsSync(output), false, `${mode}: nothing written`);
    }
    const failures = await h.shomei.audit.search({ type: 'tsa.request.failed' });
    for (const [, code] of cases) {
      assert.ok(
        failures.some((r) => r.details.code === code),
        `audit record for ${code}`,
      );
    }
    // More failures reach the breaker's threshold of eight: the circuit opens, and an alert follows.
    pki.mode = 'down';
    for (let i = cases.length; i < 8; i += 1) {
      await assert.rejects(signing.tsa.timestamp(sha256('x'), 'SHA-256'));
    }
    await assert.rejects(signing.tsa.timestamp(sha256('x'), 'SHA-256'), /SHOMEI_TSA_CIRCUIT_OPEN/);
    assert.ok((await h.shomei.audit.search({ type: 'tsa.unavailable' })).length >= 1);
    await h.shomei.audit.alerts.scan();
    const alerts = await h.shomei.audit.alerts.list({ rule: 'trust-service-failure' });
    assert.ok(alerts.length >= 1, 'an alert for the failing TSA');
    // No request reached the TSA while the circuit was open.
    const asked = pki.tsaRequests();
    await assert.rejects(signing.tsa.timestamp(sha256('y'), 'SHA-256'), /SHOMEI_TSA_CIRCUIT_OPEN/);
    assert.equal(pki.tsaRequests(), asked);
    pki.mode = 'honest';
  });
});
