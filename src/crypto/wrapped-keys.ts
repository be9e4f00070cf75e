/**
 * Signing keys kept outside the token (ADR 017). A key is generated inside the module as a session
 * object, wrapped at once (AES key wrap with padding, RFC 5649) and destroyed; only the wrapped blob
 * leaves. The wrapping key is not the KEK itself but a session key derived from it for this one key
 * (CKM_AES_CBC_ENCRYPT_DATA over SHA-256 of purpose, owner and key id), so a blob opens only under
 * the context it was made for: a blob moved to another owner's row, used for another purpose, or
 * changed by one bit fails the RFC 5649 integrity check inside the module.
 */
import { createHash } from 'node:crypto';
import type * as pkcs11types from 'pkcs11js';
import { ShomeiError } from '../errors/index.ts';
import { isRsa, type KeyAlgorithm, rsaModulusBits } from './algorithms.ts';
import { toCryptoError } from './errors.ts';
import type { Handle, Pkcs11 } from './library.ts';
import { pkcs11js as p } from './library.ts';
import { ecParamsFor, ecPublicKey, rsaPublicKey, spkiDer } from './public-key.ts';

/** A signing key as kept outside the token: what the store persists. */
export interface WrappedKey {
  /** Random id (hex) by which callers address the key, as for token keys. */
  readonly keyId: string;
  /** What the key is for, e.g. `user-signing`; part of the wrapping context. */
  readonly purpose: string;
  /** Whose key it is, e.g. a credential id; part of the wrapping context. */
  readonly owner: string;
  /** CKA_ID (hex) of the KEK epoch it is wrapped under. */
  readonly kekId: string;
  readonly algorithm: KeyAlgorithm;
  /** SubjectPublicKeyInfo, DER. */
  readonly publicKey: Buffer;
  readonly wrapped: Buffer;
}

/** Where wrapped keys and the current KEK of each purpose are kept (the store implements it). */
export interface WrappedKeyStore {
  /** CKA_ID (hex) of the KEK that wraps new keys of this purpose. */
  currentKek(purpose: string): Promise<string>;
  find(keyId: string): Promise<WrappedKey | undefined>;
  save(key: WrappedKey): Promise<void>;
  /** Destroys the wrapped copy; true when there was one. */
  remove(keyId: string): Promise<boolean>;
}

const CONTEXT_PREFIX = 'shomei/wrapped-key/v1';

/** 32 bytes naming purpose, owner and key id: the derivation data of the per-key wrapping key. */
export function wrappingContext(purpose: string, owner: string, keyId: string): Buffer {
  return createHash('sha256').update([CONTEXT_PREFIX, purpose, owner, keyId].join('\0'), 'utf8').digest();
}

