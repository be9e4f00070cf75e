/** Building the TimeStampToken: SignedData over a TSTInfo, signed attributes signed in the HSM. */
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  ContentInfo,
  DigestAlgorithmIdentifiers,
  EncapsulatedContent,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
} from '@peculiar/asn1-cms';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Accuracy, type MessageImprint, TSTInfo } from '@peculiar/asn1-tsp';
import { Certificate } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import type { DigestAlgorithm, DigestSigner } from '../crypto/index.ts';
import {
  asn1Element,
  digest,
  digestAlgorithmIdentifier,
  encode,
  OID,
  type ParsedCertificate,
  signTbs,
} from '../pki/index.ts';
import { signingCertificateV2 } from './ess.ts';

export interface TokenContent {
  readonly policy: string;
  readonly messageImprint: MessageImprint;
  readonly serialNumber: bigint;
  readonly genTime: Date;
  readonly accuracyMillis: number;
  readonly nonce?: ArrayBuffer;
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

function attribute(type: string, valueDer: Uint8Array | ArrayBuffer): Attribute {
  return new Attribute({ attrType: type, attrValues: [new Uint8Array(valueDer).slice().buffer] });
}

/** DER SET OF orders its elements by their encodings (X.690 11.6). */
function sortForSet(attributes: Attribute[]): Attribute[] {
  return attributes
    .map((a) => ({ a, der: encode(a) }))
    .sort((x, y) => Buffer.compare(x.der, y.der))
    .map((x) => x.a);
}

export function signedAttributesDer(attributes: readonly Attribute[]): Buffer {
  const set = new asn1js.Set({ value: attributes.map((a) => asn1Element(encode(a), 'attribute')) });
  return Buffer.from(set.toBER());
}

export async function buildTimestampToken(params: {
  readonly content: TokenContent;
  readonly signer: DigestSigner;
  readonly certificate: ParsedCertificate;
  readonly digestAlgorithm: DigestAlgorithm;
  readonly includeCertificate: boolean;
}): Promise<{ token: Buffer; tstInfo: Buffer }> {
  const { content } = params;
  const info = new TSTInfo({
    version: 1,
    policy: content.policy,
    messageImprint: content.messageImprint,
    serialNumber: integerBytes(content.serialNumber),
    genTime: content.genTime,
    accuracy: accuracy(content.accuracyMillis),
    ordering: false,
    ...(content.nonce === undefined ? {} : { nonce: content.nonce }),
  });
  const tstInfo = encode(info);
  const attrs = sortForSet([
    attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: OID.tstInfo }).toBER()),
    attribute(
      OID.messageDigest,
      new asn1js.OctetString({ valueHex: digest(params.digestAlgorithm, tstInfo) }).toBER(),
    ),
    attribute(OID.signingCertificateV2, signingCertificateV2(params.certificate)),
  ]);
  const signed = await signTbs(signedAttributesDer(attrs), params.signer, {
    digestAlgorithm: params.digestAlgorithm,
  });
  const tbs = params.certificate.certificate.tbsCertificate;
  const signerInfo = new SignerInfo({
    version: 1,
    sid: new SignerIdentifier({
      issuerAndSerialNumber: new IssuerAndSerialNumber({
        issuer: tbs.issuer,
        serialNumber: tbs.serialNumber,
      }),
    }),
    digestAlgorithm: digestAlgorithmIdentifier(params.digestAlgorithm),
    signedAttrs: attrs,
    signatureAlgorithm: signed.signatureAlgorithm,
    signature: new OctetString(signed.signature),
  });
  const signedData = new SignedData({
    version: 3,
    digestAlgorithms: new DigestAlgorithmIdentifiers([digestAlgorithmIdentifier(params.digestAlgorithm)]),
    encapContentInfo: new EncapsulatedContentInfo({
      eContentType: OID.tstInfo,
      eContent: new EncapsulatedContent({ single: new OctetString(tstInfo) }),
    }),
    ...(params.includeCertificate
      ? {
          certificates: new CertificateSet([
            new CertificateChoices({ certificate: AsnConvert.parse(params.certificate.der, Certificate) }),
          ]),
        }
      : {}),
    signerInfos: new SignerInfos([signerInfo]),
  });
  const token = encode(
    new ContentInfo({ contentType: OID.signedData, content: AsnConvert.serialize(signedData) }),
  );
  return { token, tstInfo };
}

/** Nonce bytes as a positive DER INTEGER value (a fresh copy, with a leading zero when the top bit is set). */
export function positiveInteger(bytes: Uint8Array): ArrayBuffer {
  const copy = (bytes[0] ?? 0) & 0x80 ? new Uint8Array([0, ...bytes]) : new Uint8Array(bytes);
  return copy.buffer;
}
