/**
 * The TSA client over HTTPS with TLS client authentication, as accredited TSAs in Japan offer it:
 * certificates made by openssl, a Node HTTPS front that demands a client certificate and passes the
 * query on to the outside TSA (`openssl ts -reply`). Without the client certificate, or without the
 * CA of the server's private certificate, the TSA cannot be reached (typed error). `/readyz` and
 * `shomei config check` ask it with the same client.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isShomeiError } from '../../src/errors/index.ts';
import { parseCertificate } from '../../src/pki/index.ts';
import { buildServer } from '../../src/server/index.ts';
import { externalTsaClient, loadExternalTsaSettings } from '../../src/tsa/index.ts';
import { makeTestHome, openTestShomei } from '../helpers/home.ts';
import { run, SHOMEI_BIN } from '../helpers/run.ts';
import { type PeerTsa, startPeerTsa } from './peer-tsa.ts';

let peer: PeerTsa;
let front: Server;
let url: string;
const f = (name: string) => path.join(peer.dir, name);
const digest = createHash('sha256').update('TLS で守られたタイムスタンプ要求').digest();

function openssl(args: string[]): void {
  const result = run('openssl', args);
  assert.equal(result.status, 0, result.stderr);
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all EC P-256. */
function makeTlsPki(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('tls-ca.key'),
    '-out',
    f('tls-ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=TSA TLS CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
  ]);
  for (const [name, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'],
    ['client', 'extendedKeyUsage=clientAuth\n'],
  ] as const) {
    openssl([
      'req',
      '-new',
      ...ec,
      '-keyout',
      f(`${name}.key`),
      '-out',
      f(`${name}.csr`),
      '-subj',
      `/CN=${name}`,
    ]);
    writeFileSync(f(`${name}.ext`), ext);
    openssl([
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('tls-ca.pem'),
      '-CAkey',
      f('tls-ca.key'),
      '-CAcreateserial',
      '-out',
      f(`${name}.pem`),
      '-days',
      '2',
      '-extfile',
      f(`${name}.ext`),
    ]);
  }
}

before(async () => {
  peer = await startPeerTsa();
  makeTlsPki();
  front = createServer(
    {
      key: readFileSync(f('server.key')),
      cert: readFileSync(f('server.pem')),
      ca: readFileSync(f('tls-ca.pem')),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        fetch(peer.url, { method: 'POST', body: Buffer.concat(chunks) })
          .then(async (r) => {
            response.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? '' });
            response.end(Buffer.from(await r.arrayBuffer()));
          })
          .catch(() => response.writeHead(502).end());
      });
    },
  );
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const address = front.address();
  if (address === null || typeof address !== 'object') throw new Error('no address');
  url = `https://127.0.0.1:${address.port}/tsa`;
});

after(async () => {
  front.closeAllConnections();
  await new Promise<void>((resolve) => front.close(() => resolve()));
  await peer.close();
});

/** `shomei config check` run asynchronously: the HTTPS front in this process must keep answering. */
function configCheck(
  env: Record<string, string>,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [SHOMEI_BIN, 'config', 'check'],
      { env: { ...process.env, ...env } },
      (error, stdout, stderr) =>
        resolve({ status: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
    );
  });
}

const unreachable = (error: unknown) => isShomeiError(error) && error.code === 'SHOMEI_TSA_UNREACHABLE';

