/**
 * An outside RSASSA-PSS signer for the corpus, made only with the OpenSSL command line: a root that
 * signs its certificates and its CRL with RSASSA-PSS, a signer whose key is either a plain RSA key
 * (rsaEncryption, PSS padding chosen when signing) or an RSASSA-PSS key (id-RSASSA-PSS, as pyHanko's
 * "pss-exclusive" test PKI), an `openssl cms -sign -cades` CMS (signing-certificate-v2), and a
 * signature timestamp from `openssl ts -reply` over the signature value. Nothing goes through
 * src/ades or src/pki; the only step done here by hand is putting the token into the SignerInfo's
 * unsigned attributes, which openssl has no command for (checked afterwards with `openssl cms -verify`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Attribute, ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import { run } from '../helpers/run.ts';

const SIGNATURE_TIMESTAMP_TOKEN = '1.2.840.113549.1.9.16.2.14';
const PSS = ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:digest'];

export type PssKeyType = 'rsaEncryption' | 'id-RSASSA-PSS';

export interface PssPki {
  readonly dir: string;
  readonly rootPem: string;
  readonly rootDer: Buffer;
  readonly signerCert: string;
  readonly signerKey: string;
  /** DER CRL of the root (RSASSA-PSS signed), listing nothing. */
  readonly crl: Buffer;
}

function must(args: string[], cwd?: string): string {
  const result = run('openssl', args, cwd ? { cwd } : {});
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
}

