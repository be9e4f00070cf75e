/**
 * An OUTSIDE time-stamping authority for the client tests: `openssl ts -reply` with a test-only
 * CA and TSA key made by openssl (this plays a foreign party; none of shomei's keys are involved),
 * behind a small HTTP server that can also misbehave on purpose.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TimeStampReq } from '@peculiar/asn1-tsp';
import { decodeAs } from '../../src/pki/index.ts';
import { run } from '../helpers/run.ts';

export type PeerMode =
  | 'honest'
  | 'wrong-imprint'
  | 'wrong-nonce'
  | 'huge'
  | 'html'
  | 'unauthorised-unless-basic';

export interface PeerTsa {
  readonly url: string;
  readonly dir: string;
  readonly caPem: string;
  readonly tsaPem: string;
  mode: PeerMode;
  close(): Promise<void>;
}

function must(result: { status: number; stderr: string }, what: string): void {
  if (result.status !== 0) throw new Error(`${what}: ${result.stderr}`);
}

function openssl(args: readonly string[]): Promise<{ status: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', [...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stderr }));
  });
}

/** The peer's root CA and its TSA certificate (RSA, timeStamping critical), made by openssl (`f` names a file in its folder). */
function makePeerCertificates(f: (name: string) => string): void {
  must(
    run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      f('ca.key'),
      '-out',
      f('ca.pem'),
      '-days',
      '30',
      '-subj',
      '/C=JP/O=Peer Trust/CN=Peer Root CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]),
    'peer CA',
  );
  must(
    run('openssl', [
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f('tsa.key'),
      '-out',
      f('tsa.csr'),
      '-subj',
      '/C=JP/O=Peer Trust/CN=Peer TSA',
    ]),
    'peer TSA CSR',
  );
  writeFileSync(
    f('tsa.ext'),
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n',
  );
  must(
    run('openssl', [
      'x509',
      '-req',
      '-in',
      f('tsa.csr'),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f('tsa.pem'),
      '-days',
      '30',
      '-extfile',
      f('tsa.ext'),
    ]),
    'peer TSA certificate',
  );
}

/** `openssl ts -reply`'s configuration for the peer: SHA-2 digests, two policies, its name in the token. */
function writePeerConfig(f: (name: string) => string): string {
  writeFileSync(f('serial'), '01\n');
  const config = f('tsa.cnf');
  writeFileSync(
    config,
    [
      '[ tsa ]',
      'default_tsa = peer',
      '[ peer ]',
      `serial = ${f('serial')}`,
      'crypto_device = builtin',
      `signer_cert = ${f('tsa.pem')}`,
      `certs = ${f('ca.pem')}`,
      `signer_key = ${f('tsa.key')}`,
      'signer_digest = sha256',
      'default_policy = 1.2.3.4.1',
      'other_policies = 1.2.3.4.5',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = no',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  return config;
}

export function makePeerPki(): { dir: string; caPem: string; tsaPem: string; config: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'shomei-peer-tsa-'));
  const f = (name: string) => path.join(dir, name);
  makePeerCertificates(f);
  const config = writePeerConfig(f);
  return { dir, caPem: f('ca.pem'), tsaPem: f('tsa.pem'), config };
}

export async function startPeerTsa(): Promise<PeerTsa> {
  const pki = makePeerPki();
  let counter = 0;
  const state: { mode: PeerMode } = { mode: 'honest' };
  const reply = async (query: Buffer): Promise<Buffer> => {
    counter += 1;
    const q = path.join(pki.dir, `q${counter}.tsq`);
    const r = path.join(pki.dir, `r${counter}.tsr`);
    let asked = query;
    if (state.mode === 'wrong-imprint' || state.mode === 'wrong-nonce') {
      const parsed = decodeAs(query, TimeStampReq, 'query');
      const digest = Buffer.from(parsed.messageImprint.hashedMessage.buffer);
      if (state.mode === 'wrong-imprint') digest.writeUInt8(digest.readUInt8(0) ^ 0xff, 0);
      // A fresh query for the (possibly altered) digest carries a fresh random nonce.
      const made = await openssl([
        'ts',
        '-query',
        '-digest',
        digest.toString('hex'),
        '-sha256',
        '-cert',
        '-out',
        q,
      ]);
      if (made.status !== 0) throw new Error(made.stderr);
      asked = readFileSync(q);
    }
    writeFileSync(q, asked);
    const made = await openssl(['ts', '-reply', '-config', pki.config, '-queryfile', q, '-out', r]);
    if (made.status !== 0) throw new Error(made.stderr);
    return readFileSync(r);
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      void (async () => {
        if (state.mode === 'unauthorised-unless-basic') {
          const expected = `Basic ${Buffer.from('tsa-user:s3cret').toString('base64')}`;
          if (request.headers.authorization !== expected) {
            response.writeHead(401).end();
            return;
          }
        }
        if (state.mode === 'huge') {
          response.writeHead(200, { 'content-type': 'application/timestamp-reply' });
          response.end(Buffer.alloc(2 * 1024 * 1024, 0x30));
          return;
        }
        if (state.mode === 'html') {
          response.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
          return;
        }
        const der = await reply(Buffer.concat(chunks));
        response.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(der);
      })().catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/tsa`,
    dir: pki.dir,
    caPem: pki.caPem,
    tsaPem: pki.tsaPem,
    get mode() {
      return state.mode;
    },
    set mode(value: PeerMode) {
      state.mode = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