describe('TSA client with TLS client authentication', () => {
  test('SHOMEI_TSA_TLS_CERT/KEY/CA reach a TSA that demands a client certificate', async () => {
    const client = externalTsaClient(
      loadExternalTsaSettings({
        SHOMEI_TSA_URL: url,
        SHOMEI_TSA_TLS_CERT: f('client.pem'),
        SHOMEI_TSA_TLS_KEY: f('client.key'),
        SHOMEI_TSA_TLS_CA: f('tls-ca.pem'),
        SHOMEI_TSA_TRUST_ANCHORS: peer.caPem,
      })!,
    );
    const token = await client.timestampWithDetails(digest, 'SHA-256');
    assert.ok(token.digest.equals(digest));
    assert.ok(token.tsaCertificate.equals(parseCertificate(readFileSync(peer.tsaPem)).der));
    client.close();
  });

  test('without the client certificate, or without the server CA, the TSA is unreachable', async () => {
    const noClientCert = externalTsaClient(
      loadExternalTsaSettings({ SHOMEI_TSA_URL: url, SHOMEI_TSA_TLS_CA: f('tls-ca.pem') })!,
    );
    await assert.rejects(noClientCert.timestamp(digest, 'SHA-256'), unreachable);
    noClientCert.close();
    const noServerCa = externalTsaClient(
      loadExternalTsaSettings({
        SHOMEI_TSA_URL: url,
        SHOMEI_TSA_TLS_CERT: f('client.pem'),
        SHOMEI_TSA_TLS_KEY: f('client.key'),
      })!,
    );
    await assert.rejects(noServerCa.timestamp(digest, 'SHA-256'), unreachable);
    noServerCa.close();
  });

  test('/readyz asks the TSA with the client certificate and private CA; without them the probe fails', async () => {
    const settings = {
      SHOMEI_TSA_URL: url,
      SHOMEI_TSA_TLS_CERT: f('client.pem'),
      SHOMEI_TSA_TLS_KEY: f('client.key'),
      SHOMEI_TSA_TLS_CA: f('tls-ca.pem'),
      SHOMEI_TSA_TRUST_ANCHORS: peer.caPem,
    };
    // The trust services read the TSA settings from the process environment, as `shomei start` does.
    Object.assign(process.env, settings);
    const shomei = await openTestShomei();
    for (const name of Object.keys(settings)) delete process.env[name];
    const app = await buildServer(shomei);
    try {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      const body = response.json() as { checks: Record<string, string>; reasons: Record<string, string> };
      assert.equal(body.checks.tsa, 'ok', JSON.stringify(body));
      assert.equal(body.reasons.tsa, undefined);
    } finally {
      await app.close();
      await shomei.close();
    }
    const { SHOMEI_TSA_TLS_CERT: _cert, SHOMEI_TSA_TLS_KEY: _key, ...noClientCert } = settings;
    const bare = externalTsaClient(loadExternalTsaSettings(noClientCert)!);
    assert.equal(await bare.probe(), 'unreachable');
    bare.close();
  });

  test('shomei config check asks the TSA as the client does: passes with the client certificate, fails without', async () => {
    const home = makeTestHome();
    try {
      const tls = { SHOMEI_TSA_URL: url, SHOMEI_TSA_TLS_CA: f('tls-ca.pem') };
      const tsaCheck = async (env: Record<string, string>) => {
        const result = await configCheck({ ...home.env, ...env });
        const { checks } = JSON.parse(result.stdout) as { checks: Array<Record<string, string>> };
        return { status: result.status, tsa: checks.find((c) => c.check === 'tsa')!, stderr: result.stderr };
      };
      // Both at once: each is a separate process, and the front answers them side by side.
      const [good, bare] = await Promise.all([
        tsaCheck({ ...tls, SHOMEI_TSA_TLS_CERT: f('client.pem'), SHOMEI_TSA_TLS_KEY: f('client.key') }),
        tsaCheck(tls),
      ]);
      assert.equal(good.tsa.status, 'ok', JSON.stringify(good.tsa));
      assert.doesNotMatch(good.stderr, /SHOMEI_TSA_/, 'the TSA is not among the failed settings');
      assert.equal(bare.tsa.status, 'failed');
      assert.notEqual(bare.status, 0);
      assert.match(bare.stderr, /SHOMEI_CONFIG_CHECK_FAILED.*SHOMEI_TSA_TLS_CERT/);
    } finally {
      home.remove();
    }
  });

  test('a certificate without its key, or a missing file, is a configuration error naming the setting', () => {
    assert.throws(
      () =>
        externalTsaClient(
          loadExternalTsaSettings({ SHOMEI_TSA_URL: url, SHOMEI_TSA_TLS_CERT: f('client.pem') })!,
        ),
      (error: unknown) => isShomeiError(error) && error.code === 'SHOMEI_CONFIG_INVALID',
    );
    assert.throws(
      () =>
        externalTsaClient(
          loadExternalTsaSettings({ SHOMEI_TSA_URL: url, SHOMEI_TSA_TLS_CA: f('no-such-file.pem') })!,
        ),
      (error: unknown) =>
        isShomeiError(error) &&
        error.code === 'SHOMEI_CONFIG_INVALID' &&
        error.details.setting === 'SHOMEI_TSA_TLS_CA',
    );
  });
});
