/**
 * The signed attributes of a baseline signature (ETSI EN 319 122-1 5.2): content-type,
 * message-digest, signing-certificate-v2, and for CAdES optionally signing-time; optionally a
 * commitment-type-indication. Returned as the DER SET OF that the signature covers.
 */
import { createHash } from 'node:crypto';
import type { DigestAlgorithm } from '../crypto/index.ts';
import { DIGEST_LENGTH } from '../crypto/index.ts';
import { derOid, derSetOf, tlv } from '../pki/index.ts';
import type { CertificateFields } from './certificate-fields.ts';
import { adesMalformed } from './errors.ts';
import { ADES_OID } from './oids.ts';

/** ETSI TS 119 172-1 / EN 319 122-1 5.2.3 commitment types. */
export const COMMITMENT_TYPES = {
  'proof-of-origin': '1.2.840.113549.1.9.16.6.1',
  'proof-of-receipt': '1.2.840.113549.1.9.16.6.2',
  'proof-of-delivery': '1.2.840.113549.1.9.16.6.3',
  'proof-of-sender': '1.2.840.113549.1.9.16.6.4',
  'proof-of-approval': '1.2.840.113549.1.9.16.6.5',
  'proof-of-creation': '1.2.840.113549.1.9.16.6.6',
} as const;
export type CommitmentType = keyof typeof COMMITMENT_TYPES;

export interface SignedAttributeInput {
  readonly contentDigest: Uint8Array;
  readonly digestAlgorithm: DigestAlgorithm;
  readonly signer: CertificateFields;
  /** Only for CAdES: PAdES carries the claimed time in the signature dictionary's /M. */
  readonly signingTime?: Date | undefined;
  readonly commitmentType?: CommitmentType | undefined;
  /** eContentType; id-data unless given. */
  readonly contentType?: string;
}

function attribute(type: string, ...values: Buffer[]): Buffer {
  return tlv(0x30, derOid(type), derSetOf(values));
}

/** RFC 5652 11.3: UTCTime for 1950–2049, GeneralizedTime otherwise; whole seconds, Zulu. */
export function derTime(time: Date): Buffer {
  const iso = time.toISOString();
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = time.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(digits.slice(2), 'latin1'));
  return tlv(0x18, Buffer.from(digits, 'latin1'));
}

/** SigningCertificateV2 with one ESSCertIDv2 (SHA-256, the DEFAULT, so omitted) and its IssuerSerial. */
export function signingCertificateV2(signer: CertificateFields): Buffer {
  const certHash = createHash('sha256').update(signer.der).digest();
  // IssuerSerial.issuer is GeneralNames with one directoryName ([4], explicit because Name is a CHOICE).
  const issuerSerial = tlv(0x30, tlv(0x30, tlv(0xa4, signer.issuer.raw)), signer.serialNumber.raw);
  const essCertIdV2 = tlv(0x30, tlv(0x04, certHash), issuerSerial);
  return tlv(0x30, tlv(0x30, essCertIdV2));
}

/** The DER SET OF signed attributes (tag 0x31), which is what the signer signs. */
export function buildSignedAttributes(input: SignedAttributeInput): Buffer {
  if (input.contentDigest.length !== DIGEST_LENGTH[input.digestAlgorithm]) {
    throw adesMalformed(
      'content digest',
      `length ${input.contentDigest.length} for ${input.digestAlgorithm}`,
    );
  }
  const attributes = [
    attribute(ADES_OID.contentType, derOid(input.contentType ?? ADES_OID.data)),
    attribute(ADES_OID.messageDigest, tlv(0x04, input.contentDigest)),
    attribute(ADES_OID.signingCertificateV2, signingCertificateV2(input.signer)),
  ];
  if (input.signingTime !== undefined) {
    attributes.push(attribute(ADES_OID.signingTime, derTime(input.signingTime)));
  }
  if (input.commitmentType !== undefined) {
    const oid = COMMITMENT_TYPES[input.commitmentType];
    attributes.push(attribute(ADES_OID.commitmentTypeIndication, tlv(0x30, derOid(oid))));
  }
  return derSetOf(attributes);
}
