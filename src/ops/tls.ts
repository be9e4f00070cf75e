/**
 * TLS for the server (criterion 2.2.5 (1)–(3)). Either the operator's files (SHOMEI_TLS_CERT and
 * SHOMEI_TLS_KEY, as with any web server), or on the embedded default a certificate from the embedded
 * CA. Node's TLS stack (OpenSSL without a PKCS#11 engine/provider) cannot use a private key that
 * stays in the HSM, so the TLS key is the one key kept in a file (0600, never in backups); the CA
 * that certifies it does keep its key in the HSM (ADR 011).
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject, sign, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Attributes, CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import type { CertificateAuthority } from '../ca/index.ts';
import { shomeiError } from '../errors/index.ts';
import { buildName, OID, publicKeySha256, toPem } from '../pki/index.ts';
import type { OpsSettings } from './settings.ts';

/**
 * A PKCS#10 request signed by a key held in memory. src/pki's buildCsr signs through a DigestSigner
 * (a precomputed digest, as an HSM does), which Node cannot do for ECDSA with a KeyObject; this signs
 * the request body itself with node:crypto instead.
 */
function fileKeyCsr(commonName: string, spki: Buffer, privateKey: KeyObject): Buffer {
  const info = new CertificationRequestInfo({
    version: 0,
    subject: buildName([{ type: 'CN', value: commonName }]),
    subjectPKInfo: AsnConvert.parse(spki, SubjectPublicKeyInfo),
    attributes: new Attributes(),
  });
  const signature = sign('sha256', Buffer.from(AsnConvert.serialize(info)), {
    key: privateKey,
    dsaEncoding: 'der',
  });
  const request = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm: OID.ecdsaWithSha256 }),
    signature: new Uint8Array(signature).buffer,
  });
  return Buffer.from(AsnConvert.serialize(request));
}

export interface TlsMaterial {
  readonly key: Buffer;
  /** Leaf first, then the chain. */
  readonly cert: Buffer;
  /** CAs whose client certificates are accepted (mutual TLS); undefined: none asked for. */
  readonly clientCa: Buffer | undefined;
  /** Where the material came from, for the start-up message and the compliance report. */
  readonly source: 'files' | 'embedded-ca';
}

/** Files of the embedded TLS certificate inside the data directory. */
export function embeddedTlsPaths(home: string): { key: string; cert: string; caBundle: string } {
  return {
    key: path.join(home, 'secrets', 'tls-server-key.pem'),
    cert: path.join(home, 'tls', 'server-cert.pem'),
    caBundle: path.join(home, 'tls', 'ca-root.pem'),
  };
}

function writeAtomically(file: string, content: string, mode: number): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode });
  chmodSync(temp, mode);
  renameSync(temp, file);
}

function readSetting(file: string, setting: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw shomeiError(
      'SHOMEI_CONFIG_INVALID',
      `設定 ${setting} のファイルを読めません: ${file}`,
      `Setting ${setting} names a file that cannot be read: ${file}`,
      { status: 500, details: { setting } },
    );
  }
}

/** True when the stored certificate still fits: present, 30+ days left, the same DNS names. */
function embeddedCertificateCurrent(certFile: string, keyFile: string, dnsNames: readonly string[]): boolean {
  if (!existsSync(certFile) || !existsSync(keyFile)) return false;
  try {
    const leaf = new X509Certificate(readFileSync(certFile));
    if (Date.parse(leaf.validTo) - Date.now() < 30 * 86_400_000) return false;
    const names = (leaf.subjectAltName ?? '')
      .split(', ')
      .filter((n) => n.startsWith('DNS:'))
      .map((n) => n.slice(4));
    return names.length === dnsNames.length && dnsNames.every((n) => names.includes(n));
  } catch {
    return false;
  }
}

/**
 * Makes sure the embedded TLS certificate exists: a fresh P-256 key in a 0600 file, certified by the
 * embedded issuing CA for `dnsNames`. The CA is told the key is approved (it is not an HSM key the CA
 * would otherwise recognise) by passing its public-key fingerprint.
 */
export async function ensureEmbeddedTlsCertificate(
  home: string,
  ca: CertificateAuthority,
  dnsNames: readonly string[],
): Promise<void> {
  const files = embeddedTlsPaths(home);
  if (embeddedCertificateCurrent(files.cert, files.key, dnsNames)) return;
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const csr = fileKeyCsr(dnsNames[0]!, spki, privateKey);
  const prepared = await ca.prepare(
    {
      csr,
      profile: 'tls-server',
      altNames: { dnsNames },
      actor: { kind: 'process', id: 'shomei-tls' },
    },
    publicKeySha256(spki),
  );
  await ca.store(prepared);
  const [issuing, root] = await ca.chain();
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
  // Key first, then the certificate: a crash in between leaves a key without a certificate, which the
  // next start replaces, never a certificate whose key is missing.
  writeAtomically(files.key, toPem(pkcs8, 'PRIVATE KEY'), 0o600);
  writeAtomically(
    files.cert,
    toPem(prepared.row.certificate, 'CERTIFICATE') + toPem(issuing!, 'CERTIFICATE'),
    0o644,
  );
  writeAtomically(files.caBundle, toPem(root!, 'CERTIFICATE'), 0o644);
}

