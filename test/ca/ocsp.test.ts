import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OCSPRequest } from '@peculiar/asn1-ocsp';
import type { FastifyInstance } from 'fastify';
import { ocspRequestFor } from '../../src/ades/index.ts';
import type { Shomei } from '../../src/app/index.ts';
import { decodeAs, encode, OID, parseOcspResponse } from '../../src/pki/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';
import { hsmKeyWithCsr, runAsync, workDir, writePem, YAMADA } from './helpers.ts';

let shomei: Shomei & TestHome;
let server: FastifyInstance;
let base: string;
let dir: string;
let rootPem: string;
let issuingPem: string;

before(async () => {
  shomei = await openTestShomei();
  server = await buildServer(shomei);
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  assert.ok(address !== null && typeof address === 'object');
  base = `http://127.0.0.1:${address.port}`;
  dir = workDir();
  rootPem = writePem(dir, 'root.pem', await shomei.ca.certificate('root'));
  issuingPem = writePem(dir, 'issuing.pem', await shomei.ca.certificate('issuing'));
});

after(async () => {
  await server.close();
  await shomei.close();
});

function ocsp(certFile: string, extra: string[] = []) {
  return runAsync('openssl', [
    'ocsp',
    '-issuer',
    issuingPem,
    '-cert',
    certFile,
    '-url',
    `${base}/pki/ocsp`,
    '-CAfile',
    rootPem,
    ...extra,
  ]);
}

/** openssl's judgement of a stored OCSP response for certFile (issued by the issuing CA, root trusted). */
function judgeResponse(respFile: string, certFile: string, extra: string[] = []) {
  return run('openssl', [
    'ocsp',
    '-respin',
    respFile,
    ...extra,
    '-issuer',
    issuingPem,
    '-cert',
    certFile,
    '-CAfile',
    rootPem,
  ]);
}

