/**
 * Mutual TLS for client systems (the "RS-API connection certificate"): a client bound to a TLS
 * certificate fingerprint is refused when it presents another certificate, at the token endpoint and
 * on CSC calls with its bearer token. Real TLS on a loopback listener; certificates made by openssl.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerRsspRoutes } from '../../src/rssp/index.ts';
import { run } from '../helpers/run.ts';
import { openRsspFixture, type RsspFixture } from './fixture.ts';

let f: RsspFixture;
let app: FastifyInstance;
let dir: string;
let port: number;

function selfSigned(name: string): { key: Buffer; cert: Buffer } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
  const r = run('openssl', [
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
    cert,
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
  ]);
  assert.equal(r.status, 0, r.stderr);
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

function fingerprint(pem: Buffer): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
}

function call(
  pathname: string,
  body: string,
  headers: Record<string, string>,
  clientCert?: { key: Buffer; cert: Buffer },
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: pathname,
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        rejectUnauthorized: false,
        ...(clientCert === undefined ? {} : { key: clientCert.key, cert: clientCert.cert }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let a: { key: Buffer; cert: Buffer };
let b: { key: Buffer; cert: Buffer };
let client: { clientId: string; clientSecret: string };

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'rssp-mtls-'));
  f = await openRsspFixture();
  const server = selfSigned('server');
  a = selfSigned('client-a');
  b = selfSigned('client-b');
  app = Fastify({
    logger: false,
    https: { key: server.key, cert: server.cert, requestCert: true, rejectUnauthorized: false },
  });
  await registerRsspRoutes(app, f.rssp);
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as AddressInfo).port;
  client = await f.rssp.clients.register(
    {
      name: 'bound SCA',
      redirectUris: ['https://sca.example.jp/cb'],
      tlsCertificateSha256: fingerprint(a.cert),
    },
    'operator-1',
  );
});
after(async () => {
  await app.close();
  await f.close();
  rmSync(dir, { recursive: true, force: true });
});

const form = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = () => ({
  authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
});

test('the bound certificate gets a token; another certificate is refused and audited', async () => {
  const ok = await call('/oauth2/token', 'grant_type=client_credentials', { ...form, ...basic() }, a);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const refused = await call('/oauth2/token', 'grant_type=client_credentials', { ...form, ...basic() }, b);
  assert.equal(refused.status, 401);
  assert.equal(refused.body.error, 'invalid_client');
  const event = f.audit.last('client-system.authenticate');
  assert.equal(event?.outcome, 'failure');
  assert.equal(event?.details?.reason, 'tls-certificate-mismatch');
});

test('a bearer token of a bound client used with another certificate is refused', async () => {
  const ok = await call('/oauth2/token', 'grant_type=client_credentials', { ...form, ...basic() }, a);
  const token = ok.body.access_token as string;
  const json = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const withA = await call('/csc/v2/credentials/list', JSON.stringify({ userID: 'user-x' }), json, a);
  assert.equal(withA.status, 200);
  const withB = await call('/csc/v2/credentials/list', JSON.stringify({ userID: 'user-x' }), json, b);
  assert.equal(withB.status, 401);
  assert.equal(withB.body.error, 'access_denied');
});
