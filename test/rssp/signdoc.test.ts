/**
 * signatures/signDoc with whole documents and long-term levels, as `shomei start` assembles the
 * service (embedded CA for certificates, OCSP and CRLs; embedded TSA): a PAdES B-LTA PDF checked by
 * pdfsig, qpdf and openssl cms; a CAdES B-T detached signature checked by openssl cms and openssl ts;
 * validationInfo parsed by openssl; refusals of a SAD for another document and of malformed or
 * oversized documents (size limit through the rssp fixture with a small setting).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { generate as generateTotp } from 'otplib';
import { completeCmsSignature, prepareCmsSignature } from '../../src/ades/index.ts';
import type { Shomei } from '../../src/app/index.ts';
import { extractDss, listSignatures } from '../../src/pdf/index.ts';
import { createRemoteSignatureService, registerRsspRoutes } from '../../src/rssp/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { writeSamplePdf } from '../ades/sample-pdf.ts';
import { signatureTimestampToken } from '../ades/tokens.ts';
import {
  opensslCmsVerify,
  opensslTsVerify,
  pdfsig,
  qpdfCheck,
  signedRangeFiles,
  trustingNssDb,
} from '../ades/validators.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { run, SHOMEI_BIN } from '../helpers/run.ts';
import { OID, PIN } from './fixture.ts';

let shomei: Shomei & TestHome;
let app: FastifyInstance;
let dir: string;
let rootPem: string;
let tsaChainPem: string;
let nssDb: string;
let pdf: Buffer;

const pem = (der: Buffer) =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END CERTIFICATE-----\n`;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

before(async () => {
  shomei = await openTestShomei();
  app = await buildServer(shomei);
  await app.ready();
  dir = mkdtempSync(path.join(tmpdir(), 'rssp-signdoc-'));
  rootPem = path.join(dir, 'root.pem');
  writeFileSync(rootPem, pem(await shomei.ca.certificate('root')));
  tsaChainPem = path.join(dir, 'tsa-chain.pem');
  writeFileSync(
    tsaChainPem,
    [await shomei.tsa.certificate(), ...(await shomei.tsa.chain())].map((c) => pem(Buffer.from(c))).join(''),
  );
  nssDb = trustingNssDb(path.join(dir, 'nss'), rootPem);
  const input = path.join(dir, 'input.pdf');
  writeSamplePdf(input, { pages: 1 });
  pdf = readFileSync(input);
});
after(async () => {
  await app.close();
  await shomei.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(url: string, token: string, payload: Record<string, unknown>) {
  const r = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload });
  return { status: r.statusCode, body: r.body === '' ? {} : r.json() };
}

let signers = 0;
/** A fresh credential from the embedded CA (its own TOTP seed, so each authorisation has an unused code). */
async function signer(): Promise<{ token: string; credentialId: string; secret: string }> {
  signers += 1;
  const userId = `user-signdoc-${signers}`;
  const created = await shomei.rssp.credentials.create({
    userId,
    algorithm: 'EC-P256',
    subject: `CN=署名 ${signers}, C=JP`,
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
  return { token, credentialId, secret };
}

async function sad(s: { token: string; credentialId: string; secret: string }, hashes: Buffer[]) {
  const r = await post('/csc/v2/credentials/authorize', s.token, {
    credentialID: s.credentialId,
    numSignatures: hashes.length,
    hashes: hashes.map((h) => h.toString('base64')),
    hashAlgorithmOID: OID.sha256,
    authData: [
      { id: 'PIN', value: PIN },
      { id: 'OTP', value: await generateTotp({ secret: s.secret, epoch: Math.floor(Date.now() / 1000) }) },
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.SAD as string;
}

test('info advertises PAdES and CAdES at B-B to B-LTA with validationInfo', async () => {
  const info = (await app.inject({ method: 'POST', url: '/csc/v2/info', payload: {} })).json();
  assert.ok(info.methods.includes('signatures/signDoc'));
  assert.deepEqual(info.signature_formats, {
    formats: ['C', 'P'],
    envelope_properties: [['Detached'], ['Certification', 'Revision']],
  });
  assert.deepEqual(info.conformance_levels, ['Ades-B-B', 'Ades-B-T', 'Ades-B-LT', 'Ades-B-LTA']);
  assert.equal(info.validationInfo, true);
});

describe('signDoc with documents', () => {
  test('PAdES B-LTA: pdfsig valid, qpdf --check, openssl cms over the byte ranges; validationInfo parses', async () => {
    const s = await signer();
    const r = await post('/csc/v2/signatures/signDoc', s.token, {
      credentialID: s.credentialId,
      SAD: await sad(s, [sha256(pdf)]),
      returnValidationInfo: true,
      documents: [
        {
          document: pdf.toString('base64'),
          signature_format: 'P',
          conformance_level: 'Ades-B-LTA',
          signAlgo: OID.ecdsaSha256,
        },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.SignatureObject, undefined);
    const signed = Buffer.from(r.body.DocumentWithSignature[0], 'base64');
    const output = path.join(dir, 'lta.pdf');
    writeFileSync(output, signed);
    assert.ok(signed.subarray(0, pdf.length).equals(pdf), 'the original bytes stay the first revision');
    const report = pdfsig(output, nssDb);
    assert.equal(report.signatures.length, 2, report.raw);
    assert.ok(report.signatures[0]!.valid, report.raw);
    assert.doesNotMatch(report.raw, /isn't Trusted|Revoked|Expired/);
    const check = qpdfCheck(output);
    assert.equal(check.status, 0, check.output);
    // Our own published verifier, as a user runs it: every signature and timestamp passes at B-LTA.
    const verify = run(process.execPath, [SHOMEI_BIN, 'verify', output, '--trust', rootPem, '--json']);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    const verdict = JSON.parse(verify.stdout) as { indication: string; signatures: Array<{ level: string }> };
    assert.equal(verdict.indication, 'TOTAL_PASSED');
    assert.equal(verdict.signatures[0]!.level, 'B-LTA');
    const files = await signedRangeFiles(output, 0, dir);
    const verified = opensslCmsVerify(files.cms, files.content, rootPem);
    assert.equal(verified.status, 0, verified.output);
    assert.ok(signatureTimestampToken(files.cmsBytes), 'a signature timestamp in the CMS');
    const signatures = await listSignatures(output);
    assert.equal(signatures[1]?.subFilter, 'ETSI.RFC3161', 'a document timestamp last');
    const docTs = await signedRangeFiles(output, 1, dir);
    const tokenPath = path.join(dir, 'doc-ts.tst');
    writeFileSync(tokenPath, docTs.cmsBytes);
    const ts = opensslTsVerify(tokenPath, { data: docTs.content }, rootPem, tsaChainPem);
    assert.equal(ts.status, 0, ts.output);

    const info = r.body.validationInfo as { ocsp: string[]; crl: string[]; certificates: string[] };
    const dss = await extractDss(output);
    assert.ok(info.ocsp.length >= 1 && info.certificates.length >= 3 && info.crl.length >= 1);
    for (const [i, ocsp] of info.ocsp.entries()) {
      const file = path.join(dir, `ocsp-${i}.der`);
      writeFileSync(file, Buffer.from(ocsp, 'base64'));
      const text = run('openssl', ['ocsp', '-respin', file, '-resp_text', '-noverify']);
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /Cert Status: good/);
      // The same response sits in the PDF's DSS.
      assert.ok(
        dss.ocspResponses.some((o) => Buffer.from(o).equals(Buffer.from(ocsp, 'base64'))),
        'validationInfo returns what was embedded',
      );
    }
    for (const [i, certificate] of info.certificates.entries()) {
      const file = path.join(dir, `cert-${i}.der`);
      writeFileSync(file, Buffer.from(certificate, 'base64'));
      assert.equal(run('openssl', ['x509', '-inform', 'DER', '-in', file, '-noout']).status, 0);
    }
    for (const [i, crl] of info.crl.entries()) {
      const file = path.join(dir, `crl-${i}.der`);
      writeFileSync(file, Buffer.from(crl, 'base64'));
      assert.equal(run('openssl', ['crl', '-inform', 'DER', '-in', file, '-noout']).status, 0);
    }
  });

  test('PAdES Certification (DocMDP 2) at B-LT: pdfsig valid, qpdf --check', async () => {
    const s = await signer();
    const r = await post('/csc/v2/signatures/signDoc', s.token, {
      credentialID: s.credentialId,
      SAD: await sad(s, [sha256(pdf)]),
      documents: [
        {
          document: pdf.toString('base64'),
          signature_format: 'P',
          conformance_level: 'Ades-B-LT',
          signed_envelope_property: 'Certification',
          signAlgo: OID.ecdsaSha256,
        },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const output = path.join(dir, 'certified-lt.pdf');
    writeFileSync(output, Buffer.from(r.body.DocumentWithSignature[0], 'base64'));
    const report = pdfsig(output, nssDb);
    assert.equal(report.signatures.length, 1, report.raw);
    assert.ok(report.signatures[0]!.valid, report.raw);
    assert.equal(qpdfCheck(output).status, 0);
    assert.match(readFileSync(output, 'latin1'), /\/DocMDP/);
    assert.equal((await extractDss(output)).ocspResponses.length >= 1, true, 'a DSS with OCSP');
  });

  test('CAdES B-T detached: openssl cms -verify, and openssl ts -verify of its signature timestamp', async () => {
    const s = await signer();
    const content = Buffer.from('契約書 本文 / contract body\n'.repeat(50));
    const r = await post('/csc/v2/signatures/signDoc', s.token, {
      credentialID: s.credentialId,
      SAD: await sad(s, [sha256(content)]),
      documents: [
        {
          document: content.toString('base64'),
          signature_format: 'C',
          conformance_level: 'ades-b-t',
          signed_envelope_property: 'Detached',
          signAlgo: OID.ecdsaSha256,
        },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.DocumentWithSignature, undefined);
    assert.equal(r.body.validationInfo, undefined, 'only when asked for');
    const cms = Buffer.from(r.body.SignatureObject[0], 'base64');
    const cmsPath = path.join(dir, 'cades.p7s');
    const contentPath = path.join(dir, 'cades.txt');
    writeFileSync(cmsPath, cms);
    writeFileSync(contentPath, content);
    const verified = opensslCmsVerify(cmsPath, contentPath, rootPem);
    assert.equal(verified.status, 0, verified.output);
    const stamped = signatureTimestampToken(cms);
    assert.ok(stamped, 'signature-time-stamp attribute');
    const tokenPath = path.join(dir, 'cades.tst');
    writeFileSync(tokenPath, stamped.token);
    const ts = opensslTsVerify(
      tokenPath,
      { digest: sha256(stamped.signatureValue).toString('hex') },
      rootPem,
      tsaChainPem,
    );
    assert.equal(ts.status, 0, ts.output);
  });

  test('a SAD for another document is 403 invalid_hash, audited, and spends nothing', async () => {
    const s = await signer();
    const authorised = Buffer.from('the authorised document');
    const SAD = await sad(s, [sha256(authorised)]);
    const other = await post('/csc/v2/signatures/signDoc', s.token, {
      credentialID: s.credentialId,
      SAD,
      documents: [
        {
          document: Buffer.from('another document').toString('base64'),
          signature_format: 'C',
          signAlgo: OID.ecdsaSha256,
        },
      ],
    });
    assert.equal(other.status, 403);
    assert.deepEqual(other.body, {
      error: 'invalid_hash',
      error_description: 'Document or documentDigest does not match authorized hash',
    });
    const records = await shomei.audit.search({ type: 'signature.create' });
    assert.ok(
      records.some(
        (e) =>
          e.outcome === 'failure' &&
          e.subject?.id === s.credentialId &&
          e.details.reason === 'Document or documentDigest does not match authorized hash',
      ),
      'the refusal is in the audit trail',
    );
    const malformed: [Record<string, unknown>, string][] = [
      [{ document: 'not base64!', signature_format: 'C' }, 'Invalid Base64 documents string parameter'],
      [
        { document: 'QUJD', signature_format: 'C', signed_envelope_property: 'Attached' },
        'Invalid parameter signed_envelope_property',
      ],
      [
        { document: 'QUJD', signature_format: 'C', signed_envelope_property: 'Parallel' },
        'Invalid parameter signed_envelope_property',
      ],
      [{ document: 'QUJD', signature_format: 'X' }, 'Invalid parameter signature_format'],
      [
        { document: 'QUJD', signature_format: 'C', conformance_level: 'Ades-B-XL' },
        'Invalid parameter conformance_level',
      ],
      // Not a PDF: refused before the SAD is spent.
      [{ document: authorised.toString('base64'), signature_format: 'P' }, 'Invalid parameter documents'],
    ];
    for (const [entry, description] of malformed) {
      const r = await post('/csc/v2/signatures/signDoc', s.token, {
        credentialID: s.credentialId,
        SAD,
        documents: [{ signAlgo: OID.ecdsaSha256, ...entry }],
      });
      assert.deepEqual(
        r.body,
        { error: 'invalid_request', error_description: description },
        JSON.stringify(entry),
      );
    }
    const both = await post('/csc/v2/signatures/signDoc', s.token, {
      credentialID: s.credentialId,
      SAD,
      documents: [{ document: 'QUJD', signature_format: 'C', signAlgo: OID.ecdsaSha256 }],
      documentDigests: [
        { hashes: [sha256('x').toString('base64')], signature_format: 'C', signAlgo: OID.ecdsaSha256 },
      ],
    });
    assert.equal(both.body.error_description, 'Both documentDigests and documents parameters passed');
    const ok = await post('/csc/v2/signatures/signDoc', s.token, {
      credentialID: s.credentialId,
      SAD,
      documents: [
        { document: authorised.toString('base64'), signature_format: 'C', signAlgo: OID.ecdsaSha256 },
      ],
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });

  test('documentDigests: CAdES B-LT carries OCSP inside the CMS; PAdES B-LTA from digests is refused', async () => {
    const s = await signer();
    const content = 'digest-only content';
    const digest = sha256(content);
    const SAD = await sad(s, [digest]);
    const refused = await post('/csc/v2/signatures/signDoc', s.token, {
      credentialID: s.credentialId,
      SAD,
      documentDigests: [
        {
          hashes: [digest.toString('base64')],
          signature_format: 'P',
          conformance_level: 'Ades-B-LTA',
          signAlgo: OID.ecdsaSha256,
        },
      ],
    });
    assert.equal(refused.body.error_description, 'Invalid parameter conformance_level');
    const r = await post('/csc/v2/signatures/signDoc', s.token, {
      credentialID: s.credentialId,
      SAD,
      returnValidationInfo: true,
      documentDigests: [
        {
          hashes: [digest.toString('base64')],
          signature_format: 'C',
          conformance_level: 'Ades-B-LT',
          signAlgo: OID.ecdsaSha256,
        },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const cms = Buffer.from(r.body.SignatureObject[0], 'base64');
    const cmsPath = path.join(dir, 'digest-lt.p7s');
    const contentPath = path.join(dir, 'digest-lt.txt');
    writeFileSync(cmsPath, cms);
    writeFileSync(contentPath, content);
    const verified = opensslCmsVerify(cmsPath, contentPath, rootPem);
    assert.equal(verified.status, 0, verified.output);
    for (const ocsp of r.body.validationInfo.ocsp as string[])
      assert.ok(cms.includes(Buffer.from(ocsp, 'base64')), 'the OCSP response returned is the one inside');
  });
});

describe('signDoc document size limit (maxDocumentBytes)', () => {
  test('a document over the limit is invalid_request; two within it but over it together too', async () => {
    // A second service over the same home, with a small limit (one HSM library per process).
    const limited = createRemoteSignatureService({
      database: shomei.database,
      crypto: shomei.crypto,
      keys: shomei.keys,
      audit: shomei.audit.trail,
      cms: { prepare: prepareCmsSignature, complete: completeCmsSignature },
      settings: { ...shomei.rssp.settings, maxDocumentBytes: 4096 },
    });
    const limitedApp = Fastify({ logger: false });
    await registerRsspRoutes(limitedApp, limited);
    await limitedApp.ready();
    try {
      const s = await signer();
      const small = Buffer.alloc(4000, 0x61);
      const SAD = await sad(s, [sha256(small)]);
      const call = async (documents: Record<string, unknown>[]) => {
        const r = await limitedApp.inject({
          method: 'POST',
          url: '/csc/v2/signatures/signDoc',
          headers: { authorization: `Bearer ${s.token}` },
          payload: { credentialID: s.credentialId, SAD, documents },
        });
        return { status: r.statusCode, body: r.json() };
      };
      const entry = (bytes: Buffer) => ({
        document: bytes.toString('base64'),
        signature_format: 'C',
        signAlgo: OID.ecdsaSha256,
      });
      const tooLarge = await call([entry(Buffer.alloc(4097, 0x61))]);
      assert.equal(tooLarge.status, 400);
      assert.equal(tooLarge.body.error, 'invalid_request');
      const together = await call([entry(small), entry(Buffer.alloc(200, 0x62))]);
      assert.equal(together.body.error, 'invalid_request', 'the limit is per request');
      const noTsa = await call([{ ...entry(small), conformance_level: 'Ades-B-T' }]);
      assert.equal(noTsa.body.error_description, 'Invalid parameter conformance_level', 'no TSA given');
      const ok = await call([entry(small)]);
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal((ok.body.SignatureObject as string[]).length, 1);
    } finally {
      await limitedApp.close();
    }
  });
});
