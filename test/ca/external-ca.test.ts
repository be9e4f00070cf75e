import assert from 'node:assert/strict';
import { createCipheriv, createHash, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Shomei } from '../../src/app/index.ts';
import { ExternalCa, generateRecordedKey } from '../../src/ca/index.ts';
import { digestSignerFor } from '../../src/crypto/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import { certificateFacts, csrSignatureValid, parseCertificate, parseCsr } from '../../src/pki/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';
import { workDir, YAMADA } from './helpers.ts';

let shomei: Shomei & TestHome;
let dir: string;

function rejectsWith(code: string) {
  return (error: unknown) => {
    assert.ok(isShomeiError(error), `expected a ShomeiError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

function must(result: { status: number; stderr: string }): void {
  assert.equal(result.status, 0, result.stderr);
}

/** An outside CA played by openssl (test-only keys; none of them is one of ours). */
function foreignCa(name: string): { cert: string; key: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.pem`);
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
      key,
      '-out',
      cert,
      '-days',
      '30',
      '-subj',
      `/C=JP/O=${name}/CN=${name} CA`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]),
  );
  return { cert, key };
}

function signCsr(ca: { cert: string; key: string }, csrPem: string, name: string): string {
  const csr = path.join(dir, `${name}.csr`);
  const out = path.join(dir, `${name}.pem`);
  const ext = path.join(dir, `${name}.ext`);
  writeFileSync(csr, csrPem);
  writeFileSync(
    ext,
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n',
  );
  must(
    run('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-out',
      out,
      '-days',
      '30',
      '-extfile',
      ext,
    ]),
  );
  return readFileSync(out, 'utf8');
}

let trusted: { cert: string; key: string };
let stranger: { cert: string; key: string };
let external: ExternalCa;

before(async () => {
  shomei = await openTestShomei();
  dir = workDir();
  trusted = foreignCa('Trusted Outside');
  stranger = foreignCa('Stranger');
  external = new ExternalCa({
    ca: shomei.ca,
    crypto: shomei.crypto,
    keys: shomei.keys,
    trustedCas: [parseCertificate(readFileSync(trusted.cert))],
  });
});

after(async () => {
  await shomei.close();
});

describe('external CA: CSR hand-off and certificate import', () => {
  test('exports a CSR for an HSM key and imports the certificate the trusted CA issued for it', async () => {
    const signer = await generateRecordedKey(shomei, 'EC-P256', 'external-signer', 'user-signing');
    const csrPem = await external.exportCsr(signer.keyId, YAMADA);
    assert.match(csrPem, /BEGIN CERTIFICATE REQUEST/);
    assert.ok(csrSignatureValid(parseCsr(csrPem)));
    const csrFile = path.join(dir, 'exported.csr');
    writeFileSync(csrFile, csrPem);
    must(run('openssl', ['req', '-in', csrFile, '-verify', '-noout']));
    const certificatePem = signCsr(trusted, csrPem, 'leaf');
    const imported = await external.importCertificate(
      signer.keyId,
      certificatePem + readFileSync(trusted.cert, 'utf8'),
    );
    assert.equal(imported.keyId, signer.keyId);
    assert.equal(imported.issuer, 'external');
    assert.equal(imported.subject, 'CN=山田 太郎,O=株式会社サンプル,C=JP');
    assert.ok(
      (await shomei.ca.list({ profile: 'imported' })).some((c) => c.serialNumber === imported.serialNumber),
    );
  });

  test('a certificate that is not for the given key is refused', async () => {
    const a = await generateRecordedKey(shomei, 'EC-P256', 'external-a', 'user-signing');
    const b = await generateRecordedKey(shomei, 'EC-P256', 'external-b', 'user-signing');
    const forA = signCsr(trusted, await external.exportCsr(a.keyId, YAMADA), 'for-a');
    await assert.rejects(external.importCertificate(b.keyId, forA), rejectsWith('SHOMEI_CA_KEY_MISMATCH'));
  });

  test('a certificate from a CA that is not configured as trusted is refused', async () => {
    const signer = await generateRecordedKey(shomei, 'EC-P256', 'external-c', 'user-signing');
    const fromStranger = signCsr(stranger, await external.exportCsr(signer.keyId, YAMADA), 'stranger-leaf');
    const before = (await shomei.ca.list({ profile: 'imported' })).length;
    await assert.rejects(
      external.importCertificate(signer.keyId, fromStranger),
      rejectsWith('SHOMEI_CA_UNTRUSTED'),
    );
    // Sending the stranger's CA certificate along does not make it trusted.
    await assert.rejects(
      external.importCertificate(signer.keyId, fromStranger + readFileSync(stranger.cert, 'utf8')),
      rejectsWith('SHOMEI_CA_UNTRUSTED'),
    );
    assert.equal((await shomei.ca.list({ profile: 'imported' })).length, before);
    await assert.rejects(
      external.importCertificate(signer.keyId, 'not a certificate'),
      rejectsWith('SHOMEI_PKI_MALFORMED'),
    );
  });
});

