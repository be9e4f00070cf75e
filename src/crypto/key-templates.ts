/**
 * Attribute templates. Signing keys are generated inside the module, sensitive and never
 * extractable, usable for signing only (REQUIREMENTS 2.2.2 (2) イ, JT2A III-5/6).
 */
import type * as pkcs11js from 'pkcs11js';
import type { KeyAlgorithm } from './algorithms.ts';
import { isRsa, rsaModulusBits } from './algorithms.ts';
import { pkcs11js as p } from './library.ts';
import { ecParamsFor } from './public-key.ts';

export function signingPrivateKeyTemplate(id: Buffer, label: string): pkcs11js.Template {
  return [
    { type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY },
    { type: p.CKA_TOKEN, value: true },
    { type: p.CKA_PRIVATE, value: true },
    { type: p.CKA_ID, value: id },
    { type: p.CKA_LABEL, value: label },
    { type: p.CKA_SENSITIVE, value: true },
    { type: p.CKA_EXTRACTABLE, value: false },
    { type: p.CKA_SIGN, value: true },
    { type: p.CKA_SIGN_RECOVER, value: false },
    { type: p.CKA_DECRYPT, value: false },
    { type: p.CKA_UNWRAP, value: false },
    { type: p.CKA_DERIVE, value: false },
  ];
}

export function signingPublicKeyTemplate(
  id: Buffer,
  label: string,
  algorithm: KeyAlgorithm,
): pkcs11js.Template {
  const common: pkcs11js.Template = [
    { type: p.CKA_CLASS, value: p.CKO_PUBLIC_KEY },
    { type: p.CKA_TOKEN, value: true },
    { type: p.CKA_PRIVATE, value: false },
    { type: p.CKA_ID, value: id },
    { type: p.CKA_LABEL, value: label },
    { type: p.CKA_VERIFY, value: true },
    { type: p.CKA_VERIFY_RECOVER, value: false },
    { type: p.CKA_ENCRYPT, value: false },
    { type: p.CKA_WRAP, value: false },
    { type: p.CKA_DERIVE, value: false },
  ];
  if (isRsa(algorithm)) {
    return [
      ...common,
      { type: p.CKA_MODULUS_BITS, value: rsaModulusBits(algorithm) },
      { type: p.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
    ];
  }
  return [...common, { type: p.CKA_EC_PARAMS, value: ecParamsFor(algorithm as 'EC-P256' | 'EC-P384') }];
}

export type SecretKeyPurpose = 'wrapping' | 'data-encryption' | 'key-encryption';

/**
 * AES-256 keys: a wrapping key unwraps imported keys; a data-encryption key seals small secrets and
 * content keys (AES-GCM); a key-encryption key (KEK, ADR 017) only derives the per-key wrapping keys
 * of signing keys kept outside the token.
 */
export function secretKeyTemplate(
  id: Buffer,
  label: string,
  purpose: SecretKeyPurpose,
  value?: Buffer,
): pkcs11js.Template {
  const wrapping = purpose === 'wrapping';
  const kek = purpose === 'key-encryption';
  const template: pkcs11js.Template = [
    { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
    { type: p.CKA_KEY_TYPE, value: p.CKK_AES },
    { type: p.CKA_TOKEN, value: true },
    { type: p.CKA_PRIVATE, value: true },
    { type: p.CKA_ID, value: id },
    { type: p.CKA_LABEL, value: label },
    { type: p.CKA_SENSITIVE, value: true },
    { type: p.CKA_EXTRACTABLE, value: false },
    { type: p.CKA_WRAP, value: wrapping },
    { type: p.CKA_UNWRAP, value: wrapping },
    { type: p.CKA_ENCRYPT, value: purpose === 'data-encryption' },
    { type: p.CKA_DECRYPT, value: purpose === 'data-encryption' },
    { type: p.CKA_SIGN, value: false },
    { type: p.CKA_VERIFY, value: false },
    { type: p.CKA_DERIVE, value: kek },
  ];
  if (value === undefined) template.push({ type: p.CKA_VALUE_LEN, value: 32 });
  else template.push({ type: p.CKA_VALUE, value });
  return template;
}
