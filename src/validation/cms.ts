/**
 * Reading a CMS SignedData for validation: the one SignerInfo, its exact signed-attributes bytes
 * (the signature covers their original encoding, so they are taken from the input, not re-encoded),
 * the certificates and revocation values it carries, and the attributes validation needs.
 */

import { ContentInfo, SignedData, type SignerInfo } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';
import { isShomeiError } from '../errors/index.ts';
import {
  berChildren,
  type DerElement,
  decodeAs,
  OID,
  type ParsedCertificate,
  serialHex,
} from '../pki/index.ts';
import { unusableInput } from './errors.ts';
import { parseCertificateOnce } from './facts.ts';

export const MAX_CMS_BYTES = 16 * 1024 * 1024;
const MAX_CERTIFICATES = 256;
const MAX_REVOCATION_VALUES = 256;

export const CMS_OID = {
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  archiveTimestampV3: '0.4.0.1733.2.4',
  atsHashIndexV3: '0.4.0.19122.1.5',
  revocationValues: '1.2.840.113549.1.9.16.2.24',
  adbeRevocationInfoArchival: '1.2.840.113583.1.1.8',
  riOcspResponse: '1.3.6.1.5.5.7.16.2',
} as const;

export type HashName = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const HASH_NAMES: Record<string, HashName> = {
  [OID.sha1]: 'sha1',
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};

/** node:crypto's name for a digest algorithm OID (undefined for anything else). */
export const hashNameOf = (oid: string): HashName | undefined => HASH_NAMES[oid];

export interface ParsedCms {
  readonly der: Buffer;
  readonly signedData: SignedData;
  readonly signerInfo: SignerInfo;
  /** The signed attributes as a DER SET (tag 0x31), exactly as encoded; undefined without attributes. */
  readonly signedAttributes: Buffer | undefined;
  readonly eContentType: string;
  readonly eContent: Buffer | undefined;
  readonly certificates: readonly ParsedCertificate[];
  /** CRLs (DER) from the SignedData crls field. */
  readonly crls: readonly Buffer[];
  /** OCSP responses (DER) from the crls field (RFC 5940 other format). */
  readonly ocspResponses: readonly Buffer[];
  readonly digestAlgorithm: HashName | undefined;
  readonly digestAlgorithmOid: string;
}

/** Turns any failure of the ASN.1 libraries into one typed error (hostile input must not escape as a crash). */
export function guarded<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isShomeiError(error)) throw unusableInput(`${what}: ${error.messages.en}`, { code: error.code });
    throw unusableInput(`${what}: not valid DER`);
  }
}

function rawChildren(element: asn1js.AsnType): asn1js.AsnType[] {
  const block = (element as asn1js.Constructed).valueBlock as { value?: asn1js.AsnType[] };
  return Array.isArray(block.value) ? block.value : [];
}

const bytesOf = (element: asn1js.AsnType): Buffer => Buffer.from(element.valueBeforeDecodeView);

/** A DER SEQUENCE around already-encoded elements. */
function derSequence(elements: readonly Buffer[]): Buffer {
  const body = Buffer.concat(elements);
  const n = body.length;
  const length =
    n < 0x80
      ? Buffer.from([n])
      : Buffer.concat([
          Buffer.from([0x80 | Math.ceil(n.toString(16).length / 2)]),
          Buffer.from(n.toString(16).padStart(Math.ceil(n.toString(16).length / 2) * 2, '0'), 'hex'),
        ]);
  return Buffer.concat([Buffer.from([0x30]), length, body]);
}

/** The context-specific class ([n] tags), as asn1js's tagClass 3. */
const isTagged = (e: DerElement): boolean => (e.tag & 0xc0) === 0x80;
const tagNumber = (e: DerElement): number => e.tag & 0x1f;
const isUniversal = (e: DerElement, n: number): boolean => (e.tag & 0xc0) === 0 && tagNumber(e) === n;

/** True when asn1js reads `bytes` as BER all the way down (what the whole-SignedData parse checked). */
const wellFormed = (bytes: Uint8Array): boolean => asn1js.fromBER(new Uint8Array(bytes)).offset !== -1;

/** The elements inside a field; a primitive one has none, a constructed one that does not tile is refused. */
function childrenOf(element: DerElement, what: string): DerElement[] {
  if ((element.tag & 0x20) === 0) return [];
  const children = berChildren(element.raw);
  if (children === undefined) throw unusableInput(`${what}: not valid BER`);
  return children;
}

/**
 * The fields of a SignedData, found from the headers (DER or BER); end-of-contents markers are not
 * fields. What is inside each field is checked by its own decoder: the untagged ones by the schema
 * decoder, certificates by their parse (and asn1js when that fails), the rest by asn1js below.
 */
