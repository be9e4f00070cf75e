/**
 * An outside PKI for the trust-chain tests, none of it written on this project:
 * - a CA server: Debian's golang-cfssl (`cfssl serve` with its certificate database, `cfssl
 *   ocsprefresh`/`ocspdump` and `cfssl ocspserve` for OCSP), root made by `cfssl gencert -initca`;
 * - a TSA: `openssl ts -reply` with its own root CA made by openssl, the TSA certificate naming a
 *   CRL (made by `openssl ca -gencrl`) and its issuer (AIA caIssuers);
 * - one small HTTP server of the test that puts the TSA on a URL (and can make it misbehave) and
 *   publishes the CA certificates and the CRL, as any CA's web server would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TimeStampReq } from '@peculiar/asn1-tsp';
import Database from 'better-sqlite3';
import { decodeAs } from '../../src/pki/index.ts';

export type TsaMode =
  | 'honest'
  | 'down'
  | 'slow'
  | 'garbage'
  | 'untrusted'
  | 'revoked'
  | 'wrong-nonce'
  | 'wrong-imprint';

export interface OutsidePki {
  readonly dir: string;
  readonly tsaUrl: string;
  readonly cfsslUrl: string;
  /** PEM files: the TSA's root, the CA server's root, and both (what a relying party trusts). */
  readonly tsaRootPem: string;
  /** The TSA roots shomei trusts: the outside TSA's and that of a TSA whose certificate its CA revoked. */
  readonly tsaAnchorsPem: string;
  readonly caRootPem: string;
  readonly rootsPem: string;
  /** PEM: the outside TSA certificate (for openssl ts -verify -untrusted). */
  readonly tsaCertPem: string;
  mode: TsaMode;
  /** Requests the TSA answered or refused since the start. */
  readonly tsaRequests: () => number;
  /** The CA server signs a CSR (DER) through its API, as the operator would for the e-seal. */
  signCsr(csr: Buffer, profile?: string): Promise<string>;
  /** Revokes at the CA server (its API) and republishes OCSP. */
  revoke(serialHex: string): Promise<void>;
  /** cfssl ocsprefresh + ocspdump, and the OCSP responder restarted on the new responses. */
  publishOcsp(): Promise<void>;
  close(): Promise<void>;
}

