/** Building the TimeStampToken: SignedData over a TSTInfo, signed attributes signed in the HSM. */

import { Accuracy, type MessageImprint, TSTInfo } from '@peculiar/asn1-tsp';
import { DIGEST_OID, type DigestAlgorithm, type DigestSigner } from '../crypto/index.ts';
import { withoutUndefined } from '../objects/index.ts';
import {
  type CertificateParts,
  derOid,
  digest,
  encode,
  OID,
  signingAlgorithm,
  signingCertificateV2Der,
  signTbs,
  tlv,
} from '../pki/index.ts';

export interface TokenContent {
  readonly policy: string;
  readonly messageImprint: MessageImprint;
  readonly serialNumber: bigint;
  readonly genTime: Date;
  readonly accuracyMillis: number;
  readonly nonce?: ArrayBuffer | undefined;
}

export function integerBytes(value: bigint): ArrayBuffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) >= 0x80) hex = `00${hex}`;
  return new Uint8Array(Buffer.from(hex, 'hex')).buffer;
}

function accuracy(millis: number): Accuracy {
  const seconds = Math.floor(millis / 1000);
  const rest = millis % 1000;
  return new Accuracy({ ...(seconds > 0 ? { seconds } : {}), ...(rest > 0 ? { millis: rest } : {}) });
}

/**
 * Attribute ::= SEQUENCE { attrType OID, attrValues SET OF value } with one value, written as DER
 * (one element needs no SET OF sorting): the same bytes the schema classes wrote, without their
 * generic encoder, which was cold in every `shomei sign` (ADR 051).
 */
function attribute(type: string, valueDer: Uint8Array): Buffer {
  return tlv(0x30, derOid(type), tlv(0x31, valueDer));
}

/**
 * What stays the same for every token of one TSA unit, encoded once. The token is then assembled
 * from these DER pieces and the few per-token parts: serialising the whole SignedData (with the
 * certificate) through the schema classes for every token cost several times the HSM signature
 * (measured with bench/tsa.ts). The signer identifier and the ESS attribute copy the certificate's
 * issuer and serial number as stored (the DER walker's parts, no whole parse: ADR 051).
 */
export interface TokenSigner {
  readonly signer: DigestSigner;
  readonly certificate: CertificateParts;
  readonly digestAlgorithm: DigestAlgorithm;
  readonly parts: {
    readonly digestAlgorithm: Buffer;
    readonly certificates: Buffer;
    readonly signerIdentifier: Buffer;
    readonly signatureAlgorithm: Buffer;
    readonly contentTypeAttribute: Buffer;
    readonly essAttribute: Buffer;
  };
}

export function tokenSigner(
  signer: DigestSigner,
  certificate: CertificateParts,
  digestAlgorithm: DigestAlgorithm,
  /** CA certificates above the TSA's: a relying party (pyHanko adding B-LTA) needs the chain in the token. */
  chain: readonly Uint8Array[] = [],
): TokenSigner {
  return {
    signer,
    certificate,
    digestAlgorithm,
    parts: {
      // RFC 5754: the parameters of SHA-2 identifiers are absent.
      digestAlgorithm: tlv(0x30, derOid(DIGEST_OID[digestAlgorithm])),
      // certificates [0] IMPLICIT CertificateSet
      certificates: tlv(0xa0, certificate.der, ...chain),
      // IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber CertificateSerialNumber }
      signerIdentifier: tlv(0x30, certificate.issuer.raw, certificate.serialNumber.raw),
      signatureAlgorithm: encode(signingAlgorithm(signer, { digestAlgorithm })),
      contentTypeAttribute: attribute(OID.contentType, derOid(OID.tstInfo)),
      essAttribute: attribute(OID.signingCertificateV2, signingCertificateV2Der(certificate)),
    },
  };
}

const INTEGER_1 = Buffer.from([0x02, 0x01, 0x01]);
const INTEGER_3 = Buffer.from([0x02, 0x01, 0x03]);
const SIGNED_DATA_OID = derOid(OID.signedData);
const TST_INFO_OID = derOid(OID.tstInfo);

export async function buildTimestampToken(params: {
  readonly content: TokenContent;
  readonly unit: TokenSigner;
  readonly includeCertificate: boolean;
}): Promise<{ token: Buffer; tstInfo: Buffer }> {
  const { signer, digestAlgorithm, parts } = params.unit;
  const { content } = params;
  // asn1-schema's constructor types forbid an explicit undefined (the serialiser skips it alike).
  const info = new TSTInfo(
    withoutUndefined({
      version: 1,
      policy: content.policy,
      messageImprint: content.messageImprint,
      serialNumber: integerBytes(content.serialNumber),
      genTime: content.genTime,
      accuracy: accuracy(content.accuracyMillis),
      ordering: false,
      nonce: content.nonce,
    }),
  );
  const tstInfo = encode(info);
  const messageDigest = attribute(OID.messageDigest, tlv(0x04, digest(digestAlgorithm, tstInfo)));
  // DER SET OF: elements in the order of their encodings (X.690 11.6).
  const attributes = [parts.contentTypeAttribute, messageDigest, parts.essAttribute].sort(Buffer.compare);
  const signed = await signTbs(tlv(0x31, ...attributes), signer, { digestAlgorithm });
  const signerInfo = tlv(
    0x30,
    INTEGER_1,
    parts.signerIdentifier,
    parts.digestAlgorithm,
    tlv(0xa0, ...attributes),
    parts.signatureAlgorithm,
    tlv(0x04, signed.signature),
  );
  const encapsulated = tlv(0x30, TST_INFO_OID, tlv(0xa0, tlv(0x04, tstInfo)));
  const signedData = tlv(
    0x30,
    INTEGER_3,
    tlv(0x31, parts.digestAlgorithm),
    encapsulated,
    ...(params.includeCertificate ? [parts.certificates] : []),
    tlv(0x31, signerInfo),
  );
  return { token: tlv(0x30, SIGNED_DATA_OID, tlv(0xa0, signedData)), tstInfo };
}

/** Nonce bytes as a positive DER INTEGER value (a fresh copy, with a leading zero when the top bit is set). */
export function positiveInteger(bytes: Uint8Array): ArrayBuffer {
  const copy = (bytes[0] ?? 0) & 0x80 ? new Uint8Array([0, ...bytes]) : new Uint8Array(bytes);
  return copy.buffer;
}

const GRANTED_STATUS = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]);

/**
 * TimeStampResp ::= SEQUENCE { status PKIStatusInfo (granted), timeStampToken } assembled from the
 * token bytes directly: re-parsing the token just to re-encode it would double the work per reply.
 */
export function grantedReply(token: Buffer): Buffer {
  return tlv(0x30, GRANTED_STATUS, token);
}