function signedDataFields(signedDataDer: Uint8Array, what: string): DerElement[] {
  const fields = berChildren(signedDataDer)?.filter((f) => !isUniversal(f, 0));
  if (fields === undefined) throw unusableInput(`${what}: not valid BER`);
  for (const field of fields) {
    if (isTagged(field) && tagNumber(field) !== 0 && tagNumber(field) !== 1 && !wellFormed(field.raw))
      throw unusableInput(`${what}: not valid BER`);
  }
  return fields;
}

/** The signed attributes of the one SignerInfo as a DER SET, exactly as encoded. */
function signedAttributesOf(fields: readonly DerElement[], what: string): Buffer | undefined {
  const signerInfos = [...fields].reverse().find((f) => isUniversal(f, 17));
  const signer = signerInfos === undefined ? undefined : childrenOf(signerInfos, what)[0];
  const attrs = signer === undefined ? undefined : childrenOf(signer, what).find(isTagged);
  if (attrs === undefined || tagNumber(attrs) !== 0) return undefined;
  const bytes = Buffer.from(attrs.raw);
  bytes[0] = 0x31;
  return bytes;
}

/**
 * The certificates carried, parsed (with a cache). An unreadable extra one is ignored, as before;
 * one that is not even BER refuses the whole CMS, as the whole-SignedData parse did.
 */
function carriedCertificates(encoded: readonly Buffer[], what: string): ParsedCertificate[] {
  const certificates: ParsedCertificate[] = [];
  for (const bytes of encoded) {
    try {
      if (bytes[0] === 0x30) {
        certificates.push(parseCertificateOnce(bytes));
        continue;
      }
    } catch {
      // Ignored below unless it is not BER at all.
    }
    if (!wellFormed(bytes)) throw unusableInput(`${what}: not valid BER`);
  }
  return certificates;
}

export function parseCms(input: Uint8Array, what = 'CMS signature'): ParsedCms {
  if (input.length > MAX_CMS_BYTES) throw unusableInput(`${what} larger than ${MAX_CMS_BYTES} bytes`);
  const der = Buffer.from(input);
  return guarded(what, () => {
    const contentInfo = decodeAs(der, ContentInfo, what);
    if (contentInfo.contentType !== OID.signedData) throw unusableInput(`${what} is not SignedData`);
    // The fields from their headers: a whole asn1js parse of the SignedData here only to cut it into
    // fields read every byte once more (a B-LTA signature's timestamp token and certificates), cold.
    const fields = signedDataFields(new Uint8Array(contentInfo.content), what);
    // @peculiar/asn1-cms models only the "other" RevocationInfoChoice, so a plain CRL in the crls
    // field fails its decoding; the field is read here with asn1js and left out for the decoder.
    // The certificates are parsed one by one below (with a cache), so the schema decoder skips them too.
    const withoutCrls = fields.filter((f) => !isTagged(f)).map((f) => Buffer.from(f.raw));
    const signedData = decodeAs(derSequence(withoutCrls), SignedData, what);
    if (signedData.signerInfos.length !== 1) {
      throw unusableInput(`${what} has ${signedData.signerInfos.length} signers; exactly one is expected`);
    }
    const signerInfo = signedData.signerInfos[0]!;
    const certificateBytes: Buffer[] = [];
    const revocationBytes: asn1js.AsnType[] = [];
    for (const field of fields.filter(isTagged)) {
      if (tagNumber(field) === 0)
        for (const c of childrenOf(field, what)) certificateBytes.push(Buffer.from(c.raw));
      if (tagNumber(field) === 1)
        for (const r of childrenOf(field, what)) {
          const parsed = asn1js.fromBER(new Uint8Array(r.raw));
          if (parsed.offset === -1) throw unusableInput(`${what}: not valid BER`);
          revocationBytes.push(parsed.result);
        }
    }
    const signedAttributes = signedAttributesOf(fields, what);
    if (certificateBytes.length > MAX_CERTIFICATES || revocationBytes.length > MAX_REVOCATION_VALUES) {
      throw unusableInput(`${what} carries too many certificates or revocation values`);
    }
    const certificates = carriedCertificates(certificateBytes, what);
    const crls: Buffer[] = [];
    const ocspResponses: Buffer[] = [];
    for (const element of revocationBytes) {
      if (element.idBlock.tagClass === 1 && element.idBlock.tagNumber === 16) crls.push(bytesOf(element));
      else if (element.idBlock.tagClass === 3 && element.idBlock.tagNumber === 1) {
        const [format, value] = rawChildren(element);
        if (
          format instanceof asn1js.ObjectIdentifier &&
          format.valueBlock.toString() === CMS_OID.riOcspResponse
        ) {
          if (value !== undefined) ocspResponses.push(bytesOf(value));
        }
      }
    }
    const eContent = signedData.encapContentInfo.eContent?.single;
    const digestAlgorithmOid = signerInfo.digestAlgorithm.algorithm;
    return {
      der,
      signedData,
      signerInfo,
      signedAttributes,
      eContentType: signedData.encapContentInfo.eContentType,
      eContent: eContent === undefined ? undefined : Buffer.from(eContent.buffer),
      certificates,
      crls,
      ocspResponses,
      digestAlgorithm: hashNameOf(digestAlgorithmOid),
      digestAlgorithmOid,
    };
  });
}