/** The per-key wrapping key: a non-extractable session object, destroyed by the caller after use. */
export function deriveWrappingKey(pkcs11: Pkcs11, session: Handle, kek: Handle, context: Buffer): Handle {
  // CBC encryption of the 32-byte context under the KEK with a zero IV is a PRF on fixed-length
  // input (CBC-MAC); its two blocks are the new key. SoftHSM2 offers no SP 800-108 KDF.
  const mechanism: pkcs11types.Mechanism = {
    mechanism: p.CKM_AES_CBC_ENCRYPT_DATA,
    parameter: { type: p.CK_PARAMS_AES_CBC, iv: Buffer.alloc(16), data: context } as pkcs11types.AesCBC,
  };
  try {
    return pkcs11.C_DeriveKey(session, mechanism, kek, [
      { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
      { type: p.CKA_KEY_TYPE, value: p.CKK_AES },
      { type: p.CKA_TOKEN, value: false },
      { type: p.CKA_PRIVATE, value: true },
      { type: p.CKA_SENSITIVE, value: true },
      { type: p.CKA_EXTRACTABLE, value: false },
      { type: p.CKA_VALUE_LEN, value: 32 },
      { type: p.CKA_WRAP, value: true },
      { type: p.CKA_UNWRAP, value: true },
      { type: p.CKA_ENCRYPT, value: false },
      { type: p.CKA_DECRYPT, value: false },
    ]);
  } catch (error) {
    throw toCryptoError(error, 'C_DeriveKey');
  }
}

function destroyQuietly(pkcs11: Pkcs11, session: Handle, handle: Handle): void {
  try {
    pkcs11.C_DestroyObject(session, handle);
  } catch {
    // A session object goes with its session anyway.
  }
}

function sessionKeyPairTemplates(algorithm: KeyAlgorithm): {
  publicTemplate: pkcs11types.Template;
  privateTemplate: pkcs11types.Template;
} {
  const publicTemplate: pkcs11types.Template = [
    { type: p.CKA_CLASS, value: p.CKO_PUBLIC_KEY },
    { type: p.CKA_TOKEN, value: false },
    { type: p.CKA_VERIFY, value: true },
    ...(isRsa(algorithm)
      ? [
          { type: p.CKA_MODULUS_BITS, value: rsaModulusBits(algorithm) },
          { type: p.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
        ]
      : [{ type: p.CKA_EC_PARAMS, value: ecParamsFor(algorithm as 'EC-P256' | 'EC-P384') }]),
  ];
  // Extractable only so that this one C_WrapKey can take it out; the session object is destroyed
  // right after, and every unwrapped copy is made non-extractable (see unwrapSigningKey).
  const privateTemplate: pkcs11types.Template = [
    { type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY },
    { type: p.CKA_TOKEN, value: false },
    { type: p.CKA_PRIVATE, value: true },
    { type: p.CKA_SENSITIVE, value: true },
    { type: p.CKA_EXTRACTABLE, value: true },
    { type: p.CKA_SIGN, value: true },
    { type: p.CKA_DECRYPT, value: false },
    { type: p.CKA_UNWRAP, value: false },
    { type: p.CKA_DERIVE, value: false },
  ];
  return { publicTemplate, privateTemplate };
}

function publicKeyOf(pkcs11: Pkcs11, session: Handle, handle: Handle, algorithm: KeyAlgorithm): Buffer {
  if (isRsa(algorithm)) {
    const [modulus, exponent] = pkcs11.C_GetAttributeValue(session, handle, [
      { type: p.CKA_MODULUS },
      { type: p.CKA_PUBLIC_EXPONENT },
    ]);
    return spkiDer(rsaPublicKey(modulus!.value as Buffer, exponent!.value as Buffer));
  }
  const [point] = pkcs11.C_GetAttributeValue(session, handle, [{ type: p.CKA_EC_POINT }]);
  return spkiDer(ecPublicKey(algorithm as 'EC-P256' | 'EC-P384', point!.value as Buffer));
}

/**
 * Generates a key pair inside the module and returns its public key and wrapped private key. The
 * generation runs on libuv's thread pool: an RSA-2048 key pair takes SoftHSM2 0.2–1 s, which held
 * the server's event loop for as long whenever a credential was created (issue #20 Deliver 3).
 */
export async function generateWrappedKeyPair(
  pkcs11: Pkcs11,
  session: Handle,
  kek: Handle,
  algorithm: KeyAlgorithm,
  context: Buffer,
): Promise<{ publicKey: Buffer; wrapped: Buffer }> {
  const { publicTemplate, privateTemplate } = sessionKeyPairTemplates(algorithm);
  const mechanism = { mechanism: isRsa(algorithm) ? p.CKM_RSA_PKCS_KEY_PAIR_GEN : p.CKM_EC_KEY_PAIR_GEN };
  let pair: pkcs11types.KeyPair;
  try {
    pair = await pkcs11.C_GenerateKeyPairAsync(session, mechanism, publicTemplate, privateTemplate);
  } catch (error) {
    throw toCryptoError(error, 'C_GenerateKeyPair');
  }
  const wrappingKey = deriveWrappingKey(pkcs11, session, kek, context);
  try {
    const publicKey = publicKeyOf(pkcs11, session, pair.publicKey, algorithm);
    let wrapped: Buffer;
    try {
      wrapped = pkcs11.C_WrapKey(
        session,
        { mechanism: p.CKM_AES_KEY_WRAP_PAD },
        wrappingKey,
        pair.privateKey,
        Buffer.alloc(8192),
      );
    } catch (error) {
      throw toCryptoError(error, 'C_WrapKey');
    }
    return { publicKey, wrapped: Buffer.from(wrapped) };
  } finally {
    destroyQuietly(pkcs11, session, wrappingKey);
    destroyQuietly(pkcs11, session, pair.privateKey);
    destroyQuietly(pkcs11, session, pair.publicKey);
  }
}

/**
 * Unwraps a key into a session object that signs and can never be wrapped or read again. With
 * `extractable` (re-wrapping under a new KEK epoch only) the copy may be wrapped once more.
 */
export function unwrapSigningKey(
  pkcs11: Pkcs11,
  session: Handle,
  kek: Handle,
  key: Pick<WrappedKey, 'algorithm' | 'wrapped'>,
  context: Buffer,
  extractable = false,
): Handle {
  const wrappingKey = deriveWrappingKey(pkcs11, session, kek, context);
  try {
    return pkcs11.C_UnwrapKey(session, { mechanism: p.CKM_AES_KEY_WRAP_PAD }, wrappingKey, key.wrapped, [
      { type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY },
      { type: p.CKA_KEY_TYPE, value: isRsa(key.algorithm) ? p.CKK_RSA : p.CKK_EC },
      { type: p.CKA_TOKEN, value: false },
      { type: p.CKA_PRIVATE, value: true },
      { type: p.CKA_SENSITIVE, value: true },
      { type: p.CKA_EXTRACTABLE, value: extractable },
      { type: p.CKA_SIGN, value: true },
      { type: p.CKA_DECRYPT, value: false },
      { type: p.CKA_UNWRAP, value: false },
      { type: p.CKA_DERIVE, value: false },
    ]);
  } catch (error) {
    const typed = toCryptoError(error, 'C_UnwrapKey');
    if (typed.code !== 'SHOMEI_KEY_IMPORT_INVALID') throw typed;
    // SoftHSM2 reports a failed integrity check as CKR_GENERAL_ERROR, which the session pool would
    // take for a lost token and re-initialise the module for; a bad blob is the row's fault, not
    // the sessions', so the PKCS#11 error does not travel with it.
    throw new ShomeiError(typed.code, typed.messages, { status: typed.status, details: typed.details });
  } finally {
    destroyQuietly(pkcs11, session, wrappingKey);
  }
}

/** Wraps an (extractable) session copy again under another KEK epoch. */
export function wrapAgain(
  pkcs11: Pkcs11,
  session: Handle,
  kek: Handle,
  handle: Handle,
  context: Buffer,
): Buffer {
  const wrappingKey = deriveWrappingKey(pkcs11, session, kek, context);
  try {
    return Buffer.from(
      pkcs11.C_WrapKey(
        session,
        { mechanism: p.CKM_AES_KEY_WRAP_PAD },
        wrappingKey,
        handle,
        Buffer.alloc(8192),
      ),
    );
  } catch (error) {
    throw toCryptoError(error, 'C_WrapKey');
  } finally {
    destroyQuietly(pkcs11, session, wrappingKey);
  }
}

export { destroyQuietly };