function exec(command: string, args: readonly string[], cwd: string, stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')}: ${err}`)),
    );
    // A child that exits before reading its input (most never read it) closes the pipe: EPIPE on
    // stdin is not a failure of its own; the exit status and stderr say how the command went.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin ?? '');
  });
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    try {
      await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing listens on ${port}`);
}

/**
 * The TSA's own CA and certificate, made by openssl; the CRL made by `openssl ca -gencrl`, listing
 * the TSA certificate itself when `revokeTsa` (a TSA whose CA has withdrawn it).
 */
type FileIn = (name: string) => string;

/** The TSA's root and its certificate, naming the CRL and the issuer on the web server at `base`. */
async function makeTsaCertificates(dir: string, base: string, name: string, f: FileIn): Promise<void> {
  await exec(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      f('root.key'),
      '-out',
      f('root.pem'),
      '-days',
      '30',
      '-subj',
      `/C=JP/O=Outside Time KK/CN=${name} TSA Root CA`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  await exec(
    'openssl',
    [
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
      `/C=JP/O=Outside Time KK/CN=${name} TSA`,
    ],
    dir,
  );
  writeFileSync(
    f('tsa.ext'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=critical,timeStamping',
      `crlDistributionPoints=URI:${base}/${name}-root.crl`,
      `authorityInfoAccess=caIssuers;URI:${base}/${name}-root.cer`,
      '',
    ].join('\n'),
  );
  await exec(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      f('tsa.csr'),
      '-CA',
      f('root.pem'),
      '-CAkey',
      f('root.key'),
      '-CAcreateserial',
      '-out',
      f('tsa.pem'),
      '-days',
      '30',
      '-extfile',
      f('tsa.ext'),
    ],
    dir,
  );
}

/** The root's CRL (PEM and DER), listing the TSA certificate when `revokeTsa`; the root as DER. */
async function makeTsaCrl(dir: string, f: FileIn, revokeTsa: boolean): Promise<void> {
  writeFileSync(f('index.txt'), '');
  writeFileSync(f('crlnumber'), '01\n');
  writeFileSync(
    f('ca.cnf'),
    [
      '[ ca ]',
      'default_ca = d',
      '[ d ]',
      `database = ${f('index.txt')}`,
      `crlnumber = ${f('crlnumber')}`,
      'default_md = sha256',
      'default_crl_days = 7',
      '',
    ].join('\n'),
  );
  if (revokeTsa) {
    await exec(
      'openssl',
      [
        'ca',
        '-config',
        f('ca.cnf'),
        '-revoke',
        f('tsa.pem'),
        '-keyfile',
        f('root.key'),
        '-cert',
        f('root.pem'),
      ],
      dir,
    );
  }
  await exec(
    'openssl',
    [
      'ca',
      '-config',
      f('ca.cnf'),
      '-gencrl',
      '-keyfile',
      f('root.key'),
      '-cert',
      f('root.pem'),
      '-out',
      f('root.crl.pem'),
    ],
    dir,
  );
  await exec('openssl', ['crl', '-in', f('root.crl.pem'), '-outform', 'DER', '-out', f('root.crl')], dir);
  await exec('openssl', ['x509', '-in', f('root.pem'), '-outform', 'DER', '-out', f('root.cer')], dir);
}

/** `openssl ts -reply`'s configuration: SHA-2 digests, ESSCertIDv2, its name in the token. */
function writeTsaReplyConfig(f: FileIn): void {
  writeFileSync(f('serial'), '01\n');
  writeFileSync(
    f('tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = t',
      '[ t ]',
      `serial = ${f('serial')}`,
      'crypto_device = builtin',
      `signer_cert = ${f('tsa.pem')}`,
      `certs = ${f('root.pem')}`,
      `signer_key = ${f('tsa.key')}`,
      'signer_digest = sha256',
      'default_policy = 1.2.392.200091.999.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = no',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
}

async function makeTsaPki(dir: string, base: string, name: string, revokeTsa = false): Promise<void> {
  const f = (n: string) => path.join(dir, `${name}-${n}`);
  await makeTsaCertificates(dir, base, name, f);
  await makeTsaCrl(dir, f, revokeTsa);
  writeTsaReplyConfig(f);
}

const CFSSL_SCHEMA = `
CREATE TABLE certificates (serial_number blob NOT NULL, authority_key_identifier blob NOT NULL,
  ca_label blob, status blob NOT NULL, reason int, expiry timestamp, revoked_at timestamp, pem blob NOT NULL,
  PRIMARY KEY(serial_number, authority_key_identifier));
CREATE TABLE ocsp_responses (serial_number blob NOT NULL, authority_key_identifier blob NOT NULL,
  body blob NOT NULL, expiry timestamp, PRIMARY KEY(serial_number, authority_key_identifier));`;

/** cfssl's root CA, profiles naming its OCSP responder and where its certificate is, its database. */
async function makeCfsslCa(dir: string, f: FileIn, base: string, ocspPort: number): Promise<void> {
  writeFileSync(
    f('ca-csr.json'),
    JSON.stringify({
      CN: 'Outside Test Root CA',
      key: { algo: 'ecdsa', size: 256 },
      names: [{ C: 'JP', O: 'Outside CA KK' }],
      ca: { expiry: '720h' },
    }),
  );
  const initca = JSON.parse(await exec('cfssl', ['gencert', '-initca', f('ca-csr.json')], dir)) as {
    cert: string;
    key: string;
  };
  writeFileSync(f('ca.pem'), initca.cert);
  writeFileSync(f('ca-key.pem'), initca.key);
  await exec('openssl', ['x509', '-in', f('ca.pem'), '-outform', 'DER', '-out', f('ca.cer')], dir);
  const profile = (usages: string[]) => ({
    expiry: '240h',
    usages,
    ocsp_url: `http://127.0.0.1:${ocspPort}`,
    issuer_urls: [`${base}/ca.cer`],
  });
  writeFileSync(
    f('config.json'),
    JSON.stringify({
      signing: {
        default: profile(['digital signature']),
        profiles: { signer: profile(['digital signature']), seal: profile(['digital signature']) },
      },
    }),
  );
  const db = new Database(f('certs.db'));
  db.exec(CFSSL_SCHEMA);
  db.close();
  writeFileSync(f('db.json'), JSON.stringify({ driver: 'sqlite3', data_source: f('certs.db') }));
  writeFileSync(f('responses'), '');
}

