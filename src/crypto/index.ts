export {
  DIGEST_ALGORITHMS,
  DIGEST_LENGTH,
  DIGEST_OID,
  type DigestAlgorithm,
  defaultScheme,
  isRsa,
  KEY_ALGORITHMS,
  type KeyAlgorithm,
  nodeDigestName,
  type SignatureScheme,
} from './algorithms.ts';
export {
  describeHsmConfiguration,
  type HsmConfiguration,
  hsmConfigurationFingerprint,
} from './configuration.ts';
export {
  CryptoModule,
  type CryptoModuleOptions,
  type KeyAttributes,
  type KeyInfo,
  type KeyKind,
  type KeyOwner,
  type SignDigestOptions,
  type SigningObserver,
} from './crypto-module.ts';
export { type DigestSigner, digestSignerFor } from './digest-signer.ts';
export { acquireLibrary, releaseLibrary } from './library.ts';
export { algorithmOfPublicKey, digestInfo, ecdsaRawToDer } from './public-key.ts';
export {
  findExistingTokenSlot,
  findTokenSlot,
  generatePin,
  initialiseToken,
  prepareManagedSoftHsm,
  readPinFile,
  type TokenPins,
  writePinFile,
} from './token.ts';
export { type WrappedKey, type WrappedKeyStore, wrappingContext } from './wrapped-keys.ts';
