/**
 * A PAdES signature assembled by the client from signatures/signHash: the SCA (our CSC client, in
 * its own process, over HTTPS) prepares the signature dictionary and byte range, has the digest of
 * the signed attributes authorised and signed, and embeds the CMS. The credential's certificate comes
 * from the embedded CA, whose OCSP responder and CRLs the same shomei instance serves at the URLs in
 * the certificates, so pdfsig (trusting the root through an NSS db) and `shomei verify --online`
 * (TOTAL_PASSED at B-B) judge it with real revocation checking.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { generate as generateTotp } from 'otplib';
import type { Shomei } from '../../src/app/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { writeSamplePdf } from '../ades/sample-pdf.ts';
import { opensslCmsVerify, qpdfCheck, signedRangeFiles, trustingNssDb } from '../ades/validators.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { run, SHOMEI_BIN } from '../helpers/run.ts';
import { PIN } from './fixture.ts';

let shomei: Shomei & TestHome;
let http: FastifyInstance;
let https: FastifyInstance;
let dir: string;
let rootPem: string;
let tlsCertPem: string;
let httpsUrl: string;

const pem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Asynchronous, so that this process keeps serving the child's HTTPS calls. */
function runChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  command = process.execPath,
): Promise<{ status: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      errors += d;
    });
    child.on('error', reject);
    child.on('close', (status) =>
      resolve({ status: status ?? -1, output: status === 0 ? output : output + errors }),
    );
  });
}

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'rssp-pades-signhash-'));
  // The public URL (in the certificates' AIA and CRL distribution points) is the plain-HTTP listener.
  const port = await freePort();
  shomei = await openTestShomei({ SHOMEI_PUBLIC_URL: `http://127.0.0.1:${port}` });
  http = await buildServer(shomei);
  await http.listen({ host: '127.0.0.1', port });
  const key = path.join(dir, 'tls.key');
  tlsCertPem = path.join(dir, 'tls.pem');
  const made = run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    key,
    '-out',
    tlsCertPem,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  assert.equal(made.status, 0, made.stderr);
  https = await buildServer(shomei, {
    tls: { key: readFileSync(key), cert: readFileSync(tlsCertPem), clientCa: undefined, source: 'files' },
  });
  httpsUrl = await https.listen({ host: '127.0.0.1', port: 0 });
  assert.match(httpsUrl, /^https:/);
  rootPem = path.join(dir, 'root.pem');
  writeFileSync(rootPem, pem(await shomei.ca.certificate('root')));
});
after(async () => {
  await https?.close();
  await http?.close();
  await shomei?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('client-assembled PAdES from signHash passes pdfsig, qpdf, openssl cms and shomei verify', async () => {
  const userId = 'user-pades-client';
  const created = await shomei.rssp.credentials.create({
    userId,
    algorithm: 'EC-P256',
    subject: 'CN=署名 クライアント, C=JP',
  });
  const credentialId = created.credential.credential_id;
  await shomei.rssp.credentials.setPin(credentialId, userId, PIN);
  const { secret } = await shomei.rssp.credentials.enrolTotp(credentialId, userId);
  const token = (
    await shomei.rssp.tokens.issue(
      'access',
      { scope: 'service', userId, tenantId: null, clientId: null, credentialId: null, authMethod: 'basic' },
      3600,
    )
  ).token;
  const input = path.join(dir, 'input.pdf');
  writeSamplePdf(input, { pages: 1 });
  const output = path.join(dir, 'signed.pdf');

  const child = await runChild(['--import', 'tsx', path.join(import.meta.dirname, 'pades-client.ts')], {
    ...process.env,
    NODE_EXTRA_CA_CERTS: tlsCertPem,
    RSSP_URL: httpsUrl,
    RSSP_TOKEN: token,
    RSSP_CREDENTIAL: credentialId,
    RSSP_PIN: PIN,
    RSSP_OTP: await generateTotp({ secret, epoch: Math.floor(Date.now() / 1000) }),
    PDF_INPUT: input,
    PDF_OUTPUT: output,
  });
  assert.equal(child.status, 0, child.output);

  const signed = readFileSync(output);
  const original = readFileSync(input);
  assert.ok(signed.subarray(0, original.length).equals(original), 'an incremental update of the input');
  // pdfsig asks the certificate's OCSP responder (this process) online, hence the asynchronous spawn.
  const report = await runChild(
    ['-nssdir', trustingNssDb(path.join(dir, 'nss'), rootPem), output],
    process.env,
    'pdfsig',
  );
  assert.equal(report.status, 0, report.output);
  assert.equal(report.output.match(/^Signature #\d+:$/gm)?.length, 1, report.output);
  assert.match(report.output, /Signature Validation: Signature is Valid\./);
  assert.match(report.output, /Certificate Validation: Certificate is Trusted\./);
  assert.doesNotMatch(report.output, /isn't Trusted|Revoked|Expired/);
  const check = qpdfCheck(output);
  assert.equal(check.status, 0, check.output);
  const files = await signedRangeFiles(output, 0, dir);
  const verified = opensslCmsVerify(files.cms, files.content, rootPem);
  assert.equal(verified.status, 0, verified.output);

  // As a user runs it, fetching OCSP/CRL from the instance that issued the certificate.
  // (Spawned asynchronously: this process serves those requests.)
  const verify = await runChild([SHOMEI_BIN, 'verify', output, '--trust', rootPem, '--online', '--json'], {
    ...process.env,
  });
  assert.equal(verify.status, 0, verify.output);
  const verdict = JSON.parse(verify.output) as { indication: string; signatures: Array<{ level: string }> };
  assert.equal(verdict.indication, 'TOTAL_PASSED');
  assert.equal(verdict.signatures[0]!.level, 'B-B');

  const revocation = JSON.stringify(verdict);
  assert.match(revocation, /ocsp|OCSP/, 'revocation checked through the OCSP responder');
});
