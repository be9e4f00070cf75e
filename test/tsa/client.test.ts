import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { isShomeiError } from '../../src/errors/index.ts';
import { parseCertificate } from '../../src/pki/index.ts';
import { checkTimestampToken, TsaClient } from '../../src/tsa/index.ts';
import { makePeerPki, type PeerTsa, startPeerTsa } from './peer-tsa.ts';

let peer: PeerTsa;
let unrelatedCaPem: string;
const digest = createHash('sha256').update('契約書 PDF のバイト列').digest();

function rejectsWith(code: string) {
  return (error: unknown) => {
    assert.ok(isShomeiError(error), `expected a ShomeiError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

before(async () => {
  peer = await startPeerTsa();
  unrelatedCaPem = makePeerPki().caPem;
});

after(async () => {
  await peer.close();
});

describe('TSA client against an outside TSA (openssl ts -reply)', () => {
  test('accepts a genuine reply and checks it against the configured trust anchor', async () => {
    peer.mode = 'honest';
    const anchor = parseCertificate(readFileSync(peer.caPem));
    const client = new TsaClient({ url: peer.url, trustAnchors: [anchor] });
    const token = await client.timestampWithDetails(digest, 'SHA-256');
    assert.ok(token.digest.equals(digest));
    assert.equal(token.policy, '1.2.3.4.1');
    assert.ok(token.nonce !== undefined && token.nonce.length > 0);
    assert.equal(token.accuracyMillis, 1000);
    assert.ok(Math.abs(token.genTime.getTime() - Date.now()) < 60_000);
    // The token stands on its own: it can be checked again later from its bytes.
    const again = checkTimestampToken(token.token, {
      digest,
      digestAlgorithm: 'SHA-256',
      trustAnchors: [anchor],
    });
    assert.equal(again.serialNumber, token.serialNumber);
  });

  test('refuses a reply whose imprint is not the digest asked about', async () => {
    peer.mode = 'wrong-imprint';
    const client = new TsaClient({ url: peer.url });
    await assert.rejects(client.timestamp(digest, 'SHA-256'), rejectsWith('SHOMEI_TSA_IMPRINT_MISMATCH'));
  });

  test('refuses a reply whose nonce is not the one sent', async () => {
    peer.mode = 'wrong-nonce';
    const client = new TsaClient({ url: peer.url });
    await assert.rejects(client.timestamp(digest, 'SHA-256'), rejectsWith('SHOMEI_TSA_NONCE_MISMATCH'));
  });

  test('refuses a TSA whose certificate does not chain to the trust anchors', async () => {
    peer.mode = 'honest';
    const unrelated = parseCertificate(readFileSync(unrelatedCaPem));
    const stranger = new TsaClient({ url: peer.url, trustAnchors: [unrelated] });
    await assert.rejects(stranger.timestamp(digest, 'SHA-256'), rejectsWith('SHOMEI_TSA_UNTRUSTED'));
  });

  test('refuses an unrequested policy and a genTime outside the tolerance', async () => {
    peer.mode = 'honest';
    const policy = new TsaClient({ url: peer.url, policy: '1.2.3.4.5' });
    const ok = await policy.timestampWithDetails(digest, 'SHA-256');
    assert.equal(ok.policy, '1.2.3.4.5');
    const token = await new TsaClient({ url: peer.url }).timestamp(digest, 'SHA-256');
    assert.throws(
      () =>
        checkTimestampToken(token, {
          digest,
          digestAlgorithm: 'SHA-256',
          now: new Date(Date.now() + 3_600_000),
          toleranceMillis: 60_000,
        }),
      rejectsWith('SHOMEI_TSA_TIME_OUT_OF_TOLERANCE'),
    );
    assert.throws(
      () => checkTimestampToken(token, { digest, digestAlgorithm: 'SHA-256', policy: '1.2.3.4.9' }),
      rejectsWith('SHOMEI_TSA_POLICY_MISMATCH'),
    );
  });

  test('a token whose signed content was altered fails the signature checks', async () => {
    peer.mode = 'honest';
    const token = Buffer.from(await new TsaClient({ url: peer.url }).timestamp(digest, 'SHA-256'));
    // Flip one byte of the genTime inside the TSTInfo ("20…Z" appears once, in the TSTInfo).
    const at = token.indexOf(Buffer.from(`${new Date().getUTCFullYear()}`));
    assert.ok(at > 0);
    token.writeUInt8(token.readUInt8(at + 3) ^ 0x01, at + 3);
    assert.throws(
      () => checkTimestampToken(token, { digest, digestAlgorithm: 'SHA-256' }),
      (error: unknown) =>
        isShomeiError(error) &&
        ['SHOMEI_TSA_SIGNATURE_INVALID', 'SHOMEI_TSA_REPLY_MALFORMED'].includes(error.code),
    );
  });

  test('sends HTTP basic credentials when configured, and reports a refusal without them', async () => {
    peer.mode = 'unauthorised-unless-basic';
    await assert.rejects(
      new TsaClient({ url: peer.url }).timestamp(digest, 'SHA-256'),
      rejectsWith('SHOMEI_TSA_UNREACHABLE'),
    );
    const token = await new TsaClient({ url: peer.url, username: 'tsa-user', password: 's3cret' }).timestamp(
      digest,
      'SHA-256',
    );
    assert.ok(token.length > 0);
    try {
      await new TsaClient({ url: peer.url, username: 'tsa-user', password: 'wrong-password' }).timestamp(
        digest,
        'SHA-256',
      );
      assert.fail('expected a refusal');
    } catch (error) {
      assert.ok(isShomeiError(error));
      assert.doesNotMatch(
        JSON.stringify(error.toJSON()) + error.message,
        /wrong-password/,
        'no secret in the error',
      );
    }
  });

  test('refuses oversized replies, wrong content types, bad URLs and silent servers', async () => {
    peer.mode = 'huge';
    await assert.rejects(
      new TsaClient({ url: peer.url }).timestamp(digest, 'SHA-256'),
      rejectsWith('SHOMEI_TSA_REPLY_TOO_LARGE'),
    );
    peer.mode = 'html';
    await assert.rejects(
      new TsaClient({ url: peer.url }).timestamp(digest, 'SHA-256'),
      rejectsWith('SHOMEI_TSA_REPLY_MALFORMED'),
    );
    assert.throws(() => new TsaClient({ url: 'ftp://tsa.example/' }), rejectsWith('SHOMEI_TSA_UNREACHABLE'));
    assert.throws(
      () => new TsaClient({ url: 'http://user:pw@tsa.example/' }),
      rejectsWith('SHOMEI_TSA_UNREACHABLE'),
    );
    await assert.rejects(
      new TsaClient({ url: peer.url }).timestamp(Buffer.alloc(5), 'SHA-256'),
      rejectsWith('SHOMEI_TSA_REPLY_MALFORMED'),
    );
    const silent = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    assert.ok(address !== null && typeof address === 'object');
    try {
      const client = new TsaClient({ url: `http://127.0.0.1:${address.port}/`, timeoutMillis: 300 });
      await assert.rejects(client.timestamp(digest, 'SHA-256'), rejectsWith('SHOMEI_TSA_UNREACHABLE'));
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  test('garbage instead of a token is a typed error, not a crash', () => {
    for (const bad of [Buffer.alloc(0), Buffer.from([0x30, 0x03, 0x02, 0x01]), Buffer.from('hello')]) {
      assert.throws(
        () => checkTimestampToken(bad, { digest, digestAlgorithm: 'SHA-256' }),
        rejectsWith('SHOMEI_TSA_REPLY_MALFORMED'),
      );
    }
  });
});