/** `cfssl serve`, and `cfssl ocspserve` restarted by publishOcsp on freshly dumped responses. */
function startCfssl(dir: string, f: FileIn, cfsslPort: number, ocspPort: number) {
  const children: ChildProcess[] = [];
  const startChild = (args: string[]) => {
    const child = spawn('cfssl', args, { cwd: dir, stdio: 'ignore' });
    children.push(child);
    return child;
  };
  startChild([
    'serve',
    '-address',
    '127.0.0.1',
    '-port',
    String(cfsslPort),
    '-ca',
    f('ca.pem'),
    '-ca-key',
    f('ca-key.pem'),
    '-config',
    f('config.json'),
    '-db-config',
    f('db.json'),
    '-loglevel',
    '5',
  ]);
  let ocsp: ChildProcess | undefined;
  const publishOcsp = async () => {
    await exec(
      'cfssl',
      [
        'ocsprefresh',
        '-db-config',
        f('db.json'),
        '-ca',
        f('ca.pem'),
        '-responder',
        f('ca.pem'),
        '-responder-key',
        f('ca-key.pem'),
        '-loglevel',
        '5',
      ],
      dir,
    );
    writeFileSync(
      f('responses'),
      await exec('cfssl', ['ocspdump', '-db-config', f('db.json'), '-loglevel', '5'], dir),
    );
    if (ocsp !== undefined) {
      const old = ocsp;
      await new Promise<void>((resolve) => {
        old.once('exit', () => resolve());
        old.kill();
      });
    }
    ocsp = startChild([
      'ocspserve',
      '-address',
      '127.0.0.1',
      '-port',
      String(ocspPort),
      '-responses',
      f('responses'),
      '-loglevel',
      '5',
    ]);
    await waitForPort(ocspPort);
  };

  return { children, publishOcsp };
}

interface TsaState {
  mode: TsaMode;
  requests: number;
  counter: number;
}

/** The TSA's answer by `openssl ts -reply`; a wrong imprint or nonce, or another TSA, by mode. */
function tsaReplier(dir: string, f: FileIn, state: TsaState): (query: Buffer) => Promise<Buffer> {
  return async (query: Buffer): Promise<Buffer> => {
    state.counter += 1;
    const q = f(`q${state.counter}.tsq`);
    const r = f(`r${state.counter}.tsr`);
    let asked = query;
    if (state.mode === 'wrong-imprint' || state.mode === 'wrong-nonce') {
      const digest = Buffer.from(decodeAs(query, TimeStampReq, 'query').messageImprint.hashedMessage.buffer);
      if (state.mode === 'wrong-imprint') digest.writeUInt8(digest.readUInt8(0) ^ 0xff, 0);
      await exec(
        'openssl',
        ['ts', '-query', '-digest', digest.toString('hex'), '-sha256', '-cert', '-out', q],
        dir,
      );
      asked = readFileSync(q);
    }
    writeFileSync(q, asked);
    const section =
      state.mode === 'untrusted' ? 'stranger' : state.mode === 'revoked' ? 'revoked' : 'outside';
    await exec(
      'openssl',
      ['ts', '-reply', '-config', f(`${section}-tsa.cnf`), '-queryfile', q, '-out', r],
      dir,
    );
    return readFileSync(r);
  };
}

/** What the CAs' web server publishes: the TSA roots' CRLs and certificates, the CA server's root. */
function publishedFiles(f: FileIn): Record<string, string> {
  return {
    '/outside-root.crl': f('outside-root.crl'),
    '/outside-root.cer': f('outside-root.cer'),
    '/stranger-root.crl': f('stranger-root.crl'),
    '/stranger-root.cer': f('stranger-root.cer'),
    '/revoked-root.crl': f('revoked-root.crl'),
    '/revoked-root.cer': f('revoked-root.cer'),
    '/ca.cer': f('ca.cer'),
  };
}

