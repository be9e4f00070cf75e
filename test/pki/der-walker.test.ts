/**
 * The one walker's BER end finder: a CMS that OpenSSL streams (indefinite lengths) is found whole
 * inside zero padding, as in a PDF's /Contents; what is not well formed is refused, never guessed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { berElementEnd, derReader, tlv } from '../../src/pki/index.ts';
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

  test('the DER reader still refuses indefinite lengths with its caller error', () => {
    const reader = derReader((what, reason) => new Error(`${what}: ${reason}`));
    assert.throws(() => reader.readSingle(streamed, 'cms'), /cms: indefinite length/);
  });
});