/** The values of an attribute (each DER), signed or unsigned. */
export function attributeValues(
  attributes: SignerInfo['signedAttrs'] | SignerInfo['unsignedAttrs'],
  oid: string,
): Buffer[] {
  return (attributes ?? [])
    .filter((a) => a.attrType === oid)
    .flatMap((a) => a.attrValues.map((v) => Buffer.from(v)));
}

/** signingTime (RFC 5652 §11.3), when present and readable. */
export function signingTimeOf(info: SignerInfo): Date | undefined {
  const [value] = attributeValues(info.signedAttrs, OID.signingTime);
  if (value === undefined) return undefined;
  try {
    const parsed = asn1js.fromBER(new Uint8Array(value)).result;
    if (parsed instanceof asn1js.UTCTime || parsed instanceof asn1js.GeneralizedTime) return parsed.toDate();
  } catch {
    return undefined;
  }
  return undefined;
}

/** The message-digest attribute value. */
export function messageDigestOf(info: SignerInfo): Buffer | undefined {
  const [value] = attributeValues(info.signedAttrs, OID.messageDigest);
  if (value === undefined) return undefined;
  try {
    const parsed = asn1js.fromBER(new Uint8Array(value)).result;
    return parsed instanceof asn1js.OctetString ? Buffer.from(parsed.valueBlock.valueHexView) : undefined;
  } catch {
    return undefined;
  }
}

export interface SigningCertificateReference {
  readonly hashAlgorithm: HashName;
  readonly hash: Buffer;
  /** Serial number (hex) of the issuerSerial, when present. */
  readonly serialNumber: string | undefined;
}

/**
 * The first ESSCertIDv2 of signing-certificate-v2 (RFC 5035) or ESSCertID of signing-certificate
 * (RFC 2634). No installed @peculiar package models ESS, so it is read with asn1js.
 */
export function signingCertificateReference(
  info: SignerInfo,
): SigningCertificateReference | undefined | 'malformed' {
  const [v2] = attributeValues(info.signedAttrs, OID.signingCertificateV2);
  const [v1] = attributeValues(info.signedAttrs, OID.signingCertificate);
  const value = v2 ?? v1;
  if (value === undefined) return undefined;
  try {
    const outer = asn1js.fromBER(new Uint8Array(value)).result;
    const first = rawChildren(rawChildren(outer)[0]!)[0];
    if (first === undefined) return 'malformed';
    const items = rawChildren(first);
    let index = 0;
    let hashAlgorithm: SigningCertificateReference['hashAlgorithm'] = v2 ? 'sha256' : 'sha1';
    if (v2 && items[0] instanceof asn1js.Sequence) {
      const oid = rawChildren(items[0])[0];
      const name = oid instanceof asn1js.ObjectIdentifier ? hashNameOf(oid.valueBlock.toString()) : undefined;
      if (name === undefined) return 'malformed';
      hashAlgorithm = name;
      index = 1;
    }
    const hash = items[index];
    if (!(hash instanceof asn1js.OctetString)) return 'malformed';
    const issuerSerial = items[index + 1];
    const serial = issuerSerial === undefined ? undefined : rawChildren(issuerSerial)[1];
    return {
      hashAlgorithm,
      hash: Buffer.from(hash.valueBlock.valueHexView),
      serialNumber: serial instanceof asn1js.Integer ? serialHex(serial.valueBlock.valueHexView) : undefined,
    };
  } catch {
    return 'malformed';
  }
}

/** OCSP responses and CRLs of the Adobe revocation archival attribute (adbe-revocationInfoArchival). */
export function adobeRevocationValues(info: SignerInfo): { crls: Buffer[]; ocspResponses: Buffer[] } {
  const crls: Buffer[] = [];
  const ocspResponses: Buffer[] = [];
  for (const value of attributeValues(info.signedAttrs, CMS_OID.adbeRevocationInfoArchival)) {
    try {
      const outer = asn1js.fromBER(new Uint8Array(value)).result;
      for (const tagged of rawChildren(outer)) {
        const target =
          tagged.idBlock.tagNumber === 0 ? crls : tagged.idBlock.tagNumber === 1 ? ocspResponses : undefined;
        for (const item of rawChildren(tagged)) target?.push(bytesOf(item));
      }
    } catch {
      // Unreadable archival data is simply not used.
    }
  }
  return { crls, ocspResponses };
}

export const encodeDer = (value: object): Buffer => Buffer.from(AsnConvert.serialize(value));
