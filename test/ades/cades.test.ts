import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as asn1js from 'asn1js';
import {
  checkTimestampToken,
  renewCadesArchiveTimestamp,
  type SignatureLevel,
  signCades,
} from '../../src/ades/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import type { openTestShomei } from '../helpers/home.ts';
import { type EmbeddedFixture, embeddedFixture } from './embedded.ts';
import { signatureTimestampToken, unsignedAttributes } from './tokens.ts';
import { opensslCmsVerify, opensslTsVerify } from './validators.ts';

const ARCHIVE_TIMESTAMP_V3 = '0.4.0.1733.2.4';
const ATS_HASH_INDEX_V3 = '0.4.0.19122.1.5';
const OCSP_RESPONSE_RI = '1.3.6.1.5.5.7.16.2';

let shomei: Awaited<ReturnType<typeof openTestShomei>>;
let embedded: EmbeddedFixture;
let input: string;

before(async () => {
  embedded = await embeddedFixture();
  shomei = embedded.shomei;
  input = path.join(shomei.home, '見積書.xlsx');
  writeFileSync(input, Buffer.concat([Buffer.from('PK\x03\x04'), createHash('sha512').update('x').digest()]));
});
after(async () => embedded.close());

async function sign(level: SignatureLevel): Promise<{ output: string; cms: Buffer }> {
  const output = path.join(shomei.home, `file-${level}.p7s`);
  await signCades({
    input,
    output,
    signer: embedded.signer,
    signerCertificate: embedded.certificateChain[0]!,
    certificateChain: embedded.certificateChain.slice(1),
    level,
    tsa: embedded.tsa,
    revocationSource: embedded.revocationSource,
  });
  return { output, cms: readFileSync(output) };
}

/** Raw children of a constructed asn1js element, as encoded. */
function raw(element: asn1js.AsnType): Buffer {
  return Buffer.from((element as asn1js.BaseBlock).valueBeforeDecodeView);
}

/**
 * ETSI EN 319 122-1 5.5.2/5.5.3 read independently of src/ades: the ATSHashIndexV3 and message
 * imprint that the last archive-time-stamp-v3 must have been requested over.
 */
function expectedArchiveImprint(
  cms: Buffer,
  content: Buffer,
): { imprint: string; index: Buffer; token: Buffer } {
  const contentInfo = asn1js.fromBER(new Uint8Array(cms)).result as asn1js.Sequence;
  const signedData = (contentInfo.valueBlock.value[1] as asn1js.Constructed).valueBlock
    .value[0] as asn1js.Sequence;
  const fields = signedData.valueBlock.value;
  const encap = fields[2] as asn1js.Sequence;
  const tagged = (n: number) =>
    fields.find((f) => f.idBlock.tagClass === 3 && f.idBlock.tagNumber === n) as
      | asn1js.Constructed
      | undefined;
  const certificates = tagged(0)?.valueBlock.value ?? [];
  const crls = tagged(1)?.valueBlock.value ?? [];
  const signerInfo = (fields[fields.length - 1] as asn1js.Set).valueBlock.value[0] as asn1js.Sequence;
  const signerFields = signerInfo.valueBlock.value;
  const unsigned = (signerFields[signerFields.length - 1] as asn1js.Constructed).valueBlock.value;
  const before = unsigned.slice(0, -1); // the state when the last archive timestamp was requested
  const last = unsigned[unsigned.length - 1] as asn1js.Sequence;
  assert.equal(
    (last.valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString(),
    ARCHIVE_TIMESTAMP_V3,
  );
  const token = raw((last.valueBlock.value[1] as asn1js.Set).valueBlock.value[0]!);
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest();
  const octets = (items: Buffer[]) =>
    new asn1js.Sequence({ value: items.map((h) => new asn1js.OctetString({ valueHex: h })) });
  const attributeInputs: Buffer[] = [];
  for (const attribute of before) {
    const [type, values] = (attribute as asn1js.Sequence).valueBlock.value;
    for (const value of (values as asn1js.Set).valueBlock.value)
      attributeInputs.push(Buffer.concat([raw(type!), raw(value)]));
  }
  const index = Buffer.from(
    new asn1js.Sequence({
      value: [
        new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '2.16.840.1.101.3.4.2.1' })] }),
        octets(certificates.map((c) => sha(raw(c)))),
        octets(crls.map((c) => sha(raw(c)))),
        octets(attributeInputs.map(sha)),
      ],
    }).toBER(),
  );
  const input = Buffer.concat([
    raw(encap.valueBlock.value[0]!),
    sha(content),
    ...signerFields.slice(0, 6).map(raw),
    index,
  ]);
  return { imprint: sha(input).toString('hex'), index, token };
}

