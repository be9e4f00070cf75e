import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, TimeStampReq } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier, Extension, Extensions } from '@peculiar/asn1-x509';
import type { FastifyInstance } from 'fastify';
import type { Shomei } from '../../src/app/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import { certificateFacts, OID, parseCertificate } from '../../src/pki/index.ts';
import { buildServer } from '../../src/server/index.ts';
import {
  checkTimestampReply,
  checkTimestampToken,
  EmbeddedTsa,
  loadTsaSettings,
  TsaClient,
} from '../../src/tsa/index.ts';
import { runAsync, workDir, writePem } from '../ca/helpers.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';

let shomei: Shomei & TestHome;
let server: FastifyInstance;
let url: string;
let dir: string;
let rootPem: string;
let tsaBundle: string;

function rejectsWith(code: string) {
  return (error: unknown) => {
    assert.ok(isShomeiError(error), `expected a ShomeiError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

async function post(body: Uint8Array, contentType = 'application/timestamp-query'): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
}

before(async () => {
  shomei = await openTestShomei();
  server = await buildServer(shomei);
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  assert.ok(address !== null && typeof address === 'object');
  url = `http://127.0.0.1:${address.port}/tsa`;
  dir = workDir();
  rootPem = writePem(dir, 'root.pem', await shomei.ca.certificate('root'));
  const tsaPem = writePem(dir, 'tsa-only.pem', await shomei.tsa.certificate());
  const issuingPem = writePem(dir, 'issuing.pem', await shomei.ca.certificate('issuing'));
  tsaBundle = path.join(dir, 'tsa.pem');
  writeFileSync(tsaBundle, readFileSync(tsaPem, 'utf8') + readFileSync(issuingPem, 'utf8'));
});

after(async () => {
  await server.close();
  await shomei.close();
});

describe('embedded TSA over HTTP, judged by openssl ts -verify', () => {
  for (const certReq of [true, false]) {
    test(`openssl accepts our reply (certReq ${certReq}) and it echoes the nonce and states its accuracy`, async () => {
      const data = path.join(dir, `data-${certReq}.txt`);
      writeFileSync(data, `契約書 ${certReq}`);
      const query = path.join(dir, `req-${certReq}.tsq`);
      const made = run('openssl', [
        'ts',
        '-query',
        '-data',
        data,
        '-sha256',
        ...(certReq ? ['-cert'] : []),
        '-out',
        query,
      ]);
      assert.equal(made.status, 0, made.stderr);
      const response = await post(readFileSync(query));
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'application/timestamp-reply');
      const reply = path.join(dir, `reply-${certReq}.tsr`);
      writeFileSync(reply, Buffer.from(await response.arrayBuffer()));
      const verified = await runAsync('openssl', [
        'ts',
        '-verify',
        '-in',
        reply,
        '-queryfile',
        query,
        '-CAfile',
        rootPem,
        '-untrusted',
        tsaBundle,
      ]);
      assert.equal(verified.status, 0, verified.stderr + verified.stdout);
      assert.match(verified.stdout, /Verification: OK/);
      const text = run('openssl', ['ts', '-reply', '-in', reply, '-text']).stdout;
      assert.match(text, /Status: Granted/);
      assert.match(text, /Accuracy: 0x01 seconds/);
      assert.match(text, new RegExp(`Policy OID: ${shomei.tsa.settings.policyOid.replace(/\./g, '\\.')}`));
      const nonceInQuery = run('openssl', ['ts', '-query', '-in', query, '-text']).stdout.match(
        /Nonce: (0x[0-9A-F]+)/,
      )?.[1];
      assert.ok(nonceInQuery !== undefined);
      assert.match(text, new RegExp(`Nonce: ${nonceInQuery}`));
      const token = path.join(dir, `token-${certReq}.der`);
      run('openssl', ['ts', '-reply', '-in', reply, '-token_out', '-out', token]);
      const certs = run('openssl', ['pkcs7', '-inform', 'DER', '-in', token, '-print_certs']).stdout;
      assert.equal(
        /BEGIN CERTIFICATE/.test(certs),
        certReq,
        'the TSA certificate is included exactly when asked',
      );
    });
  }

  test('the TSA certificate has the critical timeStamping EKU and the token carries ESSCertIDv2', async () => {
    const facts = certificateFacts(parseCertificate(await shomei.tsa.certificate()));
    assert.deepEqual(facts.extendedKeyUsage, [OID.kpTimeStamping]);
    assert.equal(facts.extendedKeyUsageCritical, true);
    const digest = createHash('sha256').update('x').digest();
    const token = await shomei.tsa.timestamp(digest, 'SHA-256');
    const file = path.join(dir, 'ess.der');
    writeFileSync(file, token);
    const parsed = run('openssl', ['asn1parse', '-inform', 'DER', '-in', file]).stdout;
    assert.match(parsed, /(id-smime-aa-signingCertificateV2|1\.2\.840\.113549\.1\.9\.16\.2\.47)/);
  });

  test('our own client accepts our TSA over HTTP with the embedded root as trust anchor', async () => {
    const root = parseCertificate(await shomei.ca.certificate('root'));
    const issuing = parseCertificate(await shomei.ca.certificate('issuing'));
    // The token carries the TSA's chain (issue #14: others adding B-LTA need it), so the root alone is enough.
    const rootOnly = new TsaClient({ url, trustAnchors: [root] });
    const carried = await rootOnly.timestampWithDetails(createHash('sha256').digest(), 'SHA-256');
    assert.equal(carried.digestAlgorithm, 'SHA-256');
    const client = new TsaClient({ url, trustAnchors: [root], certificates: [issuing] });
    const digest = createHash('sha384').update('請求書').digest();
    const token = await client.timestampWithDetails(digest, 'SHA-384');
    assert.equal(token.digestAlgorithm, 'SHA-384');
    assert.equal(token.policy, shomei.tsa.settings.policyOid);
  });

  test('bad queries get a rejection reply with the RFC 3161 failure reason', async () => {
    const digest = createHash('sha256').update('y').digest();
    const reasons: [Buffer, string][] = [
      [Buffer.from('not a query'), 'badDataFormat'],
      [Buffer.from([0x30, 0x80, 0x00]), 'badDataFormat'],
    ];
    const sha1 = path.join(dir, 'sha1.tsq');
    run('openssl', ['ts', '-query', '-digest', 'aa'.repeat(20), '-sha1', '-out', sha1]);
    reasons.push([readFileSync(sha1), 'badAlg']);
    const policy = path.join(dir, 'policy.tsq');
    run('openssl', [
      'ts',
      '-query',
      '-digest',
      digest.toString('hex'),
      '-sha256',
      '-tspolicy',
      '1.2.3.4',
      '-out',
      policy,
    ]);
    reasons.push([readFileSync(policy), 'unacceptedPolicy']);
    for (const [body, reason] of reasons) {
      const response = await post(body);
      assert.equal(response.status, 200);
      const reply = Buffer.from(await response.arrayBuffer());
      assert.throws(
        () => checkTimestampReply(reply, { digest, digestAlgorithm: 'SHA-256' }),
        (error: unknown) =>
          isShomeiError(error) &&
          error.code === 'SHOMEI_TSA_REJECTED' &&
          JSON.stringify(error.details).includes(reason),
      );
      const file = path.join(dir, `rejected-${reason}.tsr`);
      writeFileSync(file, reply);
      const text = run('openssl', ['ts', '-reply', '-in', file, '-text']).stdout;
      assert.match(text, /Status: Rejected/);
    }
    const withExtension = new TimeStampReq({
      version: 1,
      messageImprint: new MessageImprint({
        hashAlgorithm: new AlgorithmIdentifier({ algorithm: '2.16.840.1.101.3.4.2.1' }),
        hashedMessage: new OctetString(digest),
      }),
      certReq: true,
      extensions: new Extensions([
        new Extension({ extnID: '1.2.3.4', critical: true, extnValue: new OctetString(2) }),
      ]),
    });
    const longNonce = new TimeStampReq({
      version: 1,
      messageImprint: withExtension.messageImprint,
      nonce: new Uint8Array(40).fill(1).buffer,
      certReq: false,
    });
    for (const [query, reason] of [
      [AsnConvert.serialize(withExtension), 'unacceptedExtension'],
      [AsnConvert.serialize(longNonce), 'badDataFormat'],
    ] as const) {
      const reply = Buffer.from(await (await post(Buffer.from(query))).arrayBuffer());
      assert.throws(
        () => checkTimestampReply(reply, { digest, digestAlgorithm: 'SHA-256' }),
        (error: unknown) =>
          isShomeiError(error) &&
          error.code === 'SHOMEI_TSA_REJECTED' &&
          JSON.stringify(error.details).includes(reason),
      );
    }
    const wrongType = await post(Buffer.from('{}'), 'application/json');
    assert.equal(wrongType.status, 415);
    const huge = await post(Buffer.alloc(64 * 1024, 0x30));
    assert.equal(huge.status, 413);
  });

  test('serial numbers stay unique across a restart (a new instance on the same database)', async () => {
    const digest = createHash('sha256').update('z').digest();
    const serials = new Set<string>();
    for (let i = 0; i < 3; i += 1)
      serials.add((await shomei.tsa.timestampWithDetails(digest, 'SHA-256')).serialNumber);
    const restarted = new EmbeddedTsa({
      database: shomei.database,
      crypto: shomei.crypto,
      settings: loadTsaSettings(),
    });
    for (let i = 0; i < 3; i += 1)
      serials.add((await restarted.timestampWithDetails(digest, 'SHA-256')).serialNumber);
    const concurrent = await Promise.all(
      Array.from({ length: 10 }, () => restarted.timestampWithDetails(digest, 'SHA-256')),
    );
    for (const t of concurrent) serials.add(t.serialNumber);
    assert.equal(serials.size, 16);
  });

  test('in-process timestamps are checked tokens for the exact digest; wrong lengths are refused', async () => {
    const digest = createHash('sha512').update('文書').digest();
    const token = await shomei.tsa.timestampWithDetails(digest, 'SHA-512', { nonce: Buffer.from([1, 2, 3]) });
    assert.equal(token.nonce, '010203');
    const checked = checkTimestampToken(token.token, {
      digest,
      digestAlgorithm: 'SHA-512',
      trustAnchors: [parseCertificate(await shomei.ca.certificate('root'))],
      certificates: [parseCertificate(await shomei.ca.certificate('issuing'))],
    });
    assert.equal(checked.serialNumber, token.serialNumber);
    assert.throws(
      () => checkTimestampToken(token.token, { digest: Buffer.alloc(64), digestAlgorithm: 'SHA-512' }),
      rejectsWith('SHOMEI_TSA_IMPRINT_MISMATCH'),
    );
    await assert.rejects(
      shomei.tsa.timestamp(Buffer.alloc(31), 'SHA-256'),
      rejectsWith('SHOMEI_TSA_REPLY_MALFORMED'),
    );
  });
});
