/**
 * Checking a TimeStampResp / TimeStampToken: status granted, one SignedData over a TSTInfo, imprint
 * and nonce equal to the request, signer certificate with the critical timeStamping EKU (and only
 * that), signing-certificate attribute bound to it, signature valid, genTime within tolerance, and
 * optionally a chain to trust anchors at genTime.
 */
import { createHash } from 'node:crypto';
import { ContentInfo, SignedData, type SignerInfo } from '@peculiar/asn1-cms';
import { PKIStatus, TimeStampResp, TSTInfo } from '@peculiar/asn1-tsp';
import * as asn1js from 'asn1js';
import { DIGEST_OID } from '../crypto/index.ts';
import { isShomeiError } from '../errors/index.ts';
import {
  buildChain,
  certificateFacts,
  cmsSignatureAlgorithm,
  decodeAs,
  digest,
  digestAlgorithmFromOid,
  encode,
  OID,
  type ParsedCertificate,
  PKI_LIMITS,
  parseCertificate,
  serialHex,
  signerCertificate,
  verifySignature,
} from '../pki/index.ts';
import { tsaErrors } from './errors.ts';
import { readSigningCertificateV1, readSigningCertificateV2 } from './ess.ts';
import type { TimestampToken, TokenCheckOptions } from './types.ts';

const DEFAULT_TOLERANCE = 5 * 60_000;
const FAILURE_NAMES = [
  'badAlg',
  '',
  'badRequest',
  '',
  '',
  'badDataFormat',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  'timeNotAvailable',
  'unacceptedPolicy',
  'unacceptedExtension',
  'addInfoNotAvailable',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  'systemFailure',
];

/** Checks a whole reply; returns the checked token. */
export function checkTimestampReply(reply: Uint8Array, options: TokenCheckOptions): TimestampToken {
  if (reply.byteLength > PKI_LIMITS.timestampReply) throw tsaErrors.tooLarge(PKI_LIMITS.timestampReply);
  const response = guard(() => decodeAs(reply, TimeStampResp, 'timestamp reply'));
  const status = response.status.status;
  if (status !== PKIStatus.granted && status !== PKIStatus.grantedWithMods) {
    const bits = response.status.failInfo === undefined ? [] : failureNames(response.status.failInfo);
    throw tsaErrors.rejected(status, bits, response.status.statusString?.join(' '));
  }
  if (response.timeStampToken === undefined) throw tsaErrors.malformed('granted without a token');
  return checkTimestampToken(encode(response.timeStampToken), options);
}

/** RFC 3161 PKIFailureInfo bit names (bit 0 is the most significant bit of the first octet). */
export function failureNames(failInfo: { value: ArrayBuffer; unusedBits: number }): string[] {
  const bytes = new Uint8Array(failInfo.value);
  const names: string[] = [];
  FAILURE_NAMES.forEach((name, bit) => {
    const octet = bytes[bit >> 3] ?? 0;
    if (name !== '' && (octet & (0x80 >> (bit & 7))) !== 0) names.push(name);
  });
  return names;
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isShomeiError(error) && error.code.startsWith('SHOMEI_TSA_')) throw error;
    throw tsaErrors.malformed(
      isShomeiError(error) ? String(error.details.reason ?? error.code) : 'not ASN.1',
    );
  }
}

/** The exact signed-attributes bytes with the SET OF tag, taken from the original encoding. */
function signedAttributesBytes(signedDataDer: Uint8Array): Buffer {
  const signedData = asn1js.fromBER(new Uint8Array(signedDataDer)).result as asn1js.Sequence;
  const parts = signedData.valueBlock.value;
  const signerInfos = parts[parts.length - 1] as asn1js.Set;
  const signerInfo = signerInfos.valueBlock.value[0] as asn1js.Sequence;
  const attrs = signerInfo.valueBlock.value.find(
    (e) => e.idBlock.tagClass === 3 && e.idBlock.tagNumber === 0,
  );
  if (attrs === undefined) throw tsaErrors.malformed('no signed attributes');
  const bytes = Buffer.from(attrs.valueBeforeDecodeView);
  bytes[0] = 0x31;
  return bytes;
}

