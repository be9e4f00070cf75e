/**
 * RFC 3161 timestamps for checkpoints and archive manifests, behind a small interface so the audit
 * module does not depend on how the TSA is reached (embedded TSA, remote URL, or none).
 */
import { createHash, timingSafeEqual, verify, X509Certificate } from 'node:crypto';
import { ContentInfo, SignedData, type SignerInfo } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import { TSTInfo } from '@peculiar/asn1-tsp';

export interface CheckpointTimestamper {
  /** Returns a DER TimeStampToken (CMS ContentInfo) whose message imprint is `digest` (SHA-256). */
  timestamp(digest: Buffer): Promise<Buffer>;
}

export interface TimestampFacts {
  readonly genTime: string;
  readonly serialNumber: string;
  readonly policy: string;
  /** SHA-256 (hex) of the certificate whose key signed the token. */
  readonly tsaCertificateSha256: string;
  readonly tsaSubject: string;
}

const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const TST_INFO_OID = '1.2.840.113549.1.9.16.1.4';

/**
 * Parses a token and checks that it timestamps `digest` with SHA-256 and that its CMS signature
 * verifies with the TSA certificate it carries (requested with certReq). Trust in that TSA
 * certificate is a separate question, answered by `openssl ts -verify` or the validation module;
 * here the token is bound to the exact bytes and cannot be altered unnoticed. Written by hand
 * because node:crypto has no CMS verifier; ASN.1 parsing is @peculiar's.
 */
export function verifyTimestampToken(
  token: Uint8Array,
  digest: Buffer,
): TimestampFacts | { problem: string } {
  try {
    const info = AsnConvert.parse(token, ContentInfo);
    const signed = AsnConvert.parse(info.content, SignedData);
    if (signed.encapContentInfo.eContentType !== TST_INFO_OID) return { problem: 'not a timestamp token' };
    const content = signed.encapContentInfo.eContent;
    const bytes = content?.single?.buffer ?? content?.any;
    if (bytes === undefined) return { problem: 'timestamp token has no content' };
    const tst = AsnConvert.parse(bytes, TSTInfo);
    if (tst.messageImprint.hashAlgorithm.algorithm !== SHA256_OID)
      return { problem: 'imprint is not SHA-256' };
    const imprint = Buffer.from(tst.messageImprint.hashedMessage.buffer);
    if (imprint.length !== digest.length || !timingSafeEqual(imprint, digest)) {
      return { problem: 'timestamp is for other data' };
    }
    if (signed.signerInfos.length !== 1) return { problem: 'timestamp token must have one signer' };
    const signer = verifyTokenSignature(signed, signed.signerInfos[0]!, Buffer.from(bytes));
    if ('problem' in signer) return signer;
    return {
      genTime: tst.genTime.toISOString(),
      serialNumber: Buffer.from(tst.serialNumber).toString('hex'),
      policy: tst.policy,
      tsaCertificateSha256: signer.sha256,
      tsaSubject: signer.subject,
    };
  } catch {
    return { problem: 'timestamp token is malformed' };
  }
}

const MESSAGE_DIGEST_OID = '1.2.840.113549.1.9.4';
const DIGESTS: Record<string, string> = {
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};
const SIGNATURE_DIGESTS: Record<string, string | null> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  // rsaEncryption: the digest is the signer's digestAlgorithm.
  '1.2.840.113549.1.1.1': null,
  '1.2.840.10045.2.1': null,
};

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function verifyTokenSignature(
  signed: SignedData,
  signer: SignerInfo,
  content: Buffer,
): { sha256: string; subject: string } | { problem: string } {
  const digestName = DIGESTS[signer.digestAlgorithm.algorithm];
  if (digestName === undefined || signer.signedAttrs === undefined)
    return { problem: 'unsupported timestamp signature' };
  const messageDigest = signer.signedAttrs.find((a) => a.attrType === MESSAGE_DIGEST_OID)?.attrValues[0];
  const expected = createHash(digestName).update(content).digest();
  if (messageDigest === undefined) return { problem: 'timestamp token has no message digest' };
  // The attribute value is an OCTET STRING: skip its tag and length.
  const valueDer = Buffer.from(messageDigest);
  const actual = valueDer.subarray(valueDer.length - expected.length);
  if (!actual.equals(expected)) return { problem: 'timestamp token content was altered' };
  const attributes = Buffer.concat(signer.signedAttrs.map((a) => Buffer.from(AsnConvert.serialize(a))));
  const signedBytes = Buffer.concat([Buffer.from([0x31]), derLength(attributes.length), attributes]);
  const algorithm = signer.signatureAlgorithm.algorithm;
  if (!(algorithm in SIGNATURE_DIGESTS)) return { problem: 'unsupported timestamp signature algorithm' };
  const hash = SIGNATURE_DIGESTS[algorithm] ?? digestName;
  for (const choice of signed.certificates ?? []) {
    if (choice.certificate === undefined) continue;
    const certificate = new X509Certificate(Buffer.from(AsnConvert.serialize(choice.certificate)));
    if (verify(hash, signedBytes, certificate.publicKey, Buffer.from(signer.signature.buffer))) {
      return {
        sha256: certificate.fingerprint256.replaceAll(':', '').toLowerCase(),
        subject: certificate.subject,
      };
    }
  }
  return { problem: 'timestamp token signature does not verify with its certificate' };
}

export function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}
