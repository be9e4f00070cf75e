/**
 * Timestamps for signatures: the port through which ades asks any RFC 3161 TSA for a token, and
 * the checks applied to what comes back (a token is one SignedData over a TSTInfo whose message
 * imprint is exactly the digest we asked about).
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { TSTInfo } from '@peculiar/asn1-tsp';
import { DIGEST_OID, type DigestAlgorithm } from '../crypto/index.ts';
import { children, readOid, readSingle, timestampFailed } from './errors.ts';
import { ADES_OID } from './oids.ts';
import { attributeValues, parseSignedData, type SignedDataParts, soleSigner } from './signed-data.ts';

/** Anything that turns a digest into an RFC 3161 TimeStampToken (a DER ContentInfo). */
export interface TimestampAuthority {
  timestamp(digest: Uint8Array, digestAlgorithm: DigestAlgorithm): Promise<Uint8Array>;
}

export interface CheckedTimestampToken {
  readonly der: Buffer;
  readonly parts: SignedDataParts;
  readonly genTime: Date;
  /** DER certificates carried in the token (the TSA certificate when certReq was set). */
  readonly certificates: readonly Buffer[];
}

/** Asks the TSA and checks the answer; any failure is SHOMEI_ADES_TIMESTAMP_FAILED. */
export async function requestTimestamp(
  tsa: TimestampAuthority,
  digest: Uint8Array,
  digestAlgorithm: DigestAlgorithm,
): Promise<CheckedTimestampToken> {
  let token: Uint8Array;
  try {
    token = await tsa.timestamp(digest, digestAlgorithm);
  } catch (error) {
    throw timestampFailed('the TSA did not answer with a token', error);
  }
  return checkTimestampToken(token, digest, digestAlgorithm);
}

/** genTime of the signature-time-stamp inside a CMS signature, when it has one. */
export function signatureTimestampTime(cms: Uint8Array): Date | undefined {
  const [token] = attributeValues(
    soleSigner(parseSignedData(cms)).unsignedAttributes,
    ADES_OID.signatureTimeStampToken,
  );
  if (token === undefined) return undefined;
  const parts = parseSignedData(token, 'timestamp token');
  const [, explicit] = children(readSingle(parts.encapContentInfo, 'timestamp token'), 'timestamp token');
  const [octets] = explicit === undefined ? [] : children(explicit, 'timestamp token');
  if (octets?.tag !== 0x04) return undefined;
  return AsnConvert.parse(new Uint8Array(octets.value), TSTInfo).genTime;
}

export function checkTimestampToken(
  token: Uint8Array,
  digest: Uint8Array,
  digestAlgorithm: DigestAlgorithm,
): CheckedTimestampToken {
  let parts: SignedDataParts;
  let info: TSTInfo;
  try {
    parts = parseSignedData(token, 'timestamp token');
    const [eContentType, explicit] = children(readSingle(parts.encapContentInfo, 'timestamp token'), 'token');
    if (
      eContentType === undefined ||
      readOid(eContentType, 'token') !== ADES_OID.tstInfo ||
      explicit === undefined
    ) {
      throw timestampFailed('the token does not hold a TSTInfo');
    }
    const [octets] = children(explicit, 'timestamp token');
    if (octets?.tag !== 0x04) throw timestampFailed('the token does not hold a TSTInfo');
    info = AsnConvert.parse(new Uint8Array(octets.value), TSTInfo);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'SHOMEI_ADES_TIMESTAMP_FAILED')
      throw error;
    throw timestampFailed('the token is malformed', error);
  }
  const imprint = info.messageImprint;
  if (
    imprint.hashAlgorithm.algorithm !== DIGEST_OID[digestAlgorithm] ||
    !Buffer.from(imprint.hashedMessage.buffer).equals(Buffer.from(digest))
  ) {
    throw timestampFailed('the token is for another message imprint');
  }
  return {
    der: Buffer.from(token),
    parts,
    genTime: info.genTime,
    certificates: parts.certificates.filter((c) => c[0] === 0x30),
  };
}
