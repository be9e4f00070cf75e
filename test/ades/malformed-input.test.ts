import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  checkTimestampToken,
  parseSignedData,
  readCadesSignature,
  readPdfSigningState,
  readSigningState,
} from '../../src/ades/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';

const isAdesError = (code: string) => (e: unknown) => isShomeiError(e) && e.code === code;

// A minimal, well-formed ContentInfo(SignedData) skeleton with one SignerInfo, written by hand.
function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const value = Buffer.concat(parts);
  const length =
    value.length < 0x80
      ? Buffer.from([value.length])
      : Buffer.from([0x82, value.length >> 8, value.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, value]);
}
const oid = (hex: string) => tlv(0x06, Buffer.from(hex, 'hex'));
const signerInfo = tlv(
  0x30,
  tlv(0x02, Buffer.from([1])),
  tlv(0x30, tlv(0x30), tlv(0x02, Buffer.from([5]))),
  tlv(0x30, oid('608648016503040201')),
  tlv(0xa0, tlv(0x30, oid('2a864886f70d010903'), tlv(0x31, oid('2a864886f70d010701')))),
  tlv(0x30, oid('2a8648ce3d040302')),
  tlv(0x04, Buffer.alloc(8)),
);
const skeleton = tlv(
  0x30,
  oid('2a864886f70d010702'),
  tlv(
    0xa0,
    tlv(
      0x30,
      tlv(0x02, Buffer.from([1])),
      tlv(0x31, tlv(0x30, oid('608648016503040201'))),
      tlv(0x30, oid('2a864886f70d010701')),
      tlv(0x31, signerInfo),
    ),
  ),
);

describe('malformed input to signature creation', () => {
  it('parses a well-formed SignedData skeleton', () => {
    assert.equal(parseSignedData(skeleton).signerInfos.length, 1);
  });

  it('refuses truncated, garbage, indefinite-length, trailing-byte and oversized CMS with typed errors', async () => {
    const cases = [
      skeleton.subarray(0, skeleton.length - 5),
      Buffer.from('%PDF-1.7 not a CMS at all '.repeat(8)),
      Buffer.from([0x30, 0x80, 0x00, 0x00]),
      Buffer.concat([skeleton, Buffer.from([0])]),
      Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
      Buffer.alloc(0),
    ];
    for (const bytes of cases) {
      assert.throws(
        () => parseSignedData(bytes),
        isAdesError('SHOMEI_ADES_MALFORMED'),
        bytes.toString('hex').slice(0, 20),
      );
    }
    assert.throws(
      () => parseSignedData(Buffer.alloc(17 * 1024 * 1024)),
      isAdesError('SHOMEI_ADES_INPUT_TOO_LARGE'),
    );
    await assert.rejects(
      readCadesSignature(Buffer.from('garbage '.repeat(8))),
      isAdesError('SHOMEI_ADES_MALFORMED'),
    );
  });

  it('refuses a timestamp token that is not one, or is for another imprint', () => {
    const digest = createHash('sha256').update('x').digest();
    assert.throws(
      () => checkTimestampToken(Buffer.from('not a token '.repeat(8)), digest, 'SHA-256'),
      isAdesError('SHOMEI_ADES_TIMESTAMP_FAILED'),
    );
    // SignedData whose content is id-data, not a TSTInfo.
    assert.throws(
      () => checkTimestampToken(skeleton, digest, 'SHA-256'),
      isAdesError('SHOMEI_ADES_TIMESTAMP_FAILED'),
    );
  });

  it('refuses signing states that are not ours', () => {
    for (const bad of [undefined, null, 42, 'x'.repeat(2 * 1024 * 1024), '[]', { format: 'other' }]) {
      assert.throws(() => readSigningState(bad), isAdesError('SHOMEI_ADES_STATE_INVALID'));
      assert.throws(() => readPdfSigningState(bad), isAdesError('SHOMEI_ADES_STATE_INVALID'));
    }
  });
});
