/**
 * POST /api/verify: public (no login), raw PDF or multipart (PDF, or CAdES with its data), JSON or
 * an HTML report in Japanese or English, size-limited, typed errors for unusable input.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { signCades } from '../../src/ades/index.ts';
import { buildServer, handleError } from '../../src/server/index.ts';
import { parsePolicy, type ValidationReport, validationRoutes } from '../../src/validation/index.ts';
import { type Corpus, openCorpus } from './corpus.ts';

let corpus: Corpus;
let server: FastifyInstance;
let small: FastifyInstance;
let lta: Buffer;
before(async () => {
  corpus = await openCorpus();
  lta = readFileSync(await corpus.sign('B-LTA'));
  server = await buildServer(corpus.embedded.shomei);
  await server.listen({ host: '127.0.0.1', port: 0 });
  small = Fastify();
  small.setErrorHandler(handleError);
  await small.register(validationRoutes, { trustAnchors: async () => [corpus.root], bodyLimit: 4096 });
  await small.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await server.close();
  await small.close();
  await corpus.close();
});

const url = (app: FastifyInstance, query = '') => {
  const address = app.server.address() as { port: number };
  return `http://127.0.0.1:${address.port}/api/verify${query}`;
};

describe('POST /api/verify', () => {
  it('a raw application/pdf body gives the JSON report, without logging in', async () => {
    const response = await fetch(url(server), {
      method: 'POST',
      headers: { 'content-type': 'application/pdf' },
      body: lta,
    });
    assert.equal(response.status, 200);
    const report = (await response.json()) as ValidationReport;
    assert.equal(report.indication, 'TOTAL_PASSED');
    assert.equal(report.signatures[0]?.level, 'B-LTA');
    assert.equal(report.document.size, lta.length);
  });

  it('multipart with a CAdES signature and its data', async () => {
    const data = corpus.file('api-data.txt');
    writeFileSync(data, 'API データ');
    const output = corpus.file('api.p7s');
    const { embedded } = corpus;
    await signCades({
      input: data,
      output,
      signer: embedded.signer,
      signerCertificate: embedded.certificateChain[0]!,
      certificateChain: embedded.certificateChain.slice(1),
      level: 'B-LT',
      tsa: embedded.tsa,
      revocationSource: embedded.revocationSource,
    });
    const form = new FormData();
    form.append('file', new Blob([readFileSync(output)], { type: 'application/pkcs7-signature' }), 'api.p7s');
    form.append('data', new Blob([readFileSync(data)]), 'api-data.txt');
    const response = await fetch(url(server), { method: 'POST', body: form });
    assert.equal(response.status, 200);
    const report = (await response.json()) as ValidationReport;
    assert.equal(report.document.type, 'cades');
    assert.equal(report.document.name, 'api.p7s');
    assert.equal(
      report.signatures[0]?.indication,
      'TOTAL_PASSED',
      JSON.stringify(report.signatures[0]?.reasons),
    );
  });

  it('an HTML report in Japanese and in English that names the cause', async () => {
    const bytes = Buffer.from(lta);
    bytes[bytes.indexOf('sample page 1')] = 0x53;
    for (const [lang, words] of [
      ['ja', /無効（TOTAL_FAILED）[\s\S]*改変されています/],
      ['en', /Invalid \(TOTAL_FAILED\)[\s\S]*the data was changed after signing/],
    ] as const) {
      const response = await fetch(url(server, `?format=html&lang=${lang}`), {
        method: 'POST',
        headers: { 'content-type': 'application/pdf' },
        body: bytes,
      });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /text\/html/);
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      const html = await response.text();
      assert.match(html, new RegExp(`<html lang="${lang}">`));
      assert.match(html, words);
      assert.match(html, /shomei-default-2026/, 'the report names the policy applied');
      assert.doesNotMatch(html, /<script/i);
    }
  });

  it('a validation policy as the multipart part `policy`: named in the report; a bad one is a 400', async () => {
    const policy = JSON.parse(
      readFileSync(new URL('../../src/validation/default-policy.json', import.meta.url), 'utf8'),
    );
    policy.name = 'api policy';
    policy.constraints.REVOCATION_DATA_MISSING = 'WARN';
    const send = (text: string) => {
      const form = new FormData();
      form.append('file', new Blob([lta], { type: 'application/pdf' }), 'lta.pdf');
      form.append('policy', text);
      return fetch(url(server), { method: 'POST', body: form });
    };
    const response = await send(JSON.stringify(policy));
    assert.equal(response.status, 200);
    const report = (await response.json()) as ValidationReport;
    assert.equal(report.policy.name, 'api policy');
    assert.equal(report.policy.digest, parsePolicy(JSON.stringify(policy)).digest);
    assert.equal(report.indication, 'TOTAL_PASSED');
    const refused = await send(JSON.stringify({ ...policy, constraints: { HASH_FAILURE: 'WARN' } }));
    assert.equal(refused.status, 400);
    const body = (await refused.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'SHOMEI_VALIDATION_POLICY_INVALID');
  });

  it('unusable input: typed errors, and the size limit', async () => {
    const garbage = await fetch(url(small), {
      method: 'POST',
      headers: { 'content-type': 'application/pdf' },
      body: '%PDF-1.7 no',
    });
    assert.equal(garbage.status, 422);
    assert.match(((await garbage.json()) as { error: { code: string } }).error.code, /^SHOMEI_PDF_/);
    const empty = await fetch(url(small), {
      method: 'POST',
      headers: { 'content-type': 'application/pdf' },
      body: '',
    });
    assert.ok(empty.status >= 400 && empty.status < 500);
    const large = await fetch(url(small), {
      method: 'POST',
      headers: { 'content-type': 'application/pdf' },
      body: lta,
    });
    assert.equal(large.status, 413);
    const noFile = new FormData();
    noFile.append('other', 'x');
    const missing = await fetch(url(small), { method: 'POST', body: noFile });
    assert.equal(missing.status, 422);
    assert.equal(
      ((await missing.json()) as { error: { code: string } }).error.code,
      'SHOMEI_VALIDATION_UNUSABLE_INPUT',
    );
  });
});
