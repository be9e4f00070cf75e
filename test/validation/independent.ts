/**
 * An independent signer for the corpus: a small OpenSSL CA (root, signer certificate, CRL) and an
 * NSS database holding the signer key, so that poppler's `pdfsig -add-signature` signs PDFs and
 * `openssl cms -sign` makes CMS that src/pdf embeds. Nothing here goes through src/ades.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from '../helpers/run.ts';

export interface OpensslPki {
  readonly dir: string;
  readonly rootPem: string;
  readonly signerCert: string;
  readonly signerKey: string;
  /** DER CRL of the root, listing nothing. */
  readonly crl: Buffer;
  readonly nssDb: string;
  readonly nick: string;
}

function must(command: string, args: string[], cwd?: string): void {
  const result = run(command, args, cwd ? { cwd } : {});
  if (result.status !== 0) throw new Error(`${command} ${args[0]} failed: ${result.stderr}`);
}

type FileIn = (name: string) => string;

/** The CA's configuration, its root and the signer's certificate (CN with Japanese, nonRepudiation). */
function makeCertificates(f: FileIn): void {
  writeFileSync(f('index.txt'), '');
  writeFileSync(f('crlnumber'), '01\n');
  writeFileSync(
    f('ca.cnf'),
    `[ca]\ndefault_ca = ca_default\n[ca_default]\ndatabase = ${f('index.txt')}\ncrlnumber = ${f('crlnumber')}\ndefault_md = sha256\ndefault_crl_days = 30\n[root_ext]\nbasicConstraints = critical,CA:true\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n[leaf_ext]\nbasicConstraints = critical,CA:false\nkeyUsage = critical,digitalSignature,nonRepudiation\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n`,
  );
  must('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/C=JP/O=Independent/CN=Independent Test Root',
    '-keyout',
    f('root.key'),
    '-out',
    f('root.pem'),
    '-days',
    '30',
    '-config',
    f('ca.cnf'),
    '-extensions',
    'root_ext',
  ]);
  must('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/C=JP/O=Independent/CN=Independent Signer 独立署名者',
    '-keyout',
    f('signer.key'),
    '-out',
    f('signer.csr'),
    '-utf8',
  ]);
  must('openssl', [
    'x509',
    '-req',
    '-in',
    f('signer.csr'),
    '-CA',
    f('root.pem'),
    '-CAkey',
    f('root.key'),
    '-CAcreateserial',
    '-out',
    f('signer.pem'),
    '-days',
    '20',
    '-extfile',
    f('ca.cnf'),
    '-extensions',
    'leaf_ext',
  ]);
}

/** The root's CRL, listing nothing, as PEM and DER. */
function makeEmptyCrl(f: FileIn): void {
  must('openssl', [
    'ca',
    '-gencrl',
    '-config',
    f('ca.cnf'),
    '-keyfile',
    f('root.key'),
    '-cert',
    f('root.pem'),
    '-out',
    f('root.crl.pem'),
  ]);
  must('openssl', ['crl', '-in', f('root.crl.pem'), '-outform', 'DER', '-out', f('root.crl')]);
}

/** An NSS database holding the signer's key and certificate with the root trusted, for pdfsig; its path. */
function makeNssDb(f: FileIn): string {
  must('openssl', [
    'pkcs12',
    '-export',
    '-inkey',
    f('signer.key'),
    '-in',
    f('signer.pem'),
    '-certfile',
    f('root.pem'),
    '-name',
    'signer',
    '-passout',
    'pass:',
    '-out',
    f('signer.p12'),
  ]);
  const nss = f('nss');
  mkdirSync(nss, { recursive: true });
  must('certutil', ['-N', '--empty-password', '-d', `sql:${nss}`]);
  must('pk12util', ['-i', f('signer.p12'), '-d', `sql:${nss}`, '-W', '']);
  must('certutil', ['-M', '-d', `sql:${nss}`, '-n', 'Independent Test Root - Independent', '-t', 'CT,C,C']);
  return nss;
}

export function opensslPki(dir: string): OpensslPki {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  makeCertificates(f);
  makeEmptyCrl(f);
  const nss = makeNssDb(f);
  return {
    dir,
    rootPem: f('root.pem'),
    signerCert: f('signer.pem'),
    signerKey: f('signer.key'),
    crl: readFileSync(f('root.crl')),
    nssDb: `sql:${nss}`,
    nick: 'signer',
  };
}

/** `pdfsig -add-signature` (poppler): an adbe.pkcs7.detached signature made by NSS (22.12 cannot add -etsi). */
export function pdfsigSign(pki: OpensslPki, input: string, output: string): void {
  const args = [
    '-add-signature',
    '-nssdir',
    pki.nssDb,
    '-nick',
    pki.nick,
    '-digest',
    'SHA256',
    '-reason',
    'independent',
  ];
  must('pdfsig', [...args, input, output]);
}

/** `openssl cms -sign` over `data` (detached, DER), with or without signed attributes. */
export function opensslCms(pki: OpensslPki, data: Buffer, attributes: boolean): Buffer {
  const input = path.join(pki.dir, 'covered.bin');
  const output = path.join(pki.dir, 'cms.der');
  writeFileSync(input, data);
  const args = [
    'cms',
    '-sign',
    '-binary',
    '-outform',
    'DER',
    '-md',
    'sha256',
    '-in',
    input,
    '-signer',
    pki.signerCert,
    '-inkey',
    pki.signerKey,
    '-out',
    output,
  ];
  if (!attributes) args.push('-noattr');
  must('openssl', args);
  return readFileSync(output);
}