describe('OCSP responder (RFC 6960) judged by openssl ocsp', () => {
  test('a valid certificate is good, a revoked one is revoked with its reason', async () => {
    const good = await shomei.ca.issue({ ...(await hsmKeyWithCsr(shomei, YAMADA)), profile: 'signer' });
    const bad = await shomei.ca.issue({ ...(await hsmKeyWithCsr(shomei, YAMADA)), profile: 'signer' });
    await shomei.ca.revoke(bad.serialNumber, 'keyCompromise');
    const goodFile = writePem(dir, 'good.pem', good.der);
    const badFile = writePem(dir, 'bad.pem', bad.der);

    const goodResult = await ocsp(goodFile);
    assert.equal(goodResult.status, 0, goodResult.stderr);
    assert.match(goodResult.stderr + goodResult.stdout, /Response verify OK/);
    assert.match(goodResult.stdout, /: good/);

    const badResult = await ocsp(badFile);
    assert.equal(badResult.status, 0, badResult.stderr);
    assert.match(badResult.stderr + badResult.stdout, /Response verify OK/);
    assert.match(badResult.stdout, /: revoked/);
    assert.match(badResult.stdout, /Reason: keyCompromise/);
  });

  test('the nonce is echoed and GET requests (base64 in the path) are answered too', async () => {
    const cert = await shomei.ca.issue({ ...(await hsmKeyWithCsr(shomei, YAMADA)), profile: 'tls-client' });
    const certFile = writePem(dir, 'client.pem', cert.der);
    const reqFile = path.join(dir, 'req.der');
    const made = run('openssl', ['ocsp', '-issuer', issuingPem, '-cert', certFile, '-reqout', reqFile]);
    assert.equal(made.status, 0, made.stderr);
    const request = readFileSync(reqFile);
    const response = await fetch(`${base}/pki/ocsp/${encodeURIComponent(request.toString('base64'))}`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/ocsp-response');
    const respFile = path.join(dir, 'resp.der');
    writeFileSync(respFile, Buffer.from(await response.arrayBuffer()));
    // This command builds its own request from -cert; its nonce is not the one sent (checked below).
    const checked = judgeResponse(respFile, certFile, ['-no_nonce']);
    assert.equal(checked.status, 0, checked.stderr);
    assert.match(checked.stderr + checked.stdout, /Response verify OK/);
    assert.match(checked.stdout, /: good/);
    const sent = decodeAs(request, OCSPRequest, 'request').tbsRequest.requestExtensions?.find(
      (e) => e.extnID === OID.ocspNonce,
    );
    const echoed = parseOcspResponse(readFileSync(respFile)).basic?.tbsResponseData.responseExtensions?.find(
      (e) => e.extnID === OID.ocspNonce,
    );
    assert.ok(sent !== undefined && echoed !== undefined, 'openssl sent a nonce and it came back');
    assert.deepEqual(Buffer.from(echoed.extnValue.buffer), Buffer.from(sent.extnValue.buffer));
  });

  test('the request a B-LT signer writes is the one openssl writes, and the CA answers it good', async () => {
    const cert = await shomei.ca.issue({ ...(await hsmKeyWithCsr(shomei, YAMADA)), profile: 'signer' });
    const certFile = writePem(dir, 'signer-request.pem', cert.der);
    const reqFile = path.join(dir, 'signer-req.der');
    const made = run('openssl', [
      'ocsp',
      '-issuer',
      issuingPem,
      '-cert',
      certFile,
      '-no_nonce',
      '-reqout',
      reqFile,
    ]);
    assert.equal(made.status, 0, made.stderr);
    const issuing = await shomei.ca.certificate('issuing');
    const request = ocspRequestFor(cert.der, issuing);
    assert.ok(request.equals(readFileSync(reqFile)), 'the same DER as openssl ocsp -reqout');
    const respFile = path.join(dir, 'signer-resp.der');
    writeFileSync(respFile, await shomei.ca.respondOcsp(request));
    const judged = judgeResponse(respFile, certFile);
    assert.match(judged.stderr + judged.stdout, /Response verify OK/);
    assert.match(judged.stdout, /: good/);
  });

  test('the answer the CA gives its own signer without a request is the same answer, judged by openssl', async () => {
    const good = await shomei.ca.issue({ ...(await hsmKeyWithCsr(shomei, YAMADA)), profile: 'signer' });
    const bad = await shomei.ca.issue({ ...(await hsmKeyWithCsr(shomei, YAMADA)), profile: 'signer' });
    await shomei.ca.revoke(bad.serialNumber, 'keyCompromise');
    for (const [name, der, status] of [
      ['good', good.der, /: good/],
      ['revoked', bad.der, /: revoked[\s\S]*Reason: keyCompromise/],
    ] as const) {
      const certFile = writePem(dir, `own-${name}.pem`, der);
      const respFile = path.join(dir, `own-${name}.der`);
      const answer = await shomei.ca.respondOcspFor(der);
      writeFileSync(respFile, answer);
      const judged = judgeResponse(respFile, certFile);
      assert.match(judged.stderr + judged.stdout, /Response verify OK/, name);
      assert.match(judged.stdout, status, name);
      // The CertID it answers is the one a request for the certificate carries.
      const requested = decodeAs(
        ocspRequestFor(der, await shomei.ca.certificate('issuing')),
        OCSPRequest,
        'r',
      );
      const basic = parseOcspResponse(answer).basic;
      assert.ok(basic !== undefined);
      assert.deepEqual(
        encode(basic.tbsResponseData.responses[0]!.certID),
        encode(requested.tbsRequest.requestList[0]!.reqCert),
      );
    }
    // A certificate the CA never issued (its own root, asked as if issued by the issuing CA).
    const foreign = parseOcspResponse(await shomei.ca.respondOcspFor(await shomei.ca.certificate('root')));
    assert.equal(foreign.status, 0);
    assert.ok(foreign.basic?.tbsResponseData.responses[0]?.certStatus.unknown !== undefined);
  });

  test('a certificate the CA never issued is unknown', async () => {
    const foreign = await shomei.ca.certificate('root');
    const file = writePem(dir, 'root-as-leaf.pem', foreign);
    // Asked as if issued by the issuing CA: the serial is not one of its certificates.
    const result = await ocsp(file);
    assert.match(result.stdout, /: unknown/);
  });

  test('malformed, oversized and wrongly typed requests get malformedRequest and change nothing', async () => {
    const garbage = await fetch(`${base}/pki/ocsp`, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request' },
      body: Buffer.from('this is not DER'),
    });
    assert.equal(garbage.status, 200);
    const parsed = parseOcspResponse(Buffer.from(await garbage.arrayBuffer()));
    assert.equal(parsed.status, 1, 'malformedRequest');
    const big = await fetch(`${base}/pki/ocsp`, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request' },
      body: Buffer.alloc(64 * 1024, 0x30),
    });
    assert.equal(big.status, 413);
    const wrongType = await fetch(`${base}/pki/ocsp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"serial":"01"}',
    });
    assert.equal(wrongType.status, 400);
    assert.equal(parseOcspResponse(Buffer.from(await wrongType.arrayBuffer())).status, 1);
    const badBase64 = await fetch(`${base}/pki/ocsp/${encodeURIComponent('%%%not-base64')}`);
    assert.equal(badBase64.status, 400);
  });
});

describe('CRL and CA certificate publication over HTTP', () => {
  test('the CRL at /pki/crl/issuing.crl and the CA certificates at /pki/ca/<name>.crt verify with openssl', async () => {
    const crl = await fetch(`${base}/pki/crl/issuing.crl`);
    assert.equal(crl.status, 200);
    assert.equal(crl.headers.get('content-type'), 'application/pkix-crl');
    const crlFile = path.join(dir, 'http.crl');
    writeFileSync(crlFile, Buffer.from(await crl.arrayBuffer()));
    const chain = path.join(dir, 'chain.pem');
    writeFileSync(chain, readFileSync(issuingPem, 'utf8') + readFileSync(rootPem, 'utf8'));
    const verified = run('openssl', ['crl', '-in', crlFile, '-inform', 'DER', '-CAfile', chain, '-noout']);
    assert.match(verified.stderr + verified.stdout, /verify OK/);
    const root = await fetch(`${base}/pki/ca/root.crt`);
    assert.equal(root.status, 200);
    assert.ok(Buffer.from(await root.arrayBuffer()).equals(await shomei.ca.certificate('root')));
    // Only the two authorities exist, under their own names and extensions; nothing else is read.
    assert.equal((await fetch(`${base}/pki/ca/other.crt`)).status, 404);
    assert.equal((await fetch(`${base}/pki/ca/root.crl`)).status, 404);
    assert.equal((await fetch(`${base}/pki/ca/${encodeURIComponent('../root.crt')}`)).status, 404);
    assert.equal((await fetch(`${base}/pki/crl/other.crl`)).status, 404);
  });
});