const EXTENSIONS = `[root_ext]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa_ext]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

function tsaConfig(f: (name: string) => string): string {
  return `[tsa]\ndefault_tsa = tsa1\n[tsa1]\nserial = ${f('tsaserial')}\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\naccuracy = secs:1\ness_cert_id_alg = sha256\ness_cert_id_chain = no\n`;
}

function issue(f: (name: string) => string, name: string, subject: string, ext: string, key: string[]): void {
  must(['genpkey', ...key, '-out', f(`${name}.key`)]);
  must(['req', '-new', '-key', f(`${name}.key`), '-subj', subject, '-utf8', '-out', f(`${name}.csr`)]);
  must([
    'x509',
    '-req',
    '-in',
    f(`${name}.csr`),
    '-CA',
    f('root.pem'),
    '-CAkey',
    f('root.key'),
    '-CAcreateserial',
    ...PSS,
    '-days',
    '20',
    '-extfile',
    f('ca.cnf'),
    '-extensions',
    ext,
    '-out',
    f(`${name}.pem`),
  ]);
}

/** Root, signer (with the given key type) and TSA; every certificate and the CRL RSASSA-PSS signed. */
export function pssPki(dir: string, signerKey: PssKeyType): PssPki {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  writeFileSync(f('index.txt'), '');
  writeFileSync(f('crlnumber'), '01\n');
  writeFileSync(f('tsaserial'), '01\n');
  writeFileSync(
    f('ca.cnf'),
    `[ca]\ndefault_ca = ca_default\n[ca_default]\ndatabase = ${f('index.txt')}\ncrlnumber = ${f('crlnumber')}\ndefault_md = sha256\ndefault_crl_days = 30\n${EXTENSIONS}`,
  );
  writeFileSync(f('tsa.cnf'), tsaConfig(f));
  must(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', f('root.key')]);
  must([
    'req',
    '-x509',
    '-new',
    '-key',
    f('root.key'),
    ...PSS,
    '-subj',
    '/C=JP/O=PSS Independent/CN=PSS Test Root',
    '-days',
    '30',
    '-config',
    f('ca.cnf'),
    '-extensions',
    'root_ext',
    '-out',
    f('root.pem'),
  ]);
  const keyAlgorithm = signerKey === 'id-RSASSA-PSS' ? 'RSA-PSS' : 'RSA';
  issue(f, 'signer', '/C=JP/O=PSS Independent/CN=PSS 署名者', 'leaf_ext', [
    '-algorithm',
    keyAlgorithm,
    '-pkeyopt',
    'rsa_keygen_bits:2048',
  ]);
  issue(f, 'tsa', '/C=JP/O=PSS Independent/CN=PSS Test TSA', 'tsa_ext', [
    '-algorithm',
    'RSA',
    '-pkeyopt',
    'rsa_keygen_bits:2048',
  ]);
  must([
    'ca',
    '-gencrl',
    '-config',
    f('ca.cnf'),
    '-keyfile',
    f('root.key'),
    '-cert',
    f('root.pem'),
    ...PSS,
    '-out',
    f('root.crl.pem'),
  ]);
  must(['crl', '-in', f('root.crl.pem'), '-outform', 'DER', '-out', f('root.crl')]);
  must(['x509', '-in', f('root.pem'), '-outform', 'DER', '-out', f('root.der')]);
  return {
    dir,
    rootPem: f('root.pem'),
    rootDer: readFileSync(f('root.der')),
    signerCert: f('signer.pem'),
    signerKey: f('signer.key'),
    crl: readFileSync(f('root.crl')),
  };
}

/** `openssl ts -reply` over `data`: a TimeStampToken (DER ContentInfo) carrying the TSA chain. */
function timestampToken(pki: PssPki, data: Buffer): Buffer {
  const f = (name: string) => path.join(pki.dir, name);
  writeFileSync(f('stamped.bin'), data);
  must(['ts', '-query', '-data', f('stamped.bin'), '-sha256', '-cert', '-out', f('query.tsq')]);
  writeFileSync(f('tsa-chain.pem'), readFileSync(f('root.pem')));
  must([
    'ts',
    '-reply',
    '-config',
    f('tsa.cnf'),
    '-queryfile',
    f('query.tsq'),
    '-inkey',
    f('tsa.key'),
    '-signer',
    f('tsa.pem'),
    '-chain',
    f('tsa-chain.pem'),
    '-token_out',
    '-out',
    f('token.der'),
  ]);
  return readFileSync(f('token.der'));
}

/** A CAdES-BES CMS (RSASSA-PSS, SHA-256) over `covered`, with a signature timestamp: CAdES-T. */
export function pssCadesT(pki: PssPki, covered: Buffer): Buffer {
  const f = (name: string) => path.join(pki.dir, name);
  writeFileSync(f('covered.bin'), covered);
  must([
    'cms',
    '-sign',
    '-binary',
    '-cades',
    '-md',
    'sha256',
    '-signer',
    pki.signerCert,
    '-inkey',
    pki.signerKey,
    // -keyopt applies to the -signer before it.
    '-keyopt',
    'rsa_padding_mode:pss',
    '-keyopt',
    'rsa_pss_saltlen:32',
    '-certfile',
    pki.rootPem,
    '-in',
    f('covered.bin'),
    '-outform',
    'DER',
    '-out',
    f('bes.der'),
  ]);
  const info = AsnConvert.parse(readFileSync(f('bes.der')), ContentInfo);
  const signedData = AsnConvert.parse(info.content, SignedData);
  const signer = signedData.signerInfos[0]!;
  const token = timestampToken(pki, Buffer.from(signer.signature.buffer));
  signer.unsignedAttrs = [
    new Attribute({ attrType: SIGNATURE_TIMESTAMP_TOKEN, attrValues: [new Uint8Array(token).buffer] }),
  ];
  info.content = AsnConvert.serialize(signedData);
  const cms = Buffer.from(AsnConvert.serialize(info));
  writeFileSync(f('cades-t.der'), cms);
  must([
    'cms',
    '-verify',
    '-binary',
    '-cades',
    '-inform',
    'DER',
    '-in',
    f('cades-t.der'),
    '-content',
    f('covered.bin'),
    '-CAfile',
    pki.rootPem,
    '-purpose',
    'any',
    '-out',
    f('verified.bin'),
  ]);
  return cms;
}
