/**
 * The one walker's BER end finder: a CMS that OpenSSL streams (indefinite lengths) is found whole
 * inside zero padding, as in a PDF's /Contents; what is not well formed is refused, never guessed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { berChildren, berElementEnd, derReader, tlv } from '../../src/pki/index.ts';
import { run } from '../helpers/run.ts';

describe('BER element end (indefinite lengths)', () => {
  let dir: string;
  let streamed: Buffer;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'shomei-der-walker-'));
    const file = (name: string) => path.join(dir, name);
    writeFileSync(file('content.txt'), '契約書 / contract');
    const made = run('openssl', [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
      ...['-subj', '/CN=walker', '-days', '1', '-keyout', file('key.pem'), '-out', file('cert.pem')],
    ]);
    assert.equal(made.status, 0, made.stderr);
    // -stream makes OpenSSL write BER with indefinite lengths, as some PDF signing tools do.
    const signed = run('openssl', [
      ...['cms', '-sign', '-stream', '-binary', '-outform', 'DER', '-in', file('content.txt')],
      ...['-signer', file('cert.pem'), '-inkey', file('key.pem'), '-out', file('streamed.cms')],
    ]);
    assert.equal(signed.status, 0, signed.stderr);
    streamed = readFileSync(file('streamed.cms'));
    const parsed = run('openssl', ['asn1parse', '-inform', 'DER', '-in', file('streamed.cms')]);
    assert.match(parsed.stdout, /l=inf/, 'OpenSSL itself reads indefinite lengths in it');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('finds the whole streamed CMS in front of zero padding, its own end-of-contents zeros included', () => {
    assert.deepEqual([...streamed.subarray(-2)], [0, 0], 'the value ends in an end-of-contents');
    const padded = Buffer.concat([streamed, Buffer.alloc(300)]);
    assert.equal(berElementEnd(padded), streamed.length);
    assert.equal(berElementEnd(streamed), streamed.length);
  });

  test('a definite-length element ends where its length says, a multi-byte tag included', () => {
    const der = tlv(0x30, tlv(0x02, Buffer.from([0])), tlv(0x04, Buffer.alloc(200, 1)));
    assert.equal(berElementEnd(Buffer.concat([der, Buffer.alloc(10)])), der.length);
    const highTag = Buffer.from([0x9f, 0x81, 0x00, 0x01, 0xaa]);
    assert.equal(berElementEnd(Buffer.concat([highTag, Buffer.alloc(4)])), highTag.length);
  });

  test('refuses what is not well formed: cut short, a primitive indefinite, a bad length, nesting without end', () => {
    assert.equal(berElementEnd(streamed.subarray(0, streamed.length - 1)), undefined);
    assert.equal(berElementEnd(Buffer.from([0x04, 0x80, 0x01, 0x00, 0x00])), undefined);
    assert.equal(berElementEnd(Buffer.from([0x30, 0x85, 1, 2, 3, 4, 5])), undefined);
    assert.equal(berElementEnd(Buffer.alloc(0)), undefined);
    // 100 nested indefinite SEQUENCEs, closed by enough zeros: deeper than the walker goes.
    const deep = Buffer.alloc(200).map((_, i) => (i % 2 === 0 ? 0x30 : 0x80));
    assert.equal(berElementEnd(Buffer.concat([deep, Buffer.alloc(200)])), undefined);
  });

  test('children of indefinite and definite elements: the signer certificate found is the one openssl wrote', () => {
    const [type, content] = berChildren(streamed) ?? [];
    assert.equal(type?.tag, 0x06);
    assert.equal(content?.tag, 0xa0);
    const signedData = berChildren(content!.raw)?.[0];
    assert.equal(signedData?.tag, 0x30);
    const fields = berChildren(signedData!.raw) ?? [];
    // version, digestAlgorithms, encapContentInfo, [0] certificates, signerInfos; no end-of-contents.
    assert.deepEqual(
      fields.map((f) => f.tag),
      [0x02, 0x31, 0x30, 0xa0, 0x31],
    );
    // Each indefinite child keeps its end-of-contents in raw, not in value; together they tile the parent.
    assert.deepEqual([...signedData!.raw.subarray(-2)], [0, 0]);
    assert.equal(
      fields.reduce((n, f) => n + f.raw.length, 0),
      signedData!.raw.length - 2 - 2,
    );
    const derFile = path.join(dir, 'cert.der');
    assert.equal(
      run('openssl', ['x509', '-in', path.join(dir, 'cert.pem'), '-outform', 'DER', '-out', derFile]).status,
      0,
    );
    const certificates = berChildren(fields[3]!.raw) ?? [];
    assert.equal(certificates.length, 1);
    assert.deepEqual(certificates[0]!.raw, readFileSync(derFile));
  });

  test('children refused when they do not tile their parent or the end-of-contents is missing', () => {
    assert.equal(berChildren(tlv(0x04, Buffer.from([1]))), undefined, 'a primitive has no children');
    const over = Buffer.from([0x30, 0x04, 0x02, 0x05, 0x00, 0x00]);
    assert.equal(berChildren(over), undefined, 'a child longer than its parent');
    assert.equal(berChildren(streamed.subarray(0, streamed.length - 2)), undefined, 'no end-of-contents');
    assert.deepEqual(berChildren(tlv(0x30))?.length, 0);
  });

  test('the DER reader still refuses indefinite lengths with its caller error', () => {
    const reader = derReader((what, reason) => new Error(`${what}: ${reason}`));
    assert.throws(() => reader.readSingle(streamed, 'cms'), /cms: indefinite length/);
  });
});