function attributeValue(info: SignerInfo, oid: string): Buffer | undefined {
  const attrs = (info.signedAttrs ?? []).filter((a) => a.attrType === oid);
  if (attrs.length > 1 || (attrs[0] !== undefined && attrs[0].attrValues.length !== 1)) {
    throw tsaErrors.malformed(`attribute ${oid} repeated`);
  }
  const value = attrs[0]?.attrValues[0];
  return value === undefined ? undefined : Buffer.from(value);
}

/** The token's SignedData, its one signer and its TSTInfo (RFC 3161 §2.4.2), or a typed refusal. */
function decodeToken(tokenDer: Uint8Array) {
  const contentInfo = guard(() => decodeAs(tokenDer, ContentInfo, 'timestamp token'));
  if (contentInfo.contentType !== OID.signedData) throw tsaErrors.malformed('not SignedData');
  const signedDataDer = new Uint8Array(contentInfo.content);
  const signedData = guard(() => decodeAs(signedDataDer, SignedData, 'SignedData'));
  if (signedData.encapContentInfo.eContentType !== OID.tstInfo)
    throw tsaErrors.malformed('content is not a TSTInfo');
  const eContent = signedData.encapContentInfo.eContent?.single;
  if (eContent === undefined) throw tsaErrors.malformed('no TSTInfo');
  const tstInfoDer = Buffer.from(eContent.buffer);
  const info = guard(() => decodeAs(tstInfoDer, TSTInfo, 'TSTInfo'));
  if (signedData.signerInfos.length !== 1) throw tsaErrors.malformed('not exactly one signer');
  return { signedDataDer, signedData, signer: signedData.signerInfos[0]!, tstInfoDer, info };
}

/** Imprint, nonce and policy first: they say whether this is an answer to our question at all. */
function checkAnswersOurRequest(info: TSTInfo, options: TokenCheckOptions): string | undefined {
  const expectedOid = DIGEST_OID[options.digestAlgorithm];
  if (
    info.messageImprint.hashAlgorithm.algorithm !== expectedOid ||
    !Buffer.from(info.messageImprint.hashedMessage.buffer).equals(Buffer.from(options.digest))
  ) {
    throw tsaErrors.imprintMismatch();
  }
  const nonceHex = info.nonce === undefined ? undefined : serialHex(info.nonce);
  if (options.nonce !== undefined && nonceHex !== serialHex(options.nonce)) throw tsaErrors.nonceMismatch();
  if (options.policy !== undefined && info.policy !== options.policy)
    throw tsaErrors.policyMismatch(info.policy);
  return nonceHex;
}

/** The TSA certificate the signer names, among those carried or given; timeStamping only, critical. */
function tsaCertificateOf(signedData: SignedData, signer: SignerInfo, options: TokenCheckOptions) {
  const carried = (signedData.certificates ?? [])
    .map((c) => c.certificate)
    .filter((c) => c !== undefined)
    .map((c) => guard(() => parseCertificate(encode(c))));
  const known = [...carried, ...(options.certificates ?? [])];
  const tsaCert = signerCertificate(signer.sid, known);
  if (tsaCert === undefined)
    throw tsaErrors.certificateInvalid('the TSA certificate is neither in the token nor given');
  const facts = certificateFacts(tsaCert);
  if (
    !facts.extendedKeyUsageCritical ||
    facts.extendedKeyUsage.length !== 1 ||
    facts.extendedKeyUsage[0] !== OID.kpTimeStamping
  ) {
    throw tsaErrors.certificateInvalid('extended key usage must be timeStamping only, and critical');
  }
  return { tsaCert, facts, known };
}