/** The TSA on /tsa (misbehaving by mode) and the published files, on one HTTP server. */
function tsaAndFilesServer(
  state: TsaState,
  published: Record<string, string>,
  reply: (query: Buffer) => Promise<Buffer>,
): Server {
  return createServer((request, response) => {
    const file = published[request.url ?? ''];
    if (request.method === 'GET' && file !== undefined) {
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(file));
      return;
    }
    if (request.method !== 'POST' || request.url !== '/tsa') {
      response.writeHead(404).end();
      return;
    }
    state.requests += 1;
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      if (state.mode === 'down') {
        request.socket.destroy();
        return;
      }
      if (state.mode === 'slow') {
        setTimeout(() => response.destroy(), 60_000).unref();
        return;
      }
      if (state.mode === 'garbage') {
        response.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(randomBytes(300));
        return;
      }
      reply(Buffer.concat(chunks)).then(
        (der) => response.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(der),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    });
  });
}

/** A call to cfssl's HTTP API; its result, or an error naming cfssl's errors. */
function cfsslApi(cfsslUrl: string) {
  return async (endpoint: string, body: object) => {
    const r = await fetch(`${cfsslUrl}/api/v1/cfssl/${endpoint}`, {
      method: 'POST',
      body: JSON.stringify(body),
    });
    const json = (await r.json()) as {
      success: boolean;
      result: { certificate?: string };
      errors: unknown[];
    };
    if (!json.success) throw new Error(`cfssl ${endpoint}: ${JSON.stringify(json.errors)}`);
    return json.result;
  };
}

export async function startOutsidePki(): Promise<OutsidePki> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shomei-outside-pki-'));
  const f = (n: string) => path.join(dir, n);
  const [webPort, cfsslPort, ocspPort] = [await freePort(), await freePort(), await freePort()];
  const base = `http://127.0.0.1:${webPort}`;
  await makeTsaPki(dir, base, 'outside');
  await makeTsaPki(dir, base, 'stranger');
  await makeTsaPki(dir, base, 'revoked', true);
  writeFileSync(
    f('tsa-anchors.pem'),
    `${readFileSync(f('outside-root.pem'), 'utf8')}${readFileSync(f('revoked-root.pem'), 'utf8')}`,
  );
  await makeCfsslCa(dir, f, base, ocspPort);
  const { children, publishOcsp } = startCfssl(dir, f, cfsslPort, ocspPort);
  // The TSA on a URL, and the CA certificates and CRL on the web.
  const state: TsaState = { mode: 'honest', requests: 0, counter: 0 };
  const web = tsaAndFilesServer(state, publishedFiles(f), tsaReplier(dir, f, state));
  await new Promise<void>((resolve) => web.listen(webPort, '127.0.0.1', resolve));
  await waitForPort(cfsslPort);
  await publishOcsp();

  writeFileSync(
    f('roots.pem'),
    readFileSync(f('outside-root.pem'), 'utf8') + readFileSync(f('ca.pem'), 'utf8'),
  );
  const cfsslUrl = `http://127.0.0.1:${cfsslPort}`;
  const api = cfsslApi(cfsslUrl);
  return {
    dir,
    tsaUrl: `${base}/tsa`,
    cfsslUrl,
    tsaRootPem: f('outside-root.pem'),
    tsaAnchorsPem: f('tsa-anchors.pem'),
    caRootPem: f('ca.pem'),
    rootsPem: f('roots.pem'),
    tsaCertPem: f('outside-tsa.pem'),
    get mode() {
      return state.mode;
    },
    set mode(value: TsaMode) {
      state.mode = value;
    },
    tsaRequests: () => state.requests,
    async signCsr(csr, profileName = 'seal') {
      const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${csr
        .toString('base64')
        .match(/.{1,64}/g)!
        .join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
      const result = await api('sign', { certificate_request: pem, profile: profileName });
      await publishOcsp();
      return result.certificate!;
    },
    async revoke(serialHex) {
      await api('revoke', {
        serial: BigInt(`0x${serialHex}`).toString(10),
        authority_key_id: '',
        reason: 'keyCompromise',
      });
      await publishOcsp();
    },
    publishOcsp,
    async close() {
      await new Promise<void>((resolve) => web.close(() => resolve()));
      for (const child of children) child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
