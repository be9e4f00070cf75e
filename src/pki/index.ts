/**
 * PKI helpers shared by ca, tsa, ades, validation and rssp: parsing with size limits, algorithm
 * identifiers and signature checks, HSM-backed signing of TBS structures, names, certificate facts,
 * CSRs and a minimal chain builder.
 */
export {
  cmsSignatureAlgorithm,
  defaultDigestFor,
  describeSignatureAlgorithm,
  digestAlgorithmFromOid,
  digestAlgorithmIdentifier,
  type SignatureAlgorithm,
  signatureAlgorithmFor,
  verifySignature,
} from './algorithms.ts';
export {
  type CertificateParts,
  type CertificateStructure,
  certificateParts,
  certificateStructure,
  certificateSubject,
  signingCertificateV2Der,
} from './certificate-parts.ts';
export { buildChain, type ChainFailure, type ChainOptions, type ChainResult, issuedBy } from './chain.ts';
export { buildCsr, csrPublicKey, csrSignatureValid } from './csr.ts';
export {
  asn1Element,
  decodeAs,
  derFrom,
  encode,
  firstElementBytes,
  PKI_LIMITS,
  type PkiInput,
  pemBlocks,
  toPem,
} from './der.ts';
export {
  berChildren,
  berElementEnd,
  type DerElement,
  type DerFailure,
  type DerReader,
  derInteger,
  derOid,
  derReader,
  derSetOf,
  tlv,
} from './der-walker.ts';
export { inputTooLarge, malformed } from './errors.ts';
export {
  type CertificateFacts,
  certificateFacts,
  certificatePublicKey,
  findExtension,
  keyIdentifier,
  publicKeySha256,
  serialHex,
} from './facts.ts';
export {
  buildName,
  NAME_ATTRIBUTES,
  type NameAttribute,
  type NameAttributeType,
  nameAttributes,
  nameDer,
  nameDerToString,
  namesEqual,
  nameToString,
} from './names.ts';
export { OID } from './oids.ts';
export {
  ocspResponseCertificates,
  type ParsedCertificate,
  type ParsedCrl,
  type ParsedCsr,
  type ParsedOcspResponse,
  type ParseOptions,
  parseCertificate,
  parseCertificates,
  parseCrl,
  parseCsr,
  parseOcspResponse,
} from './parse.ts';
export {
  digest,
  resolveSigning,
  type SignedTbs,
  type SigningOptions,
  signingAlgorithm,
  signTbs,
} from './sign.ts';
export { signerCertificate } from './signer-identifier.ts';
