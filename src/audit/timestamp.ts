/**
 * RFC 3161 timestamps for checkpoints and archive manifests, behind a small interface so the audit
 * module does not depend on how the TSA is reached (embedded TSA, remote URL, or none).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ContentInfo, SignedData } from '@peculiar/asn1-cms';
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
}

const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const TST_INFO_OID = '1.2.840.113549.1.9.16.1.4';

/**
 * Parses a token and checks that it timestamps `digest` with SHA-256. Returns its time, or a reason
 * it does not fit. (The TSA's signature is checked by `openssl ts -verify` or the validation module;
 * here the imprint binds the token to the exact bytes.)
 */
export function checkTimestampImprint(
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
    return {
      genTime: tst.genTime.toISOString(),
      serialNumber: Buffer.from(tst.serialNumber).toString('hex'),
      policy: tst.policy,
    };
  } catch {
    return { problem: 'timestamp token is malformed' };
  }
}

export function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}
