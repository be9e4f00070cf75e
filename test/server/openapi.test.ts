/**
 * GET /api/openapi.json: the document generated from the routes' zod schemas is valid OpenAPI 3.1
 * (checked by an outside validator), names every route the server registers, and says what the
 * server enforces (a client generated from it sends what the server accepts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Shomei } from '../../src/app/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { type ContractsHarness, createUser, login } from '../contracts/harness.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';

interface Operation {
  readonly tags?: readonly string[];
  readonly requestBody?: { content: Record<string, { schema: JsonSchema }> };
  readonly parameters?: readonly { name: string; in: string; schema: JsonSchema }[];
  readonly responses?: Record<
    string,
    { content?: Record<string, { schema: JsonSchema }>; headers?: Record<string, unknown> }
  >;
}
interface JsonSchema {
  readonly type?: string;
  readonly additionalProperties?: boolean;
  readonly properties?: Record<string, JsonSchema>;
  readonly items?: JsonSchema;
  readonly maximum?: number;
  readonly required?: readonly string[];
}
interface Document {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, Operation>>;
}

let shomei: Shomei & TestHome;
let app: FastifyInstance;
let document: Document;
const registered: { method: string; url: string; hidden: boolean }[] = [];

before(async () => {
  shomei = await openTestShomei();
  app = await buildServer(shomei, {
    onRoute: (route: RouteOptions) => {
      const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
      for (const method of [route.method].flat()) registered.push({ method, url: route.url, hidden });
    },
  });
  await app.ready();
  const response = await app.inject({ method: 'GET', url: '/api/openapi.json' });
  assert.equal(response.statusCode, 200);
  document = response.json<Document>();
});
after(async () => {
  await app.close();
  await shomei.close();
});

/** Fastify's /a/:id, /a/* and a prefix's / as OpenAPI writes them; a trailing slash is the same path. */
const openApiPath = (url: string) =>
  url
    .replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    .replace(/\*$/, '{*}')
    .replace(/(.)\/$/, '$1');
const operation = (method: string, url: string): Operation | undefined => {
  const path = Object.keys(document.paths).find((p) => openApiPath(p) === openApiPath(url));
  return path === undefined ? undefined : document.paths[path]?.[method.toLowerCase()];
};

