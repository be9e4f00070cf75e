import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Shomei } from '../../src/app/index.ts';
import type { CertificateProfile } from '../../src/ca/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import { certificateFacts, OID, PKI_LIMITS, parseCertificate, parseCrl } from '../../src/pki/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';
import { hsmKeyWithCsr, workDir, writePem, YAMADA } from './helpers.ts';
import { checkKeptCrl } from './kept-crl.ts';

let shomei: Shomei & TestHome;
let dir: string;
let rootPem: string;
let issuingPem: string;

function rejectsWith(code: string) {
  return (error: unknown) => {
    assert.ok(isShomeiError(error), `expected a ShomeiError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

/** openssl's reading of an issuing-CA CRL, its signature checked against the issuing CA and the root. */
function showIssuingCrl(der: Buffer, name: string) {
  const crlFile = path.join(dir, name);
  writeFileSync(crlFile, der);
  const chain = path.join(dir, 'chain.pem');
  writeFileSync(chain, readFileSync(issuingPem, 'utf8') + readFileSync(rootPem, 'utf8'));
  return run('openssl', ['crl', '-in', crlFile, '-inform', 'DER', '-CAfile', chain, '-noout', '-text']);
}

before(async () => {
  shomei = await openTestShomei();
  dir = workDir();
  rootPem = writePem(dir, 'root.pem', await shomei.ca.certificate('root'));
  issuingPem = writePem(dir, 'issuing.pem', await shomei.ca.certificate('issuing'));
});

after(async () => {
  await shomei.close();
});

describe('embedded CA hierarchy', () => {
  test('root and issuing CA are marked as a development CA and have their keys in the HSM', async () => {
    const root = certificateFacts(parseCertificate(await shomei.ca.certificate('root')));
    const issuing = certificateFacts(parseCertificate(await shomei.ca.certificate('issuing')));
    assert.equal(root.subject, 'CN=shomei Development Root CA (TEST),O=shomei,C=JP');
    assert.equal(issuing.issuer, root.subject);
    assert.ok(root.isCa && issuing.isCa);
    assert.equal(issuing.pathLength, 0);
    assert.deepEqual([...issuing.keyUsage].sort(), ['crlSign', 'keyCertSign']);
    const purposes = (await shomei.keys.list()).map((k) => k.purpose);
    for (const purpose of ['ca-root', 'ca-issuing', 'ca-ocsp', 'tsa'])
      assert.ok(purposes.includes(purpose), purpose);
    const hsmKeys = await shomei.crypto.listKeys();
    for (const key of hsmKeys.filter((k) => k.kind === 'signing')) {
      assert.equal(key.attributes.extractable, false);
      assert.equal(key.attributes.sensitive, true);
    }
    const verified = run('openssl', ['verify', '-CAfile', rootPem, issuingPem]);
    assert.equal(verified.status, 0, verified.stderr);
  });
});

describe('issuing certificates from CSRs', () => {
  const profiles: { profile: CertificateProfile; altNames?: { dnsNames: string[] } }[] = [
    { profile: 'signer' },
    { profile: 'e-seal' },
    { profile: 'tsa' },
    { profile: 'ocsp-responder' },
    { profile: 'tls-server', altNames: { dnsNames: ['shomei.example.jp'] } },
    { profile: 'tls-client' },
  ];
  for (const { profile, altNames } of profiles) {
    test(`openssl verify accepts a ${profile} certificate`, async () => {
      const { csr, signer } = await hsmKeyWithCsr(
        shomei,
        YAMADA,
        profile === 'tls-server' ? 'RSA-2048' : 'EC-P256',
      );
      const issued = await shomei.ca.issue({ csr, profile, ...(altNames === undefined ? {} : { altNames }) });
      const file = writePem(dir, `${profile}.pem`, issued.der);
      const verified = run('openssl', ['verify', '-CAfile', rootPem, '-untrusted', issuingPem, file]);
      assert.equal(verified.status, 0, verified.stderr);
      assert.match(verified.stdout, /: OK/);
      const facts = certificateFacts(parseCertificate(issued.der));
      assert.ok(facts.publicKey.equals(signer.publicKey), 'the certificate certifies the HSM key');
      assert.equal(issued.keyId, signer.keyId);
      assert.equal(facts.isCa, false);
      const base = shomei.config.http.publicUrl;
      assert.deepEqual(facts.ocspUrls, [`${base}/pki/ocsp`]);
      assert.deepEqual(facts.caIssuersUrls, [`${base}/pki/ca/issuing.crt`]);
      assert.deepEqual(facts.crlUrls, [`${base}/pki/crl/issuing.crl`]);
      assert.ok(facts.authorityKeyIdentifier !== undefined && facts.subjectKeyIdentifier !== undefined);
      if (profile === 'signer' || profile === 'e-seal') {
        assert.deepEqual([...facts.keyUsage].sort(), ['digitalSignature', 'nonRepudiation']);
      }
      if (profile === 'tsa') {
        assert.deepEqual(facts.extendedKeyUsage, [OID.kpTimeStamping]);
        assert.equal(facts.extendedKeyUsageCritical, true);
      }
      if (profile === 'ocsp-responder') {
        assert.deepEqual(facts.extendedKeyUsage, [OID.kpOcspSigning]);
        assert.equal(facts.ocspNoCheck, true);
      }
      if (profile === 'tls-server') {
        assert.deepEqual(facts.dnsNames, ['shomei.example.jp']);
        const purpose = run('openssl', [
          'verify',
          '-purpose',
          'sslserver',
          '-CAfile',
          rootPem,
          '-untrusted',
          issuingPem,
          file,
        ]);
        assert.equal(purpose.status, 0, purpose.stderr);
      }
      if (profile === 'tls-client') assert.deepEqual(facts.extendedKeyUsage, [OID.kpClientAuth]);
    });
  }

  test('a signer certificate names its holder in UTF-8 Japanese, as openssl reads it too', async () => {
    const { csr } = await hsmKeyWithCsr(shomei, YAMADA);
    const issued = await shomei.ca.issue({ csr, profile: 'signer' });
    assert.equal(issued.subject, 'CN=山田 太郎,O=株式会社サンプル,C=JP');
    const file = writePem(dir, 'yamada.pem', issued.der);
    const subject = run('openssl', [
      'x509',
      '-in',
      file,
      '-noout',
      '-subject',
      '-nameopt',
      'RFC2253,-esc_msb,utf8',
    ]);
    assert.match(subject.stdout, /CN=山田 太郎,O=株式会社サンプル,C=JP/);
    const asn1 = run('openssl', ['asn1parse', '-in', file]);
    assert.match(asn1.stdout, /UTF8STRING/);
  });

  test('serial numbers are random, at least 64 bits, and unique', async () => {
    const serials = new Set<string>();
    for (let i = 0; i < 5; i += 1) {
      const { csr } = await hsmKeyWithCsr(shomei, YAMADA);
      const issued = await shomei.ca.issue({ csr, profile: 'tls-client' });
      assert.ok(issued.serialNumber.length >= 16, issued.serialNumber);
      serials.add(issued.serialNumber);
    }
    assert.equal(serials.size, 5);
  });

  test('a CSR whose signature is wrong is refused, and nothing is stored', async () => {
    const { csr } = await hsmKeyWithCsr(shomei, YAMADA);
    const tampered = Buffer.from(csr);
    const at = tampered.length - 5;
    tampered.writeUInt8(tampered.readUInt8(at) ^ 0x01, at);
    const before = (await shomei.ca.list()).length;
    await assert.rejects(
      shomei.ca.issue({ csr: tampered, profile: 'signer' }),
      rejectsWith('SHOMEI_CA_CSR_SIGNATURE_INVALID'),
    );
    assert.equal((await shomei.ca.list()).length, before);
  });

  test('a CSR for a key we do not hold is refused', async () => {
    const keyFile = path.join(dir, 'foreign.key');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const req = run('openssl', [
      'req',
      '-new',
      '-key',
      keyFile,
      '-subj',
      '/C=JP/CN=outsider',
      '-outform',
      'DER',
    ]);
    assert.equal(req.status, 0, req.stderr);
    const csr = run('openssl', ['req', '-new', '-key', keyFile, '-subj', '/C=JP/CN=outsider']).stdout;
    await assert.rejects(shomei.ca.issue({ csr, profile: 'signer' }), rejectsWith('SHOMEI_CA_KEY_UNKNOWN'));
  });

  test('malformed, oversized and wrong-type CSRs are refused with typed errors', async () => {
    await assert.rejects(
      shomei.ca.issue({ csr: Buffer.from([0x30, 0x82, 0xff]), profile: 'signer' }),
      rejectsWith('SHOMEI_PKI_MALFORMED'),
    );
    await assert.rejects(
      shomei.ca.issue({ csr: 'not a csr', profile: 'signer' }),
      rejectsWith('SHOMEI_PKI_MALFORMED'),
    );
    await assert.rejects(
      shomei.ca.issue({ csr: Buffer.alloc(PKI_LIMITS.csr + 1, 0x30), profile: 'signer' }),
      rejectsWith('SHOMEI_PKI_INPUT_TOO_LARGE'),
    );
    const { csr } = await hsmKeyWithCsr(shomei, YAMADA);
    await assert.rejects(
      shomei.ca.issue({ csr: Buffer.concat([csr, Buffer.from([0])]), profile: 'signer' }),
      rejectsWith('SHOMEI_PKI_MALFORMED'),
    );
    // A certificate is not a CSR.
    await assert.rejects(
      shomei.ca.issue({ csr: await shomei.ca.certificate('issuing'), profile: 'signer' }),
      rejectsWith('SHOMEI_PKI_MALFORMED'),
    );
    await assert.rejects(
      shomei.ca.issue({ csr, profile: 'tls-server' }),
      rejectsWith('SHOMEI_CA_PROFILE_INVALID'),
    );
  });
});

describe('revocation and the CRL', () => {
  test('a revoked certificate is listed with its reason in a CRL that openssl verifies', async () => {
    const { csr } = await hsmKeyWithCsr(shomei, YAMADA);
    const issued = await shomei.ca.issue({ csr, profile: 'signer' });
    const first = parseCrl(await shomei.ca.crl('issuing'));
    const revoked = await shomei.ca.revoke(issued.serialNumber, 'keyCompromise');
    assert.equal(revoked.status, 'revoked');
    assert.equal(revoked.revocationReason, 'keyCompromise');
    await assert.rejects(
      shomei.ca.revoke(issued.serialNumber, 'superseded'),
      rejectsWith('SHOMEI_CA_ALREADY_REVOKED'),
    );
    await assert.rejects(
      shomei.ca.revoke('01', 'superseded'),
      rejectsWith('SHOMEI_CA_CERTIFICATE_NOT_FOUND'),
    );
    await assert.rejects(shomei.ca.revoke('zz', 'superseded'), rejectsWith('SHOMEI_CA_INPUT_INVALID'));
    const der = await shomei.ca.crl('issuing');
    const verified = showIssuingCrl(der, 'issuing.crl');
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stderr + verified.stdout, /verify OK/);
    assert.match(verified.stdout, new RegExp(`Serial Number: ${issued.serialNumber.toUpperCase()}`));
    assert.match(verified.stdout, /Key Compromise/);
    const second = parseCrl(der);
    assert.ok(
      Buffer.from(second.tbsDer).compare(Buffer.from(first.tbsDer)) !== 0,
      'a new CRL is published after a revocation',
    );
    const root = path.join(dir, 'root.crl');
    writeFileSync(root, await shomei.ca.crl('root'));
    const rootVerified = run('openssl', ['crl', '-in', root, '-inform', 'DER', '-CAfile', rootPem, '-noout']);
    assert.match(rootVerified.stderr + rootVerified.stdout, /verify OK/);
  });
});

describe('the CRL kept in the database (ADR 049)', () => {
  test('two instances serve one CRL until a revocation or half its life; racing, each answer lists every revocation', async () => {
    await checkKeptCrl(shomei, dir);
  });
});

describe('revocation by certificate (for the credential lifecycle)', () => {
  test('revokeCertificate needs the exact certificate this CA issued', async () => {
    const { csr } = await hsmKeyWithCsr(shomei, YAMADA);
    const issued = await shomei.ca.issue({ csr, profile: 'signer' });
    assert.equal(await shomei.ca.statusOf(issued.der), 'good');
    // Only the exact certificate is good: the same serial with one signature bit changed is unknown;
    // a truncated one is refused.
    const altered = Buffer.from(issued.der);
    altered[altered.length - 1]! ^= 1;
    assert.equal(await shomei.ca.statusOf(altered), 'unknown');
    await assert.rejects(shomei.ca.statusOf(issued.der.subarray(0, 40)), rejectsWith('SHOMEI_PKI_MALFORMED'));
    await assert.rejects(
      shomei.ca.revokeCertificate(
        await shomei.tsa.certificate().then((c) => Buffer.from(c.subarray(0, 10))),
        'superseded',
      ),
      rejectsWith('SHOMEI_PKI_MALFORMED'),
    );
    const revoked = await shomei.ca.revokeCertificate(issued.der, 'superseded');
    assert.equal(revoked.revocationReason, 'superseded');
    assert.equal(await shomei.ca.statusOf(issued.der), 'revoked');
  });
});

describe('key roles and responder renewal', () => {
  test('CA keys are never certified as end entities; TSA and OCSP keys only for their role', async () => {
    const { buildCsr } = await import('../../src/pki/index.ts');
    const { digestSignerFor } = await import('../../src/crypto/index.ts');
    for (const [purpose, profile] of [
      ['ca-root', 'signer'],
      ['ca-issuing', 'tls-server'],
      ['tsa', 'signer'],
      ['ca-ocsp', 'tsa'],
    ] as const) {
      const [record] = await shomei.keys.findActiveByPurpose(purpose);
      assert.ok(record !== undefined, purpose);
      const csr = await buildCsr(await digestSignerFor(shomei.crypto, record.key_id), YAMADA);
      await assert.rejects(
        shomei.ca.issue({ csr, profile, altNames: { dnsNames: ['x.example'] } }),
        rejectsWith('SHOMEI_CA_KEY_PURPOSE_MISMATCH'),
      );
    }
  });

  test('an OCSP responder certificate close to its end is renewed for the same key at start-up', async () => {
    const { buildCsr } = await import('../../src/pki/index.ts');
    const { digestSignerFor } = await import('../../src/crypto/index.ts');
    const db = shomei.ca.db;
    const row = await db
      .selectFrom('ca_authorities')
      .selectAll()
      .where('name', '=', 'issuing')
      .executeTakeFirstOrThrow();
    assert.ok(row.ocsp_key_id !== null);
    const signer = await digestSignerFor(shomei.crypto, row.ocsp_key_id);
    const shortLived = await shomei.ca.issue({
      csr: await buildCsr(signer, YAMADA),
      profile: 'ocsp-responder',
      validityDays: 5,
    });
    await db
      .updateTable('ca_authorities')
      .set({ ocsp_certificate: shortLived.der })
      .where('name', '=', 'issuing')
      .execute();
    assert.equal(await shomei.ca.setup(), true);
    const renewed = await db
      .selectFrom('ca_authorities')
      .selectAll()
      .where('name', '=', 'issuing')
      .executeTakeFirstOrThrow();
    assert.equal(renewed.ocsp_key_id, row.ocsp_key_id, 'same HSM key');
    const facts = certificateFacts(parseCertificate(Buffer.from(renewed.ocsp_certificate!)));
    assert.ok(facts.notAfter.getTime() > Date.now() + 365 * 86_400_000);
    assert.equal(await shomei.ca.setup(), false, 'nothing to do the second time');
  });
});

// Last in this file: it ends the issuing CA of the shared home.
describe('a CA whose key is destroyed after a compromise (ADR 035)', () => {
  test('keeps serving its final CRL — every revocation, next update after its last certificate ends', async () => {
    const { csr } = await hsmKeyWithCsr(shomei, YAMADA);
    const issued = await shomei.ca.issue({ csr, profile: 'signer' });
    await shomei.ca.revoke(issued.serialNumber, 'cACompromise');
    const final = await shomei.ca.finalCrl('issuing');
    assert.deepEqual(await shomei.ca.finalCrl('issuing'), final, 'signed once');
    const row = await shomei.ca.db
      .selectFrom('ca_authorities')
      .selectAll()
      .where('name', '=', 'issuing')
      .executeTakeFirstOrThrow();
    await shomei.crypto.destroyKey(row.key_id);
    assert.ok(!(await shomei.crypto.listKeys()).some((k) => k.id === row.key_id), 'the key is gone');
    const served = await shomei.ca.crl('issuing');
    assert.deepEqual(served, final, 'the CRL endpoint serves the final CRL without the key');

    const shown = showIssuingCrl(served, 'final.crl');
    assert.match(shown.stderr + shown.stdout, /verify OK/);
    assert.match(shown.stdout, new RegExp(`Serial Number: ${issued.serialNumber.toUpperCase()}`));
    assert.match(shown.stdout, /CA Compromise/);
    const next = /Next Update: (.+)/.exec(shown.stdout)?.[1];
    assert.ok(next !== undefined, shown.stdout);
    const lastEnd = Math.max(
      ...(await shomei.ca.list({ limit: 10_000 }))
        .filter((c) => c.issuer === 'issuing')
        .map((c) => c.notAfter.getTime()),
    );
    assert.ok(Date.parse(next) >= lastEnd - 1000, `next update ${next} before the last certificate ends`);
  });
});