describe('external CA: importing a CA-generated key only wrapped and only from a trusted CA', () => {
  /** The outside CA's side: a key pair, a certificate for it, the private key wrapped (RFC 5649) under our wrapping key. */
  function deliveredKey(ca: { cert: string; key: string }, wrappingKey: Buffer, name: string) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = path.join(dir, `${name}-delivered.key`);
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const csr = run('openssl', [
      'req',
      '-new',
      '-key',
      keyFile,
      '-subj',
      '/C=JP/O=Outside/CN=delivered',
    ]).stdout;
    const certificate = signCsr(ca, csr, `${name}-delivered-cert`);
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'der' });
    const cipher = createCipheriv('id-aes256-wrap-pad', wrappingKey, Buffer.from('a65959a6', 'hex'));
    const wrapped = Buffer.concat([cipher.update(pkcs8), cipher.final()]);
    return { certificate, wrapped };
  }

  test('a wrapped key with a trusted certificate lands in the HSM and signs for that certificate', async () => {
    const ceremonyValue = randomBytes(32);
    const wrapping = await shomei.crypto.createSecretKey('wrapping', 'test-import-wrapping', ceremonyValue);
    const delivery = deliveredKey(trusted, ceremonyValue, 'good');
    const imported = await external.importWrappedKey({
      wrappingKeyId: wrapping.id,
      wrappedKey: delivery.wrapped,
      certificate: delivery.certificate,
      label: 'imported-from-outside-ca',
    });
    const key = await shomei.crypto.getKey(imported.keyId);
    assert.equal(key.attributes.extractable, false);
    assert.equal((await shomei.keys.get(imported.keyId))?.purpose, 'imported-signing');
    const signer = await digestSignerFor(shomei.crypto, imported.keyId);
    const message = Buffer.from('署名対象');
    const signature = await signer.signDigest(createHash('sha256').update(message).digest(), 'SHA-256');
    const spki = certificateFacts(parseCertificate(delivery.certificate)).publicKey;
    assert.ok(
      verify('sha256', message, { key: spki, format: 'der', type: 'spki', dsaEncoding: 'der' }, signature),
    );
  });

  test('a wrapped key whose certificate does not chain to a trusted CA never enters the HSM', async () => {
    const ceremonyValue = randomBytes(32);
    const wrapping = await shomei.crypto.createSecretKey('wrapping', 'test-import-wrapping-2', ceremonyValue);
    const delivery = deliveredKey(stranger, ceremonyValue, 'bad');
    const keysBefore = (await shomei.crypto.listKeys()).length;
    await assert.rejects(
      external.importWrappedKey({
        wrappingKeyId: wrapping.id,
        wrappedKey: delivery.wrapped,
        certificate: delivery.certificate,
        label: 'should-not-exist',
      }),
      rejectsWith('SHOMEI_CA_UNTRUSTED'),
    );
    assert.equal((await shomei.crypto.listKeys()).length, keysBefore);
  });
});
