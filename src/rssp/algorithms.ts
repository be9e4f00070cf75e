/**
 * The CSC API names algorithms by OID (signAlgo, hashAlgorithmOID, key/algo). This maps them to what
 * CryptoModule.signDigest takes, and says which a credential's key accepts.
 */
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import {
  DIGEST_LENGTH,
  type DigestAlgorithm,
  isRsa,
  type KeyAlgorithm,
  type SignatureScheme,
} from '../crypto/index.ts';
import { CSC } from './errors.ts';

export const CSC_OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
  ecdsaWithSha512: '1.2.840.10045.4.3.4',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
} as const;

const DIGEST_BY_OID: Record<string, DigestAlgorithm> = {
  [CSC_OID.sha256]: 'SHA-256',
  [CSC_OID.sha384]: 'SHA-384',
  [CSC_OID.sha512]: 'SHA-512',
};

export const OID_OF_DIGEST: Record<DigestAlgorithm, string> = {
  'SHA-256': CSC_OID.sha256,
  'SHA-384': CSC_OID.sha384,
  'SHA-512': CSC_OID.sha512,
};

/** Signature algorithms that imply their digest. */
const IMPLIED: Record<string, { scheme: SignatureScheme; digest: DigestAlgorithm }> = {
  [CSC_OID.sha256WithRSA]: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-256' },
  [CSC_OID.sha384WithRSA]: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-384' },
  [CSC_OID.sha512WithRSA]: { scheme: 'RSASSA-PKCS1-v1_5', digest: 'SHA-512' },
  [CSC_OID.ecdsaWithSha256]: { scheme: 'ECDSA', digest: 'SHA-256' },
  [CSC_OID.ecdsaWithSha384]: { scheme: 'ECDSA', digest: 'SHA-384' },
  [CSC_OID.ecdsaWithSha512]: { scheme: 'ECDSA', digest: 'SHA-512' },
};

export function digestAlgorithmOf(oid: string): DigestAlgorithm | undefined {
  return DIGEST_BY_OID[oid];
}

/** The signAlgo values a key accepts (credentials/info key.algo), signature OIDs first. */
export function signAlgorithmsFor(key: KeyAlgorithm): string[] {
  if (isRsa(key)) {
    return [
      CSC_OID.sha256WithRSA,
      CSC_OID.sha384WithRSA,
      CSC_OID.sha512WithRSA,
      CSC_OID.rsassaPss,
      CSC_OID.rsaEncryption,
    ];
  }
  return [CSC_OID.ecdsaWithSha256, CSC_OID.ecdsaWithSha384, CSC_OID.ecdsaWithSha512, CSC_OID.ecPublicKey];
}

export function keyLengthBits(key: KeyAlgorithm): number {
  if (key === 'EC-P256') return 256;
  if (key === 'EC-P384') return 384;
  return Number(key.slice(4));
}

export function curveOid(key: KeyAlgorithm): string | undefined {
  if (key === 'EC-P256') return CSC_OID.p256;
  if (key === 'EC-P384') return CSC_OID.p384;
  return undefined;
}

export interface ResolvedSignAlgorithm {
  readonly scheme: SignatureScheme;
  readonly digest: DigestAlgorithm;
  readonly digestOid: string;
}

/**
 * Works out scheme and digest from signHash's signAlgo, hashAlgorithmOID and signAlgoParams, with the
 * specified error for each way they can be wrong.
 */
export function resolveSignAlgorithm(
  key: KeyAlgorithm,
  signAlgo: string,
  hashAlgorithmOid: string | undefined,
  signAlgoParams: string | undefined,
): ResolvedSignAlgorithm {
  if (!signAlgorithmsFor(key).includes(signAlgo)) throw CSC.invalidParameter('signAlgo');
  const named = hashAlgorithmOid === undefined ? undefined : digestAlgorithmOf(hashAlgorithmOid);
  if (hashAlgorithmOid !== undefined && named === undefined) throw CSC.invalidParameter('hashAlgorithmOID');
  const implied = IMPLIED[signAlgo];
  if (implied !== undefined) {
    if (named !== undefined && named !== implied.digest) throw CSC.invalidParameter('hashAlgorithmOID');
    return { scheme: implied.scheme, digest: implied.digest, digestOid: OID_OF_DIGEST[implied.digest] };
  }
  if (signAlgo === CSC_OID.rsassaPss) {
    if (signAlgoParams === undefined) throw CSC.missingString('signAlgoParams');
    const digest = pssDigest(signAlgoParams);
    if (named !== undefined && named !== digest) throw CSC.invalidParameter('hashAlgorithmOID');
    return { scheme: 'RSASSA-PSS', digest, digestOid: OID_OF_DIGEST[digest] };
  }
  // rsaEncryption / ecPublicKey name only the key: the digest comes from hashAlgorithmOID.
  if (hashAlgorithmOid === undefined) throw CSC.missingString('hashAlgorithmOID');
  if (named === undefined) throw CSC.invalidParameter('hashAlgorithmOID');
  return {
    scheme: signAlgo === CSC_OID.rsaEncryption ? 'RSASSA-PKCS1-v1_5' : 'ECDSA',
    digest: named,
    digestOid: OID_OF_DIGEST[named],
  };
}

/**
 * RSASSA-PSS-params as Base64 DER. The HSM path uses MGF1 with the same hash and a salt as long as
 * the hash (RFC 8017 recommendation, ETSI TS 119 312), so any other combination is refused rather
 * than silently signed differently.
 */
function pssDigest(base64: string): DigestAlgorithm {
  const invalid = () => CSC.invalidParameter('signAlgoParams');
  if (base64.length > 1024 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw invalid();
  let params: RsaSaPssParams;
  try {
    params = AsnConvert.parse(Buffer.from(base64, 'base64'), RsaSaPssParams);
  } catch {
    throw invalid();
  }
  const digest = digestAlgorithmOf(params.hashAlgorithm.algorithm);
  if (digest === undefined || params.maskGenAlgorithm.algorithm !== CSC_OID.mgf1) throw invalid();
  const mgfParams = params.maskGenAlgorithm.parameters;
  if (mgfParams !== null && mgfParams !== undefined) {
    let mgfHash: AlgorithmIdentifier;
    try {
      mgfHash = AsnConvert.parse(mgfParams, AlgorithmIdentifier);
    } catch {
      throw invalid();
    }
    if (mgfHash.algorithm !== params.hashAlgorithm.algorithm) throw invalid();
  }
  if (params.saltLength !== DIGEST_LENGTH[digest] || params.trailerField !== 1) throw invalid();
  return digest;
}

/** RSASSA-PSS-params for a digest, as Base64 DER (what clients send as signAlgoParams). */
export function pssParamsFor(digest: DigestAlgorithm): string {
  const hash = new AlgorithmIdentifier({ algorithm: OID_OF_DIGEST[digest] });
  const params = new RsaSaPssParams({
    hashAlgorithm: hash,
    maskGenAlgorithm: new AlgorithmIdentifier({
      algorithm: CSC_OID.mgf1,
      parameters: AsnConvert.serialize(hash),
    }),
    saltLength: DIGEST_LENGTH[digest],
  });
  return Buffer.from(AsnConvert.serialize(params)).toString('base64');
}