describe('CAdES detached signatures', () => {
  for (const level of ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const) {
    it(`${level}: openssl cms verifies the detached signature and its chain`, async () => {
      const { output, cms } = await sign(level);
      const verified = opensslCmsVerify(output, input, embedded.rootPemPath);
      assert.equal(verified.status, 0, verified.output);
      const attributes = unsignedAttributes(cms);
      if (level === 'B-B') {
        assert.deepEqual(attributes, []);
        return;
      }
      const stamped = signatureTimestampToken(cms)!;
      const tokenPath = `${output}.sig.tst`;
      writeFileSync(tokenPath, stamped.token);
      const digest = createHash('sha256').update(stamped.signatureValue).digest('hex');
      const ts = opensslTsVerify(tokenPath, { digest }, embedded.rootPemPath, embedded.tsaChainPemPath);
      assert.equal(ts.status, 0, ts.output);
      if (level === 'B-T') return;
      for (const certificate of [...embedded.certificateChain, ...embedded.tsaCertificates]) {
        assert.ok(cms.includes(certificate), 'every certificate of the signer and TSA chains is embedded');
      }
      const ocspOid = Buffer.from(new asn1js.ObjectIdentifier({ value: OCSP_RESPONSE_RI }).toBER());
      assert.ok(cms.includes(ocspOid), 'an OCSP response as id-ri-ocsp-response');
      if (level === 'B-LT') return;
      const expected = expectedArchiveImprint(cms, readFileSync(input));
      const atsTokenPath = `${output}.ats.tst`;
      writeFileSync(atsTokenPath, expected.token);
      const ats = opensslTsVerify(
        atsTokenPath,
        { digest: expected.imprint },
        embedded.rootPemPath,
        embedded.tsaChainPemPath,
      );
      assert.equal(ats.status, 0, ats.output);
      const indexInToken = unsignedAttributes(expected.token).find((a) => a.type === ATS_HASH_INDEX_V3);
      assert.ok(indexInToken, 'ats-hash-index-v3 in the archive timestamp token');
      assert.ok(
        indexInToken.values[0]!.equals(expected.index),
        'the hash index matches an independent computation',
      );
    });
  }

  it('archive renewal adds a second archive-time-stamp-v3 that covers the first', async () => {
    const { cms } = await sign('B-LTA');
    const renewed = await renewCadesArchiveTimestamp({
      signature: cms,
      content: input,
      tsa: embedded.tsa,
      revocationSource: embedded.revocationSource,
    });
    const output = path.join(shomei.home, 'renewed.p7s');
    writeFileSync(output, renewed);
    assert.equal(opensslCmsVerify(output, input, embedded.rootPemPath).status, 0);
    const archives = unsignedAttributes(renewed).filter((a) => a.type === ARCHIVE_TIMESTAMP_V3);
    assert.equal(archives.length, 2);
    const expected = expectedArchiveImprint(renewed, readFileSync(input));
    const tokenPath = `${output}.ats2.tst`;
    writeFileSync(tokenPath, expected.token);
    const ats = opensslTsVerify(
      tokenPath,
      { digest: expected.imprint },
      embedded.rootPemPath,
      embedded.tsaChainPemPath,
    );
    assert.equal(ats.status, 0, ats.output);
  });

  it('a TSA answer for another imprint is refused with a typed error', async () => {
    const asked = createHash('sha256').update('asked').digest();
    const other = createHash('sha256').update('other').digest();
    const token = await embedded.tsa.timestamp(other, 'SHA-256');
    assert.throws(
      () => checkTimestampToken(token, asked, 'SHA-256'),
      (e) => isShomeiError(e) && e.code === 'SHOMEI_ADES_TIMESTAMP_FAILED',
    );
    assert.equal(checkTimestampToken(token, other, 'SHA-256').der.length, token.length);
  });

  it('a changed file no longer verifies', async () => {
    const { output } = await sign('B-T');
    const changed = path.join(shomei.home, 'changed.xlsx');
    const bytes = readFileSync(input);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    writeFileSync(changed, bytes);
    assert.notEqual(opensslCmsVerify(output, changed, embedded.rootPemPath).status, 0);
  });

  it('a missing input gives a typed error and no output file', async () => {
    const output = path.join(shomei.home, 'missing.p7s');
    await assert.rejects(
      signCades({
        input: path.join(shomei.home, 'does-not-exist.bin'),
        output,
        signer: embedded.signer,
        signerCertificate: embedded.certificateChain[0]!,
        certificateChain: [],
        level: 'B-B',
      }),
      (e) => isShomeiError(e) && e.code === 'SHOMEI_ADES_INPUT_UNREADABLE',
    );
    assert.equal(existsSync(output), false);
  });
});
