/**
 * parseCms cuts a SignedData into its fields from the headers (ADR 047), in DER and in BER with
 * indefinite lengths (OpenSSL's -stream): the certificate it carries is the one openssl wrote and the
 * signed attributes are a SET that openssl's own signature covers; a certificate that is not BER
 * inside still refuses the whole CMS, as the whole-SignedData parse did.
 */
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseCms } from '../../src/validation/cms.ts';
import { run } from '../helpers/run.ts';

let dir: string;
const file = (name: string): string => path.join(dir, name);
let certificate: Buffer;

function sign(out: string, stream: boolean): Buffer {
  const made = run('openssl', [
    ...['cms', '-sign', ...(stream ? ['-stream'] : []), '-binary', '-outform', 'DER'],
    ...[
      '-in',
      file('content.txt'),
      '-signer',
      file('cert.pem'),
      '-inkey',
      file('key.pem'),
      '-out',
      file(out),
    ],
  ]);
  assert.equal(made.status, 0, made.stderr);
  return readFileSync(file(out));
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'shomei-cms-fields-'));
  writeFileSync(file('content.txt'), '契約書 / contract');
  const made = run('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
    ...['-subj', '/CN=fields', '-days', '1', '-keyout', file('key.pem'), '-out', file('cert.pem')],
  ]);
  assert.equal(made.status, 0, made.stderr);
  const der = run('openssl', ['x509', '-in', file('cert.pem'), '-outform', 'DER', '-out', file('cert.der')]);
  assert.equal(der.status, 0, der.stderr);
  certificate = readFileSync(file('cert.der'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('parseCms fields from the headers', () => {
  for (const stream of [false, true]) {
    test(`${stream ? 'BER (indefinite lengths)' : 'DER'}: the certificate openssl wrote, signed attributes its signature covers`, () => {
      const cms = parseCms(sign(stream ? 'streamed.cms' : 'plain.cms', stream));
      assert.equal(cms.certificates.length, 1);
      assert.deepEqual(cms.certificates[0]!.der, certificate);
      assert.equal(cms.signedAttributes?.[0], 0x31);
      const key = createPublicKey(readFileSync(file('cert.pem')));
      const signature = Buffer.from(cms.signerInfo.signature.buffer);
      assert.ok(
        verify('sha256', cms.signedAttributes!, key, signature),
        'openssl signed exactly these bytes',
      );
    });
  }

  test('a certificate that is not BER inside refuses the whole CMS, typed', () => {
    const plain = readFileSync(file('plain.cms'));
    const at = plain.indexOf(certificate);
    assert.ok(at > 0);
    // The certificate's outer length stays; its first inner element (the TBS) claims one byte too many.
    const lengthEnd = (offset: number): number =>
      offset + 1 + (certificate[offset + 1]! & 0x80 ? 1 + (certificate[offset + 1]! & 0x7f) : 1);
    const tbsLengthLast = at + lengthEnd(lengthEnd(0)) - 1;
    const broken = Buffer.from(plain);
    broken[tbsLengthLast] = broken[tbsLengthLast]! + 1;
    assert.throws(() => parseCms(broken), { code: 'SHOMEI_VALIDATION_UNUSABLE_INPUT' });
  });
});