describe('GET /api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document) as unknown as Record<string, unknown>);
    assert.deepEqual(result.errors ?? [], []);
    assert.equal(result.valid, true);
    assert.match(document.openapi, /^3\.1\./);
  });

  it('names every route the server registers (HEAD aside, which Fastify adds to each GET)', () => {
    const routes = registered.filter((r) => r.method !== 'HEAD' && !r.hidden);
    assert.ok(routes.length > 100, `only ${routes.length} routes registered`);
    const missing = routes.filter((r) => operation(r.method, r.url) === undefined);
    assert.deepEqual(missing, []);
    // Only the web UI's built files are left out (@fastify/static hides them), never an API route.
    const hidden = registered.filter((r) => r.hidden).map((r) => r.url);
    assert.deepEqual(
      hidden.filter((url) => !/^\/(index\.html|assets\/[\w.-]+)$/.test(url)),
      [],
    );
  });

  it('every CSC API method declares what it takes and what it answers (request and response schemas)', () => {
    const csc = registered.filter((r) => r.url.startsWith('/csc/v2/') && r.method !== 'HEAD');
    assert.ok(csc.length >= 15, `only ${csc.length} CSC methods registered`);
    const undeclared = csc.filter(({ method, url }) => {
      const op = operation(method, url);
      const request =
        op?.requestBody?.content['application/json']?.schema !== undefined ||
        (op?.parameters ?? []).length > 0;
      const answers = Object.values(op?.responses ?? {}).filter((r) => r.content !== undefined);
      return !request || answers.length === 0;
    });
    assert.deepEqual(undeclared, []);
    // Wire names as the specification writes them, and its error body for refusals.
    const signHash = operation('POST', '/csc/v2/signatures/signHash');
    const body = signHash?.requestBody?.content['application/json']?.schema;
    assert.deepEqual(
      ['credentialID', 'hashes', 'signAlgo'].filter((name) => !body?.required?.includes(name)),
      [],
    );
    assert.ok(body?.properties?.hashAlgorithmOID !== undefined && body.properties.SAD !== undefined);
    const refusal = signHash?.responses?.['400']?.content?.['application/json']?.schema;
    assert.deepEqual(refusal?.required, ['error', 'error_description']);
  });

  it('every /api/ and /oauth2/ route declares its answer (a redirect its Location), and its parameters when the path has some', () => {
    const undeclared = registered
      .filter((r) => /^\/(api|oauth2)\//.test(r.url) && r.method !== 'HEAD' && !r.hidden)
      .filter(({ method, url }) => {
        const op = operation(method, url);
        const answers = Object.entries(op?.responses ?? {}).some(
          ([code, r]) =>
            (code.startsWith('2') && (r.content !== undefined || code === '204')) ||
            (code.startsWith('3') && r.headers?.location !== undefined),
        );
        const pathParameters = (op?.parameters ?? []).filter((p) => p.in === 'path').length;
        return !answers || (/[:*]/.test(url) && pathParameters === 0);
      })
      .map(({ method, url }) => `${method} ${url}`);
    // Downloads whose answer is the file itself (the body is not JSON a schema could describe).
    const files = [
      'GET /api/contracts/export',
      'GET /api/envelopes/:id/certificate-of-completion',
      'GET /api/envelopes/:id/documents/:documentId',
      'GET /api/envelopes/:id/evidence',
      'GET /api/envelopes/:id/internal-approval/documents/:documentId',
    ];
    assert.deepEqual(
      undeclared.filter((route) => !files.includes(route)),
      [],
    );
    // What the web client's certificate and verify screens import is what the document says.
    const json = (method: string, url: string, code: string) =>
      operation(method, url)?.responses?.[code]?.content?.['application/json']?.schema;
    assert.deepEqual(json('GET', '/api/me/credentials', '200')?.required, [
      'credentials',
      'applications',
      'signingFactor',
    ]);
    assert.ok(json('POST', '/api/verify', '200')?.required?.includes('signatures'));
    assert.ok(json('GET', '/api/imports/:id', '200')?.properties?.record !== undefined);
  });

  it('describes the OAuth 2.0 endpoints as the RFCs write them: forms in, a page, redirects, spec errors', () => {
    const form = (url: string) =>
      Object.keys(operation('POST', url)?.requestBody?.content ?? {}).includes(
        'application/x-www-form-urlencoded',
      );
    assert.deepEqual(
      ['/oauth2/token', '/oauth2/revoke', '/oauth2/pushed_authorize', '/oauth2/authorize'].filter(
        (u) => !form(u),
      ),
      [],
    );
    const page = operation('GET', '/oauth2/authorize')?.responses;
    assert.ok(page?.['200']?.content?.['text/html'] !== undefined, 'the authorisation page is HTML');
    assert.ok(page?.['302']?.headers?.location !== undefined, 'a refusal goes back to the client');
    const approve = operation('POST', '/oauth2/authorize')?.responses;
    assert.ok(approve?.['302']?.headers?.location !== undefined, 'the code goes back by redirect');
    const token = operation('POST', '/oauth2/token')?.responses;
    assert.ok(token?.['200']?.content?.['application/json']?.schema.required?.includes('access_token'));
    assert.deepEqual(token?.['400']?.content?.['application/json']?.schema.required, [
      'error',
      'error_description',
    ]);
    assert.ok(operation('POST', '/oauth2/revoke')?.responses?.['204'] !== undefined);
  });

  it('puts each area under its tag, the CSC API under its own', () => {
    const tagOf = (method: string, url: string) => operation(method, url)?.tags?.[0];
    assert.equal(tagOf('POST', '/csc/v2/signatures/signHash'), 'CSC API v2');
    assert.equal(tagOf('POST', '/csc/v2/credentials/list'), 'CSC API v2');
    assert.equal(tagOf('POST', '/api/auth/login'), 'identity');
    assert.equal(tagOf('POST', '/api/verify'), 'verify');
    assert.equal(tagOf('POST', '/api/envelopes'), 'contracts');
    assert.equal(tagOf('GET', '/api/admin/audit/events'), 'admin');
    assert.equal(tagOf('GET', '/api/credentials/:id'), 'credentials');
  });

  it('says what envelope creation accepts: no unknown fields, order at most 100', () => {
    const body = operation('POST', '/api/envelopes')?.requestBody?.content['application/json']?.schema;
    assert.equal(body?.additionalProperties, false);
    const party = body?.properties?.parties?.items;
    assert.equal(party?.additionalProperties, false);
    assert.equal(party?.properties?.order?.maximum, 100);
    assert.deepEqual(body?.required?.includes('parties'), true);
    // An upload says it takes the PDF itself, not JSON.
    for (const url of ['/api/envelopes/:id/documents', '/api/templates/:id/documents']) {
      const content = operation('POST', url)?.requestBody?.content;
      assert.deepEqual(Object.keys(content ?? {}), ['application/pdf'], url);
      assert.equal(content?.['application/pdf']?.schema.type, 'string');
    }
  });

  it('a body the schema refuses answers the module’s typed error, once the caller is known', async () => {
    const party = { role: 'signer', signingMode: 'witness-type', email: 'b@example.jp', name: '乙 花子' };
    const tooLate = {
      title: '業務委託契約',
      counterparty: '乙株式会社',
      parties: [{ ...party, order: 101 }],
    };
    const anonymous = await app.inject({ method: 'POST', url: '/api/envelopes', payload: tooLate });
    assert.equal(anonymous.statusCode, 401, 'who asks is settled before what they sent');

    await createUser({ shomei } as unknown as ContractsHarness, {
      email: 'a@example.jp',
      tenantSlug: 'openapi',
    });
    const sender = await login(app, 'a@example.jp');
    const refused = await sender.send('POST', '/api/envelopes', tooLate);
    assert.equal(refused.statusCode, 400);
    const { error } = refused.json<{ error: { code: string; message: { ja: string; en: string } } }>();
    assert.equal(error.code, 'SHOMEI_ENVELOPE_INVALID');
    assert.match(error.message.en, /parties\.0\.order/);
    assert.match(error.message.ja, /parties\.0\.order/);
    const unknown = await sender.send('POST', '/api/envelopes', { ...tooLate, parties: [party], owner: 'x' });
    assert.equal(unknown.json<{ error: { code: string } }>().error.code, 'SHOMEI_ENVELOPE_INVALID');
    const hold = await sender.send('POST', '/api/envelopes/none/legal-hold', { hold: 'yes' });
    assert.equal(hold.statusCode, 400);
    assert.match(
      hold.json<{ error: { message: { en: string } } }>().error.message.en,
      /Input hold is invalid/,
    );
    const search = await sender.send('GET', '/api/envelopes');
    assert.deepEqual(search.json<{ items: unknown[] }>().items, [], 'nothing was created');
    const created = await sender.send('POST', '/api/envelopes', { ...tooLate, parties: [party] });
    assert.equal(created.statusCode, 201, created.body);
  });
});