/**
 * The TLS material the server listens with, or undefined for plain HTTP. Production refuses to run
 * without TLS; so does any environment that asks for client certificates.
 */
export async function prepareTls(
  settings: OpsSettings,
  home: string,
  environment: string,
  ca: CertificateAuthority,
): Promise<TlsMaterial | undefined> {
  const tls = settings.tls;
  const clientCa =
    tls.clientCaFile === undefined ? undefined : readSetting(tls.clientCaFile, 'SHOMEI_TLS_CLIENT_CA');
  if (tls.certFile !== undefined && tls.keyFile !== undefined) {
    const key = readSetting(tls.keyFile, 'SHOMEI_TLS_KEY');
    const cert = readSetting(tls.certFile, 'SHOMEI_TLS_CERT');
    assertTlsPair(key, cert);
    if (clientCa !== undefined) assertCertificates(clientCa, 'SHOMEI_TLS_CLIENT_CA');
    return { key, cert, clientCa, source: 'files' };
  }
  if (tls.embedded) {
    await ensureEmbeddedTlsCertificate(home, ca, tls.dnsNames);
    const files = embeddedTlsPaths(home);
    return { key: readFileSync(files.key), cert: readFileSync(files.cert), clientCa, source: 'embedded-ca' };
  }
  assertTlsConfigured(settings, environment);
  return undefined;
}

function tlsInvalid(setting: string, ja: string, en: string): Error {
  return shomeiError('SHOMEI_TLS_INVALID', `設定 ${setting}: ${ja}`, `Setting ${setting}: ${en}`, {
    status: 500,
    details: { setting },
  });
}

/** PEM files that parse, and a key that belongs to the (first) certificate: checked before listening. */
export function assertTlsPair(key: Buffer, cert: Buffer): void {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw tlsInvalid(
      'SHOMEI_TLS_KEY',
      '秘密鍵 (PEM) を読めません。',
      'the private key (PEM) cannot be read.',
    );
  }
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw tlsInvalid(
      'SHOMEI_TLS_CERT',
      '証明書 (PEM) を読めません。',
      'the certificate (PEM) cannot be read.',
    );
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw tlsInvalid(
      'SHOMEI_TLS_KEY',
      '秘密鍵が SHOMEI_TLS_CERT の証明書と一致しません。',
      'the private key does not match the certificate of SHOMEI_TLS_CERT.',
    );
  }
  if (Date.parse(leaf.validTo) < Date.now()) {
    throw tlsInvalid(
      'SHOMEI_TLS_CERT',
      `証明書の有効期限が切れています (${leaf.validTo})。`,
      `the certificate expired (${leaf.validTo}).`,
    );
  }
}

/** A PEM bundle with at least one certificate (the client CA of mutual TLS). */
export function assertCertificates(pem: Buffer, setting: string): void {
  try {
    new X509Certificate(pem);
  } catch {
    throw tlsInvalid(setting, 'CA 証明書 (PEM) を読めません。', 'the CA certificate (PEM) cannot be read.');
  }
}

/** The operator's TLS files, checked before anything is created (a mismatch must not cost an init). */
export function checkTlsFiles(settings: OpsSettings): void {
  const tls = settings.tls;
  if (tls.certFile !== undefined && tls.keyFile !== undefined) {
    assertTlsPair(readSetting(tls.keyFile, 'SHOMEI_TLS_KEY'), readSetting(tls.certFile, 'SHOMEI_TLS_CERT'));
  }
  if (tls.clientCaFile !== undefined) {
    assertCertificates(readSetting(tls.clientCaFile, 'SHOMEI_TLS_CLIENT_CA'), 'SHOMEI_TLS_CLIENT_CA');
  }
}

/**
 * Checked before anything is initialised: production refuses to run without TLS, and so does any
 * environment that asks for client certificates.
 */
export function assertTlsConfigured(settings: OpsSettings, environment: string): void {
  const tls = settings.tls;
  if (tls.embedded || tls.certFile !== undefined) return;
  if (environment === 'production' || tls.clientCaFile !== undefined) {
    throw shomeiError(
      'SHOMEI_TLS_REQUIRED',
      '本番環境 (またはクライアント証明書を要求する構成) では TLS が必要です: SHOMEI_TLS_CERT と SHOMEI_TLS_KEY、または SHOMEI_TLS_EMBEDDED=true を設定してください。',
      'TLS is required in production (and whenever client certificates are asked for): set SHOMEI_TLS_CERT and SHOMEI_TLS_KEY, or SHOMEI_TLS_EMBEDDED=true.',
      { status: 500, details: { setting: 'SHOMEI_TLS_CERT' } },
    );
  }
}
