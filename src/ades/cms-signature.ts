/**
 * CMS signing with an external signer, in two stages (pyHanko's "interrupted signing"):
 *
 *   prepareCmsSignature → { digestToSign, state }   (state is JSON-safe: keep it in a database)
 *   any signer turns digestToSign into a signature value (HSM in-process, or a remote RSSP batch)
 *   completeCmsSignature(state, signatureValue) → DER ContentInfo(SignedData)
 *
 * The signature value is checked against the signer certificate before anything is assembled,
 * so a wrong key or a corrupted remote answer never produces a broken signature.
 */
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import type { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import {
  algorithmOfPublicKey,
  DIGEST_ALGORITHMS,
  type DigestAlgorithm,
  type KeyAlgorithm,
  nodeDigestName,
  type SignatureScheme,
} from '../crypto/index.ts';
import {
  derInteger,
  derOid,
  digestAlgorithmIdentifier,
  signatureAlgorithmFor,
  tlv,
  verifySignature,
} from '../pki/index.ts';
import { certificateFields } from './certificate-fields.ts';
import { adesAlgorithmUnsupported, readSingle, signatureValueInvalid } from './errors.ts';
import { ADES_OID } from './oids.ts';
import { buildSignedAttributes, type CommitmentType } from './signed-attributes.ts';
import { encodeSignedData, type SignedDataParts } from './signed-data.ts';
import { type CmsSigningState, readSigningState } from './signing-state.ts';

export interface CmsSignatureRequest {
  /** Digest of the signed content (the PDF byte ranges, or the detached file). */
  readonly contentDigest: Uint8Array;
  readonly digestAlgorithm: DigestAlgorithm;
  /** Default: PKCS#1 v1.5 for RSA keys, ECDSA for EC keys. */
  readonly signatureScheme?: SignatureScheme;
  /** DER X.509 certificate of the signer. */
  readonly signerCertificate: Uint8Array;
  /** DER issuer certificates (leaf's issuer first), embedded in SignedData.certificates. */
  readonly certificateChain: readonly Uint8Array[];
  /** CAdES only: the signing-time signed attribute. */
  readonly signingTime?: Date;
  readonly commitmentType?: CommitmentType;
}

export interface PreparedCmsSignature {
  /** The digest the signer signs: hash of the DER SET OF signed attributes. */
  readonly digestToSign: Buffer;
  readonly digestAlgorithm: DigestAlgorithm;
  readonly signatureScheme: SignatureScheme;
  readonly state: CmsSigningState;
}

function der(identifier: AlgorithmIdentifier): Buffer {
  return Buffer.from(AsnConvert.serialize(identifier));
}

function keyAlgorithmOf(signerCertificate: Uint8Array): KeyAlgorithm {
  const fields = certificateFields(signerCertificate, 'signer certificate');
  const algorithm = algorithmOfPublicKey(Buffer.from(fields.subjectPublicKeyInfo.raw));
  if (algorithm === undefined) throw adesAlgorithmUnsupported('signer public key');
  return algorithm;
}

export function schemeFits(key: KeyAlgorithm, scheme: SignatureScheme): boolean {
  return key.startsWith('RSA-') ? scheme !== 'ECDSA' : scheme === 'ECDSA';
}

export function prepareCmsSignature(request: CmsSignatureRequest): PreparedCmsSignature {
  if (!DIGEST_ALGORITHMS.includes(request.digestAlgorithm)) {
    throw adesAlgorithmUnsupported(String(request.digestAlgorithm));
  }
  const signer = certificateFields(request.signerCertificate, 'signer certificate');
  const chain = request.certificateChain.map((c) => certificateFields(c, 'chain certificate').der);
  const keyAlgorithm = keyAlgorithmOf(request.signerCertificate);
  const scheme = request.signatureScheme ?? (keyAlgorithm.startsWith('RSA-') ? 'RSASSA-PKCS1-v1_5' : 'ECDSA');
  if (!schemeFits(keyAlgorithm, scheme)) throw adesAlgorithmUnsupported(`${scheme} with ${keyAlgorithm}`);
  const signedAttributes = buildSignedAttributes({
    contentDigest: request.contentDigest,
    digestAlgorithm: request.digestAlgorithm,
    signer,
    signingTime: request.signingTime,
    commitmentType: request.commitmentType,
  });
  const digestToSign = createHash(nodeDigestName(request.digestAlgorithm)).update(signedAttributes).digest();
  return {
    digestToSign,
    digestAlgorithm: request.digestAlgorithm,
    signatureScheme: scheme,
    state: {
      format: 'shomei/cms-signing-state',
      version: 1,
      digestAlgorithm: request.digestAlgorithm,
      signatureScheme: scheme,
      signedAttributes: signedAttributes.toString('base64'),
      signerCertificate: signer.der.toString('base64'),
      certificateChain: chain.map((c) => c.toString('base64')),
    },
  };
}

/** SignedData parts of a freshly signed signature (no unsigned attributes yet). */
export function completeCmsSignatureParts(state: unknown, signatureValue: Uint8Array): SignedDataParts {
  const checked = readSigningState(state);
  const signerDer = Buffer.from(checked.signerCertificate, 'base64');
  const signer = certificateFields(signerDer, 'signer certificate');
  const keyAlgorithm = keyAlgorithmOf(signerDer);
  if (!schemeFits(keyAlgorithm, checked.signatureScheme)) {
    throw adesAlgorithmUnsupported(`${checked.signatureScheme} with ${keyAlgorithm}`);
  }
  const signatureAlgorithm = signatureAlgorithmFor(
    keyAlgorithm,
    checked.digestAlgorithm,
    checked.signatureScheme,
  );
  const signedAttributes = Buffer.from(checked.signedAttributes, 'base64');
  const valid = verifySignature(
    signer.subjectPublicKeyInfo.raw,
    signatureAlgorithm,
    signedAttributes,
    signatureValue,
  );
  if (!valid) throw signatureValueInvalid('verification failed');
  const digestAlgorithm = der(digestAlgorithmIdentifier(checked.digestAlgorithm));
  const sid = tlv(0x30, signer.issuer.raw, signer.serialNumber.raw);
  return {
    digestAlgorithms: tlv(0x31, digestAlgorithm),
    encapContentInfo: tlv(0x30, derOid(ADES_OID.data)),
    certificates: [signer.der, ...checked.certificateChain.map((c) => Buffer.from(c, 'base64'))],
    crls: [],
    signerInfos: [
      {
        signedPart: [
          derInteger(1),
          sid,
          digestAlgorithm,
          // [0] IMPLICIT SET OF Attribute: the same content octets that were signed.
          tlv(0xa0, readSingle(signedAttributes, 'signed attributes').value),
          der(signatureAlgorithm),
          tlv(0x04, signatureValue),
        ],
        unsignedAttributes: [],
      },
    ],
  };
}

/** DER ContentInfo(SignedData), detached (no eContent). */
export function completeCmsSignature(state: unknown, signatureValue: Uint8Array): Buffer {
  return encodeSignedData(completeCmsSignatureParts(state, signatureValue));
}
