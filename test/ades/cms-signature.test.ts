import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  completeCmsSignature,
  type PreparedCmsSignature,
  prepareCmsSignature,
} from '../../src/ades/index.ts';
import type { DigestAlgorithm, KeyAlgorithm, SignatureScheme } from '../../src/crypto/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import { openTestShomei } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';
import { makeTestPki, type TestIdentity, type TestPki } from './test-pki.ts';

let shomei: Awaited<ReturnType<typeof openTestShomei>>;
let pki: TestPki;
const content = Buffer.from('契約書 contract body\n'.repeat(100));
let contentPath: string;

before(async () => {
  shomei = await openTestShomei();
  pki = await makeTestPki(shomei, shomei.home);
  contentPath = path.join(shomei.home, 'content.bin');
  writeFileSync(contentPath, content);
});
after(async () => shomei.close());

function opensslVerifies(cms: Buffer): { status: number; stderr: string } {
  const cmsPath = path.join(shomei.home, 'sig.p7s');
  writeFileSync(cmsPath, cms);
  const result = run('openssl', [
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    cmsPath,
    '-content',
    contentPath,
    '-CAfile',
    pki.rootPemPath,
    '-purpose',
    'any',
    '-out',
    '/dev/null',
  ]);
  return { status: result.status, stderr: result.stderr };
}

async function sign(
  identity: TestIdentity,
  digestAlgorithm: DigestAlgorithm,
  scheme?: SignatureScheme,
): Promise<{ prepared: PreparedCmsSignature; cms: Buffer }> {
  const prepared = prepareCmsSignature({
    contentDigest: createHash(digestAlgorithm.replace('-', '').toLowerCase()).update(content).digest(),
    digestAlgorithm,
    ...(scheme ? { signatureScheme: scheme } : {}),
    signerCertificate: identity.certificate,
    certificateChain: [pki.root.certificate],
    signingTime: new Date(),
  });
  // The state goes through JSON, as it would through a database row.
  const state = JSON.parse(JSON.stringify(prepared.state));
  const value = await identity.signer.signDigest(
    prepared.digestToSign,
    digestAlgorithm,
    prepared.signatureScheme,
  );
  return { prepared, cms: completeCmsSignature(state, value) };
}

describe('CMS signing with an external signer', () => {
  const cases: [KeyAlgorithm, DigestAlgorithm, SignatureScheme | undefined][] = [
    ['RSA-2048', 'SHA-256', undefined],
    ['RSA-2048', 'SHA-384', 'RSASSA-PSS'],
    ['RSA-3072', 'SHA-512', 'RSASSA-PKCS1-v1_5'],
    ['EC-P256', 'SHA-256', undefined],
    ['EC-P384', 'SHA-384', 'ECDSA'],
  ];
  for (const [key, digest, scheme] of cases) {
    it(`openssl cms verifies a detached signature with ${key}, ${digest}, ${scheme ?? 'default scheme'}`, async () => {
      const identity = await pki.newSigner(key, `signer ${key}`);
      const { cms } = await sign(identity, digest, scheme);
      const result = opensslVerifies(cms);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stderr, /Verification successful/);
    });
  }

  it('detects changed content', async () => {
    const identity = await pki.newSigner('EC-P256', 'signer changed');
    const { cms } = await sign(identity, 'SHA-256');
    const original = content[10]!;
    content[10] = original ^ 1;
    writeFileSync(contentPath, content);
    try {
      assert.notEqual(opensslVerifies(cms).status, 0);
    } finally {
      content[10] = original;
      writeFileSync(contentPath, content);
    }
  });

  it('refuses a signature value from the wrong key with a typed error', async () => {
    const identity = await pki.newSigner('RSA-2048', 'signer a');
    const other = await pki.newSigner('RSA-2048', 'signer b');
    const { prepared } = await sign(identity, 'SHA-256');
    const value = await other.signer.signDigest(prepared.digestToSign, 'SHA-256');
    assert.throws(
      () => completeCmsSignature(prepared.state, value),
      (e) => isShomeiError(e) && e.code === 'SHOMEI_ADES_SIGNATURE_VALUE_INVALID',
    );
    assert.throws(
      () => completeCmsSignature(prepared.state, Buffer.alloc(3)),
      (e) => isShomeiError(e) && e.code === 'SHOMEI_ADES_SIGNATURE_VALUE_INVALID',
    );
  });

  it('refuses a tampered or foreign signing state with a typed error', async () => {
    const identity = await pki.newSigner('EC-P256', 'signer state');
    const { prepared } = await sign(identity, 'SHA-256');
    for (const bad of [
      'not json',
      '{}',
      { ...prepared.state, version: 2 },
      { ...prepared.state, signedAttributes: '***' },
      { ...prepared.state, signerCertificate: Buffer.from('garbage').toString('base64') },
      JSON.stringify({ ...prepared.state, extra: 1 }),
    ]) {
      assert.throws(
        () => completeCmsSignature(bad, Buffer.alloc(64)),
        (e) => isShomeiError(e) && e.code.startsWith('SHOMEI_ADES_'),
        JSON.stringify(bad).slice(0, 80),
      );
    }
  });

  it('refuses a scheme that does not fit the key and a digest of the wrong length', async () => {
    const identity = await pki.newSigner('EC-P256', 'signer scheme');
    assert.throws(
      () =>
        prepareCmsSignature({
          contentDigest: Buffer.alloc(32),
          digestAlgorithm: 'SHA-256',
          signatureScheme: 'RSASSA-PSS',
          signerCertificate: identity.certificate,
          certificateChain: [],
        }),
      (e) => isShomeiError(e) && e.code === 'SHOMEI_ADES_ALGORITHM_UNSUPPORTED',
    );
    assert.throws(
      () =>
        prepareCmsSignature({
          contentDigest: Buffer.alloc(20),
          digestAlgorithm: 'SHA-256',
          signerCertificate: identity.certificate,
          certificateChain: [],
        }),
      (e) => isShomeiError(e) && e.code === 'SHOMEI_ADES_MALFORMED',
    );
  });
});
