/**
 * A real RFC 3161 TSA for tests, run by `openssl ts -reply` with a throw-away CA and TSA
 * certificate, so checkpoint and archive timestamps are made and checked by an outside tool.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CheckpointTimestamper } from '../../../src/audit/index.ts';
import { run } from '../../helpers/run.ts';

export interface OpensslTsa extends CheckpointTimestamper {
  readonly dir: string;
  readonly caCertificate: string;
  readonly tsaCertificate: string;
  /** Runs `openssl ts -verify` for a token over a SHA-256 digest; returns openssl's exit status and output. */
  verify(token: Buffer, digest: Buffer): { status: number; output: string };
  remove(): void;
}

function openssl(args: string[], cwd: string): string {
  const result = run('openssl', args, { cwd });
  if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** A throw-away root and a TSA certificate it issued (timeStamping, critical), in `dir`. */
function makeTsaCertificates(dir: string): void {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=Test TSA Root',
    ],
    dir,
  );
  writeFileSync(
    path.join(dir, 'tsa.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n',
  );
  openssl(
    [
      'req',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'tsa.key',
      '-out',
      'tsa.csr',
      '-subj',
      '/CN=Test TSA',
    ],
    dir,
  );
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'tsa.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'tsa.pem',
      '-days',
      '2',
      '-extfile',
      'tsa.ext',
    ],
    dir,
  );
}

/** The `openssl ts -reply` configuration: SHA-256, ESSCertIDv2, the TSA certificate in the token. */
function writeTsaConfig(dir: string): void {
  writeFileSync(
    path.join(dir, 'tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa_config',
      '[ tsa_config ]',
      `dir = ${dir}`,
      'serial = $dir/serial',
      'signer_cert = $dir/tsa.pem',
      'signer_key = $dir/tsa.key',
      'signer_digest = sha256',
      'default_policy = 1.3.6.1.4.1.99999.1',
      'digests = sha256',
      'accuracy = secs:1',
      'ess_cert_id_alg = sha256',
      'ordering = yes',
      'tsa_name = no',
      'ess_cert_id_chain = no',
      'certs = $dir/tsa.pem',
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'serial'), '01\n');
}

export function startOpensslTsa(): OpensslTsa {
  const dir = mkdtempSync(path.join(tmpdir(), 'shomei-tsa-'));
  makeTsaCertificates(dir);
  writeTsaConfig(dir);
  let n = 0;
  return {
    dir,
    caCertificate: path.join(dir, 'ca.pem'),
    tsaCertificate: path.join(dir, 'tsa.pem'),
    async timestamp(digest: Buffer): Promise<Buffer> {
      const id = n++;
      openssl(
        ['ts', '-query', '-digest', digest.toString('hex'), '-sha256', '-cert', '-out', `q${id}.tsq`],
        dir,
      );
      openssl(
        [
          'ts',
          '-reply',
          '-config',
          'tsa.cnf',
          '-queryfile',
          `q${id}.tsq`,
          '-token_out',
          '-out',
          `t${id}.der`,
        ],
        dir,
      );
      return readFileSync(path.join(dir, `t${id}.der`));
    },
    verify(token: Buffer, digest: Buffer) {
      const file = path.join(dir, `v${n++}.der`);
      writeFileSync(file, token);
      const result = run(
        'openssl',
        [
          'ts',
          '-verify',
          '-digest',
          digest.toString('hex'),
          '-token_in',
          '-in',
          file,
          '-CAfile',
          path.join(dir, 'ca.pem'),
          '-untrusted',
          path.join(dir, 'tsa.pem'),
        ],
        { cwd: dir },
      );
      return { status: result.status, output: result.stdout + result.stderr };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
