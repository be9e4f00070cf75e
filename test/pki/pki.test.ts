import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  GeneralName,
  GeneralNames,
  Name,
  RelativeDistinguishedName,
} from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import type { Shomei } from '../../src/app/index.ts';
import { generateRecordedKey } from '../../src/ca/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import {
  asn1Element,
  buildChain,
  buildCsr,
  buildName,
  certificateFacts,
  certificateParts,
  certificateSubject,
  csrSignatureValid,
  describeSignatureAlgorithm,
  encode,
  nameAttributes,
  nameDer,
  nameDerToString,
  nameToString,
  OID,
  PKI_LIMITS,
  parseCertificate,
  parseCertificates,
  parseCrl,
  parseCsr,
  parseOcspResponse,
  signatureAlgorithmFor,
  signingCertificateV2Der,
  toPem,
  verifySignature,
} from '../../src/pki/index.ts';
import { workDir, YAMADA } from '../ca/helpers.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';

const OID_O = '2.5.4.10';
const OID_CN = '2.5.4.3';

let shomei: Shomei & TestHome;
let dir: string;

function throwsWith(code: string) {
  return (error: unknown) => {
    assert.ok(isShomeiError(error), `expected a ShomeiError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

before(async () => {
  shomei = await openTestShomei();
  dir = workDir();
});

after(async () => {
  await shomei.close();
});

describe('parsing with size limits', () => {
  test('certificates parse from DER and PEM alike; bundles keep their order', async () => {
    const root = await shomei.ca.certificate('root');
    const issuing = await shomei.ca.certificate('issuing');
    assert.ok(parseCertificate(root).der.equals(root));
    assert.ok(parseCertificate(toPem(root, 'CERTIFICATE')).der.equals(root));
    const bundle = parseCertificates(toPem(issuing, 'CERTIFICATE') + toPem(root, 'CERTIFICATE'));
    assert.deepEqual(
      bundle.map((c) => c.der.equals(issuing)),
      [true, false],
    );
  });

  test('hostile input is refused with typed errors: empty, truncated, trailing bytes, wrong type, oversized', async () => {
    const root = await shomei.ca.certificate('root');
    assert.throws(() => parseCertificate(Buffer.alloc(0)), throwsWith('SHOMEI_PKI_MALFORMED'));
    assert.throws(
      () => parseCertificate(root.subarray(0, root.length - 10)),
      throwsWith('SHOMEI_PKI_MALFORMED'),
    );
    assert.throws(
      () => parseCertificate(Buffer.concat([root, Buffer.from([0x00])])),
      throwsWith('SHOMEI_PKI_MALFORMED'),
    );
    assert.throws(
      () => parseCertificate(Buffer.alloc(PKI_LIMITS.certificate + 1, 0x30)),
      throwsWith('SHOMEI_PKI_INPUT_TOO_LARGE'),
    );
    assert.throws(
      () => parseCertificate('-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----'),
      throwsWith('SHOMEI_PKI_MALFORMED'),
    );
    assert.throws(() => parseCertificate(toPem(root, 'X509 CRL')), throwsWith('SHOMEI_PKI_MALFORMED'));
    assert.throws(() => parseCrl(root), throwsWith('SHOMEI_PKI_MALFORMED'));
    assert.throws(() => parseCsr(root), throwsWith('SHOMEI_PKI_MALFORMED'));
    assert.throws(() => parseOcspResponse(root), throwsWith('SHOMEI_PKI_MALFORMED'));
    // Deeply nested constructed encodings within the size limit do not crash the parser.
    const nested = Buffer.concat([Buffer.alloc(2000, 0x30), Buffer.from([0x00])]);
    assert.throws(
      () => parseCertificate(nested),
      (e: unknown) => isShomeiError(e),
    );
  });
});

describe('names (RFC 4514, UTF-8)', () => {
  test('Japanese names round-trip as UTF8String and print least significant first', () => {
    const name = buildName(YAMADA);
    assert.equal(nameToString(name), 'CN=山田 太郎,O=株式会社サンプル,C=JP');
    assert.deepEqual(nameAttributes(name), YAMADA);
  });

  test('a name read from its DER prints as the parsed name does, whatever its value types', () => {
    const names = [
      buildName(YAMADA),
      buildName([
        { type: 'O', value: 'A, B + C "D" <E>;' },
        { type: 'CN', value: '#leading and trailing ' },
        { type: 'emailAddress', value: 'seal@example.jp' },
        { type: 'serialNumber', value: 'T1234567890123' },
      ]),
      new Name([
        new RelativeDistinguishedName([
          new AttributeTypeAndValue({ type: OID_O, value: new AttributeValue({ utf8String: '株式会社' }) }),
          new AttributeTypeAndValue({ type: OID_CN, value: new AttributeValue({ printableString: 'Two' }) }),
        ]),
      ]),
      // Value types and attribute types the walker leaves to the schema parse.
      new Name([
        new RelativeDistinguishedName([
          new AttributeTypeAndValue({ type: OID_CN, value: new AttributeValue({ bmpString: 'BMP 名' }) }),
        ]),
        new RelativeDistinguishedName([
          new AttributeTypeAndValue({ type: '1.2.3.4', value: new AttributeValue({ utf8String: 'x' }) }),
        ]),
      ]),
      new Name([]),
    ];
    for (const name of names) assert.equal(nameDerToString(nameDer(name)), nameToString(name));
    assert.throws(() => nameDerToString(nameDer(names[0]!).subarray(1)), throwsWith('SHOMEI_PKI_MALFORMED'));
  });

  test('special characters are escaped; invalid names are refused', () => {
    const name = buildName([
      { type: 'O', value: 'A, B + C "D" <E>;' },
      { type: 'CN', value: '#leading and trailing ' },
    ]);
    assert.equal(nameToString(name), 'CN=\\#leading and trailing\\ ,O=A\\, B \\+ C \\"D\\" \\<E\\>\\;');
    assert.throws(() => buildName([{ type: 'C', value: 'JPN' }]), throwsWith('SHOMEI_PKI_NAME_INVALID'));
    assert.throws(
      () => buildName([{ type: 'CN', value: 'x\u0000y' }]),
      throwsWith('SHOMEI_PKI_NAME_INVALID'),
    );
    assert.throws(() => buildName([]), throwsWith('SHOMEI_PKI_NAME_INVALID'));
  });
});

describe('signature algorithms and verification', () => {
  test('identifiers for every key algorithm and scheme, and their descriptions', () => {
    assert.equal(signatureAlgorithmFor('RSA-2048').algorithm, OID.sha256WithRSAEncryption);
    assert.equal(signatureAlgorithmFor('RSA-3072', 'SHA-384').algorithm, OID.sha384WithRSAEncryption);
    assert.equal(signatureAlgorithmFor('RSA-4096', 'SHA-512').algorithm, OID.sha512WithRSAEncryption);
    assert.equal(signatureAlgorithmFor('EC-P256').algorithm, OID.ecdsaWithSha256);
    assert.equal(signatureAlgorithmFor('EC-P384').algorithm, OID.ecdsaWithSha384);
    assert.equal(signatureAlgorithmFor('EC-P384', 'SHA-512').algorithm, OID.ecdsaWithSha512);
    const pss = signatureAlgorithmFor('RSA-2048', 'SHA-384', 'RSASSA-PSS');
    assert.deepEqual(describeSignatureAlgorithm(pss), {
      digestAlgorithm: 'SHA-384',
      scheme: 'RSASSA-PSS',
      saltLength: 48,
    });
    assert.throws(
      () => signatureAlgorithmFor('EC-P256', 'SHA-256', 'RSASSA-PSS'),
      throwsWith('SHOMEI_PKI_ALGORITHM_UNSUPPORTED'),
    );
    assert.throws(
      () => describeSignatureAlgorithm(new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.5' })),
      throwsWith('SHOMEI_PKI_ALGORITHM_UNSUPPORTED'),
    );
  });

  test('verifySignature checks outside signatures (PKCS#1, PSS, ECDSA) and rejects altered ones', () => {
    const data = Buffer.from('検証するデータ');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const spki = (k: typeof rsa.publicKey) => k.export({ type: 'spki', format: 'der' });
    const pkcs1 = nodeSign('sha256', data, rsa.privateKey);
    assert.ok(verifySignature(spki(rsa.publicKey), signatureAlgorithmFor('RSA-2048'), data, pkcs1));
    const pss = nodeSign('sha384', data, { key: rsa.privateKey, padding: 6, saltLength: 48 });
    assert.ok(
      verifySignature(
        spki(rsa.publicKey),
        signatureAlgorithmFor('RSA-2048', 'SHA-384', 'RSASSA-PSS'),
        data,
        pss,
      ),
    );
    const ecdsa = nodeSign('sha384', data, ec.privateKey);
    assert.ok(verifySignature(spki(ec.publicKey), signatureAlgorithmFor('EC-P384'), data, ecdsa));
    assert.equal(
      verifySignature(spki(ec.publicKey), signatureAlgorithmFor('EC-P384'), Buffer.from('other'), ecdsa),
      false,
    );
    assert.equal(
      verifySignature(spki(ec.publicKey), signatureAlgorithmFor('EC-P384'), data, Buffer.from([0x30, 0x00])),
      false,
    );
    assert.equal(verifySignature(spki(rsa.publicKey), signatureAlgorithmFor('EC-P384'), data, ecdsa), false);
    assert.throws(
      () => verifySignature(Buffer.from('nope'), signatureAlgorithmFor('EC-P384'), data, ecdsa),
      throwsWith('SHOMEI_PKI_MALFORMED'),
    );
  });

  test('signTbs through the HSM: CSRs with RSA PKCS#1, RSA-PSS and ECDSA P-384 keys verify in openssl', async () => {
    const cases = [
      { algorithm: 'RSA-2048', options: {} },
      { algorithm: 'RSA-2048', options: { scheme: 'RSASSA-PSS', digestAlgorithm: 'SHA-256' } },
      { algorithm: 'EC-P384', options: {} },
    ] as const;
    for (const [i, c] of cases.entries()) {
      const signer = await generateRecordedKey(shomei, c.algorithm, `pki-test-${i}`, 'test');
      const csr = await buildCsr(signer, YAMADA, c.options);
      const parsed = parseCsr(csr);
      assert.ok(csrSignatureValid(parsed));
      const file = path.join(dir, `csr-${i}.der`);
      writeFileSync(file, csr);
      const verified = run('openssl', ['req', '-inform', 'DER', '-in', file, '-verify', '-noout']);
      assert.equal(verified.status, 0, verified.stderr);
      assert.match(verified.stderr + verified.stdout, /verify OK/i);
    }
  });
});

describe('certificate facts and chains', () => {
  test('facts of an issued TSA certificate, and a chain to the root', async () => {
    const tsa = parseCertificate(await shomei.tsa.certificate());
    const issuing = parseCertificate(await shomei.ca.certificate('issuing'));
    const root = parseCertificate(await shomei.ca.certificate('root'));
    const facts = certificateFacts(tsa);
    assert.match(facts.serialNumber, /^[0-9a-f]+$/);
    assert.equal(facts.issuer, 'CN=shomei Development Issuing CA (TEST),O=shomei,C=JP');
    assert.deepEqual(facts.keyUsage, ['digitalSignature']);
    assert.equal(facts.authorityKeyIdentifier, certificateFacts(issuing).subjectKeyIdentifier);
    const chain = buildChain(tsa, { anchors: [root], intermediates: [issuing] });
    assert.ok(chain.trusted);
    assert.equal(chain.chain.length, 3);
  });

  test('certificateParts copies the fields a whole parse reads, and the ESS attribute written from them matches the library', async () => {
    const der = await shomei.tsa.certificate();
    const parts = certificateParts(der);
    const tbs = parseCertificate(der).certificate.tbsCertificate;
    assert.ok(parts.der.equals(der));
    assert.ok(parts.issuer.raw.equals(nameDer(tbs.issuer)));
    assert.ok(parts.subject.raw.equals(nameDer(tbs.subject)));
    assert.ok(parts.serialNumber.value.equals(Buffer.from(tbs.serialNumber)));
    assert.ok(parts.subjectPublicKeyInfo.raw.equals(certificateFacts(parseCertificate(der)).publicKey));
    assert.ok(parts.subjectPublicKey.equals(Buffer.from(tbs.subjectPublicKeyInfo.subjectPublicKey)));
    assert.equal(certificateSubject(der), certificateFacts(parseCertificate(der)).subject);
    // RFC 5035 SigningCertificateV2 through the schema classes and asn1js, as the TSA once built it.
    const issuerNames = new GeneralNames([new GeneralName({ directoryName: tbs.issuer })]);
    const library = new asn1js.Sequence({
      value: [
        new asn1js.Sequence({
          value: [
            new asn1js.Sequence({
              value: [
                new asn1js.OctetString({ valueHex: createHash('sha256').update(der).digest() }),
                new asn1js.Sequence({
                  value: [
                    asn1Element(encode(issuerNames), 'issuer'),
                    new asn1js.Integer({ valueHex: new Uint8Array(tbs.serialNumber) }),
                  ],
                }),
              ],
            }),
          ],
        }),
      ],
    });
    assert.ok(signingCertificateV2Der(parts).equals(Buffer.from(library.toBER())));
    assert.throws(
      () => certificateParts(der.subarray(0, der.length - 1)),
      throwsWith('SHOMEI_PKI_MALFORMED'),
    );
    assert.throws(() => certificateParts(nameDer(tbs.issuer)), throwsWith('SHOMEI_PKI_MALFORMED'));
    assert.throws(
      () => certificateParts(Buffer.alloc(PKI_LIMITS.certificate + 1, 0x30)),
      throwsWith('SHOMEI_PKI_INPUT_TOO_LARGE'),
    );
  });

  test('the chain builder says why a chain fails', async () => {
    const tsa = parseCertificate(await shomei.tsa.certificate());
    const issuing = parseCertificate(await shomei.ca.certificate('issuing'));
    const root = parseCertificate(await shomei.ca.certificate('root'));
    const missing = buildChain(tsa, { anchors: [root] });
    assert.equal(missing.trusted, false);
    assert.equal(!missing.trusted && missing.reason, 'no-issuer-found');
    const late = buildChain(tsa, { anchors: [root], intermediates: [issuing], at: new Date('2200-01-01') });
    assert.equal(!late.trusted && late.reason, 'expired-or-not-yet-valid');
    // A leaf cannot act as a CA even when the names line up.
    const notCa = buildChain(issuing, { anchors: [tsa] });
    assert.equal(notCa.trusted, false);
  });
});