/** ESS signing-certificate(-v2): the signed attributes name this very certificate (RFC 5816). */
function checkSigningCertificate(signer: SignerInfo, tsaCert: ParsedCertificate): void {
  const v2 = attributeValue(signer, OID.signingCertificateV2);
  const v1 = attributeValue(signer, OID.signingCertificate);
  if (v2 !== undefined) {
    const ess = readSigningCertificateV2(v2);
    const essDigest = ess === undefined ? undefined : digestAlgorithmFromOid(ess.hashOid);
    if (
      ess === undefined ||
      essDigest === undefined ||
      !ess.certHash.equals(digest(essDigest, tsaCert.der))
    ) {
      throw tsaErrors.certificateInvalid('signing-certificate-v2 does not name the signer certificate');
    }
  } else if (v1 !== undefined) {
    const hash = readSigningCertificateV1(v1);
    if (hash === undefined || !hash.equals(createHash('sha1').update(tsaCert.der).digest())) {
      throw tsaErrors.certificateInvalid('signing-certificate does not name the signer certificate');
    }
  } else {
    throw tsaErrors.certificateInvalid('no signing-certificate attribute');
  }
}

/** Signed attributes (content type, message digest over the TSTInfo, signing certificate) and the signature. */
function checkSignature(
  decoded: ReturnType<typeof decodeToken>,
  tsaCert: ParsedCertificate,
  publicKey: ReturnType<typeof certificateFacts>['publicKey'],
): void {
  const { signer, tstInfoDer, signedDataDer } = decoded;
  const digestAlgorithm = digestAlgorithmFromOid(signer.digestAlgorithm.algorithm);
  if (digestAlgorithm === undefined)
    throw tsaErrors.signatureInvalid(`digest ${signer.digestAlgorithm.algorithm}`);
  const contentType = attributeValue(signer, OID.contentType);
  const expectedContentType = Buffer.from(new asn1js.ObjectIdentifier({ value: OID.tstInfo }).toBER());
  if (contentType === undefined || !contentType.equals(expectedContentType)) {
    throw tsaErrors.signatureInvalid('content-type attribute');
  }
  const messageDigest = attributeValue(signer, OID.messageDigest);
  const expectedDigest = Buffer.from(
    new asn1js.OctetString({ valueHex: digest(digestAlgorithm, tstInfoDer) }).toBER(),
  );
  if (messageDigest === undefined || !messageDigest.equals(expectedDigest)) {
    throw tsaErrors.signatureInvalid('message-digest attribute');
  }
  checkSigningCertificate(signer, tsaCert);
  const algorithm = guard(() => cmsSignatureAlgorithm(signer.signatureAlgorithm, signer.digestAlgorithm));
  const valid = guard(() =>
    verifySignature(
      publicKey,
      algorithm,
      signedAttributesBytes(signedDataDer),
      new Uint8Array(signer.signature.buffer),
    ),
  );
  if (!valid) throw tsaErrors.signatureInvalid('signature value');
}

export function checkTimestampToken(tokenDer: Uint8Array, options: TokenCheckOptions): TimestampToken {
  const decoded = decodeToken(tokenDer);
  const { info } = decoded;
  const nonceHex = checkAnswersOurRequest(info, options);
  const { tsaCert, facts, known } = tsaCertificateOf(decoded.signedData, decoded.signer, options);
  checkSignature(decoded, tsaCert, facts.publicKey);
  const genTime = info.genTime;
  const now = options.now ?? new Date();
  const tolerance = options.toleranceMillis ?? DEFAULT_TOLERANCE;
  if (Math.abs(genTime.getTime() - now.getTime()) > tolerance) throw tsaErrors.timeOutOfTolerance(genTime);
  if (genTime < facts.notBefore || genTime > facts.notAfter) {
    throw tsaErrors.certificateInvalid('genTime outside the certificate validity');
  }
  if (options.trustAnchors !== undefined) {
    const chain = buildChain(tsaCert, { anchors: options.trustAnchors, intermediates: known, at: genTime });
    if (!chain.trusted) throw tsaErrors.untrusted(chain.reason);
  }
  const accuracy = info.accuracy;
  return {
    token: Buffer.from(tokenDer),
    genTime,
    serialNumber: serialHex(info.serialNumber),
    policy: info.policy,
    digestAlgorithm: options.digestAlgorithm,
    digest: Buffer.from(options.digest),
    nonce: nonceHex,
    tsaCertificate: tsaCert.der,
    ...(accuracy === undefined
      ? {}
      : {
          accuracyMillis:
            (accuracy.seconds ?? 0) * 1000 + (accuracy.millis ?? 0) + (accuracy.micros ?? 0) / 1000,
        }),
  };
}
