/**
 * CryptoModule: every private-key operation of shomei goes through here, to a PKCS#11 token
 * (SoftHSM2 in development, a network HSM in production). Keys are addressed by their CKA_ID in hex.
 */
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import type * as pkcs11types from 'pkcs11js';
import { shomeiError } from '../errors/index.ts';
import {
  DIGEST_LENGTH,
  type DigestAlgorithm,
  defaultScheme,
  isRsa,
  type KeyAlgorithm,
  type SignatureScheme,
} from './algorithms.ts';
import { keyNotFound, toCryptoError } from './errors.ts';
import {
  type SecretKeyPurpose,
  secretKeyTemplate,
  signingPrivateKeyTemplate,
  signingPublicKeyTemplate,
} from './key-templates.ts';
import { acquireLibrary, type Handle, type Pkcs11, pkcs11js as p, releaseLibrary } from './library.ts';
import {
  algorithmOfPublicKey,
  curveFromParams,
  digestInfo,
  ecdsaRawToDer,
  ecPublicKey,
  rsaPublicKey,
  spkiDer,
} from './public-key.ts';
import { type SessionKey, SessionKeyCache } from './session-key-cache.ts';
import { SessionPool } from './session-pool.ts';
import { SigningWorkers } from './signing-workers.ts';
import { bumpSoftHsmGeneration } from './softhsm-generation.ts';
import { findExistingTokenSlot } from './token.ts';
import {
  destroyQuietly,
  generateWrappedKeyPair,
  unwrapSigningKey,
  type WrappedKey,
  type WrappedKeyStore,
  wrapAgain,
  wrappingContext,
} from './wrapped-keys.ts';

export type KeyKind = 'signing' | 'wrapping' | 'data-encryption';

export interface KeyAttributes {
  readonly sensitive: boolean;
  readonly extractable: boolean;
  readonly sign: boolean;
  readonly decrypt: boolean;
  readonly encrypt: boolean;
  readonly wrap: boolean;
  readonly unwrap: boolean;
  readonly derive: boolean;
}

export interface KeyInfo {
  /** CKA_ID in lower-case hex. */
  readonly id: string;
  readonly label: string;
  readonly kind: KeyKind;
  readonly algorithm: KeyAlgorithm | 'AES-256';
  /** SubjectPublicKeyInfo (DER) of a signing key. */
  readonly publicKey?: Buffer;
  readonly attributes: KeyAttributes;
}

export interface SignDigestOptions {
  readonly digestAlgorithm: DigestAlgorithm;
  /** Defaults to PKCS#1 v1.5 for RSA keys and ECDSA for EC keys. */
  readonly scheme?: SignatureScheme | undefined;
}

export interface CryptoModuleOptions {
  readonly modulePath: string;
  readonly tokenLabel: string;
  readonly userPin: string;
  readonly sessions: number;
  /**
   * Sign inline (synchronous C_Sign) when nothing else is signing, for EC and RSA-2048 keys. For a
   * local token such as SoftHSM2 such a signature takes at most about a millisecond, and the hop to
   * libuv's thread pool and back costs a noticeable share of it on a loaded machine; larger RSA keys
   * would hold the event loop too long. Never set this for a network HSM, where the call waits for a
   * round trip. Default false.
   */
  readonly inlineSigning?: boolean;
}

interface CachedKey {
  readonly privateHandle: Handle;
  readonly algorithm: KeyAlgorithm;
}

/** A signing key held for one signature (or batch); release() lets the LRU evict it again. */
interface KeyLease {
  readonly key: CachedKey;
  release(): void;
}

/** Whose key a wrapped signing key is (ADR 017): part of the context its blob is bound to. */
export interface KeyOwner {
  readonly purpose: string;
  readonly owner: string;
}

/** Unwrapped session keys kept by default: enough for the credentials signing at any one time. */
const DEFAULT_SESSION_KEYS = 256;

const PSS_PARAMS: Record<DigestAlgorithm, { hashAlg: number; mgf: number; saltLen: number }> = {
  'SHA-256': { hashAlg: p.CKM_SHA256, mgf: p.CKG_MGF1_SHA256, saltLen: 32 },
  'SHA-384': { hashAlg: p.CKM_SHA384, mgf: p.CKG_MGF1_SHA384, saltLen: 48 },
  'SHA-512': { hashAlg: p.CKM_SHA512, mgf: p.CKG_MGF1_SHA512, saltLen: 64 },
};

/** From this many digests on, signDigests signs on worker threads rather than through the session pool. */
const BATCH_ON_WORKERS = 8;

const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;

/**
 * Checks the installation makes before and after every signature: the clock bound (a signature, a
 * certificate or a timestamp carries the time) and the signature counters. Injected by the composition
 * root so that this module depends on nothing above it.
 */
export interface SigningObserver {
  /** Throws to refuse the signature (e.g. SHOMEI_CLOCK_UNSYNCHRONISED). */
  beforeSign(keyId: string): void;
  afterSign(keyId: string, outcome: 'success' | 'failure'): void;
}

export class CryptoModule {
  private readonly signingKeys = new Map<string, CachedKey>();
  /** signDigest calls begun and not yet finished, whether or not they hold a session yet. */
  private signaturesUnderway = 0;
  private readonly keyLookups = new Map<string, Promise<CachedKey>>();
  /**
   * Secret-key handles by CKA_ID: the KEKs (a handful per installation, one per purpose and epoch),
   * which every document read and credential signature uses, so that each use is not a C_FindObjects.
   * Dropped when this process destroys the key or re-opens its sessions; a key destroyed by another
   * process is dropped when the token refuses its handle (withSecretKey).
   */
  private readonly keks = new Map<string, Handle>();
  /** Started on the first batch: most installations sign one digest at a time. */
  private workers: SigningWorkers | undefined;
  private closed = false;
  private observer: SigningObserver | undefined;
  private wrappedKeys: WrappedKeyStore | undefined;
  private sessionKeys = this.newSessionKeyCache(DEFAULT_SESSION_KEYS);
  /** Unwraps under way, with the signatures waiting for each (see unwrapIntoCache). */
  private readonly unwraps = new Map<string, { readonly done: Promise<SessionKey>; waiters: number }>();

  private constructor(
    private readonly pkcs11: Pkcs11,
    private readonly pool: SessionPool,
    private readonly modulePath: string,
    private readonly inlineSigning: boolean,
  ) {
    // Handles of the lost sessions are meaningless in the new ones (issue #22).
    pool.onReopen(() => {
      this.signingKeys.clear();
      // KEK handles and the unwrapped session keys went with the old sessions too (ADR 017).
      this.keks.clear();
      this.sessionKeys.clear();
      this.workers?.close();
      this.workers = undefined;
    });
  }

  /** Re-opens the token's sessions (after a token or module failure); signing retries this by itself. */
  reopen(): Promise<void> {
    return this.pool.reopen();
  }

  /** Opens the token with the given label and logs in with the user PIN. */
  static open(options: CryptoModuleOptions): CryptoModule {
    const pkcs11 = acquireLibrary(options.modulePath);
    try {
      const slot = findExistingTokenSlot(pkcs11, options.tokenLabel);
      if (slot === undefined) {
        throw shomeiError(
          'SHOMEI_HSM_TOKEN_NOT_FOUND',
          `ラベル "${options.tokenLabel}" のトークンが見つかりません (shomei init を実行してください)。`,
          `No token labelled "${options.tokenLabel}" was found (run shomei init).`,
          { status: 503, details: { tokenLabel: options.tokenLabel } },
        );
      }
      const pool = new SessionPool(pkcs11, slot, options.userPin, Math.max(1, options.sessions), {
        modulePath: options.modulePath,
        tokenLabel: options.tokenLabel,
      });
      return new CryptoModule(pkcs11, pool, options.modulePath, options.inlineSigning === true);
    } catch (error) {
      releaseLibrary(options.modulePath);
      throw error;
    }
  }

  observeSigning(observer: SigningObserver): void {
    this.observer = observer;
  }

  get sessionCount(): number {
    return this.pool.size;
  }

  /** The session pool now: open, idle, and callers waiting (for /metrics). */
  sessionPoolState(): { total: number; idle: number; waiting: number } {
    return this.pool.state();
  }

  /**
   * Keeps signing keys generated with an owner outside the token, wrapped under the purpose's KEK
   * (ADR 017); at most `cacheSize` unwrapped copies stay as session objects.
   */
  attachWrappedKeyStore(store: WrappedKeyStore, options: { readonly cacheSize?: number } = {}): void {
    this.wrappedKeys = store;
    this.sessionKeys.destroyAll();
    this.sessionKeys = this.newSessionKeyCache(Math.max(1, options.cacheSize ?? DEFAULT_SESSION_KEYS));
  }

  /** Unwrapped session keys held now, the cache's bound, and how many were evicted so far. */
  get sessionKeyCache(): { readonly size: number; readonly capacity: number; readonly evicted: number } {
    const { size, capacity, evicted } = this.sessionKeys;
    return { size, capacity, evicted };
  }

  /** Objects in the token (CKA_TOKEN true) and session objects this process holds (CKA_TOKEN false). */
  async objectCounts(): Promise<{ token: number; session: number }> {
    const token = (await this.findAll([{ type: p.CKA_TOKEN, value: true }])).length;
    const session = (await this.findAll([{ type: p.CKA_TOKEN, value: false }])).length;
    return { token, session };
  }

  /**
   * Generates a signing key. With an owner (and a wrapped-key store) the key is kept outside the
   * token, wrapped under the current KEK of the owner's purpose; otherwise it is a token object.
   */
  async generateSigningKey(algorithm: KeyAlgorithm, label: string, owner?: KeyOwner): Promise<KeyInfo> {
    if (owner !== undefined && this.wrappedKeys !== undefined) {
      return this.generateWrappedSigningKey(algorithm, label, owner, this.wrappedKeys);
    }
    const id = randomBytes(16);
    const mechanism = { mechanism: isRsa(algorithm) ? p.CKM_RSA_PKCS_KEY_PAIR_GEN : p.CKM_EC_KEY_PAIR_GEN };
    await this.pool.use(async (session) => {
      try {
        await this.pkcs11.C_GenerateKeyPairAsync(
          session,
          mechanism,
          signingPublicKeyTemplate(id, label, algorithm),
          signingPrivateKeyTemplate(id, label),
        );
      } catch (error) {
        throw toCryptoError(error, 'C_GenerateKeyPair');
      }
    });
    return this.getKey(id.toString('hex'));
  }

  /**
   * Signs a digest computed outside the module. RSA PKCS#1 v1.5 wraps it in a DigestInfo first
   * (CKM_RSA_PKCS); RSA-PSS uses CKM_RSA_PKCS_PSS; ECDSA returns a DER Ecdsa-Sig-Value.
   */
  async signDigest(keyId: string, digest: Uint8Array, options: SignDigestOptions): Promise<Buffer> {
    this.signaturesUnderway += 1;
    try {
      return await this.pool.recovering(() => this.signOne(keyId, digest, options));
    } finally {
      this.signaturesUnderway -= 1;
    }
  }

  private async signOne(keyId: string, digest: Uint8Array, options: SignDigestOptions): Promise<Buffer> {
    const lease = await this.signingKey(keyId);
    try {
      return await this.signOneWith(keyId, lease.key, digest, options);
    } finally {
      lease.release();
    }
  }

  private async signOneWith(
    keyId: string,
    key: CachedKey,
    digest: Uint8Array,
    options: SignDigestOptions,
  ): Promise<Buffer> {
    const { scheme, mechanism, inputs } = this.prepareSignatures(keyId, key, [digest], options);
    this.observer?.beforeSign(keyId);
    // Inline only for a lone signature: a batch (e.g. 100 hashes of one signHash) still waiting at the
    // key lookup above must go to the thread pool, or every one of them would run on this thread.
    const inline =
      this.inlineSigning &&
      (scheme === 'ECDSA' || key.algorithm === 'RSA-2048') &&
      this.signaturesUnderway === 1 &&
      this.pool.uncontended;
    const raw = await this.pool.use(async (session) => {
      try {
        this.pkcs11.C_SignInit(session, mechanism, key.privateHandle);
        if (inline) return this.pkcs11.C_Sign(session, inputs[0]!, Buffer.alloc(512));
        return await this.pkcs11.C_SignAsync(session, inputs[0]!, Buffer.alloc(1024));
      } catch (error) {
        this.observer?.afterSign(keyId, 'failure');
        throw toCryptoError(error, 'C_Sign');
      }
    });
    this.observer?.afterSign(keyId, 'success');
    return scheme === 'ECDSA' ? ecdsaRawToDer(raw) : raw;
  }

  /**
   * Signs several digests with one key, in order: what a remote signature request with many hashes
   * needs. Large batches are signed on worker threads, one session each, so that the main thread stays
   * free for the requests around them; each signature still passes the signing observer.
   */
  async signDigests(
    keyId: string,
    digests: readonly Uint8Array[],
    options: SignDigestOptions,
  ): Promise<Buffer[]> {
    if (digests.length < BATCH_ON_WORKERS) {
      return Promise.all(digests.map((digest) => this.signDigest(keyId, digest, options)));
    }
    const lease = await this.signingKey(keyId);
    try {
      return await this.signBatchWith(keyId, lease.key, digests, options);
    } finally {
      lease.release();
    }
  }

  private async signBatchWith(
    keyId: string,
    key: CachedKey,
    digests: readonly Uint8Array[],
    options: SignDigestOptions,
  ): Promise<Buffer[]> {
    const { scheme, mechanism, inputs } = this.prepareSignatures(keyId, key, digests, options);
    for (let i = 0; i < inputs.length; i += 1) this.observer?.beforeSign(keyId);
    this.workers ??= new SigningWorkers(this.modulePath, this.pool.slot, this.pool.size);
    let raw: Buffer[];
    try {
      raw = await this.workers.sign(key.privateHandle, mechanism, inputs);
    } catch (error) {
      for (let i = 0; i < inputs.length; i += 1) this.observer?.afterSign(keyId, 'failure');
      throw toCryptoError(error, 'C_Sign');
    }
    for (let i = 0; i < inputs.length; i += 1) this.observer?.afterSign(keyId, 'success');
    return scheme === 'ECDSA' ? raw.map(ecdsaRawToDer) : raw;
  }

  /** Checks digests and scheme against the key, and builds the mechanism and the inputs to C_Sign. */
  private prepareSignatures(
    keyId: string,
    key: CachedKey,
    digests: readonly Uint8Array[],
    options: SignDigestOptions,
  ): {
    scheme: SignatureScheme;
    mechanism: pkcs11types.Mechanism;
    inputs: Buffer[];
  } {
    const bytes = digests.map((digest) => Buffer.from(digest));
    for (const digest of bytes) {
      if (digest.length !== DIGEST_LENGTH[options.digestAlgorithm]) {
        throw shomeiError(
          'SHOMEI_DIGEST_LENGTH_INVALID',
          `ハッシュ値の長さ (${digest.length} バイト) が ${options.digestAlgorithm} と一致しません。`,
          `The digest length (${digest.length} bytes) does not match ${options.digestAlgorithm}.`,
          { details: { length: digest.length, digestAlgorithm: options.digestAlgorithm } },
        );
      }
    }
    const scheme = options.scheme ?? defaultScheme(key.algorithm);
    if (isRsa(key.algorithm) === (scheme === 'ECDSA')) {
      throw shomeiError(
        'SHOMEI_SIGNATURE_SCHEME_MISMATCH',
        `鍵 (${key.algorithm}) では署名方式 ${scheme} を使えません。`,
        `Signature scheme ${scheme} cannot be used with a ${key.algorithm} key.`,
        { details: { keyId, scheme, algorithm: key.algorithm } },
      );
    }
    if (scheme === 'RSASSA-PKCS1-v1_5') {
      return {
        scheme,
        mechanism: { mechanism: p.CKM_RSA_PKCS },
        inputs: bytes.map((digest) => digestInfo(options.digestAlgorithm, digest)),
      };
    }
    const mechanism: pkcs11types.Mechanism =
      scheme === 'RSASSA-PSS'
        ? {
            mechanism: p.CKM_RSA_PKCS_PSS,
            parameter: { type: p.CK_PARAMS_RSA_PSS, ...PSS_PARAMS[options.digestAlgorithm] },
          }
        : { mechanism: p.CKM_ECDSA };
    return { scheme, mechanism, inputs: bytes };
  }

  /** Generates (or, from key-ceremony components, installs) an AES-256 key for wrapping or data encryption. */
  async createSecretKey(purpose: SecretKeyPurpose, label: string, value?: Buffer): Promise<KeyInfo> {
    if (value !== undefined && value.length !== 32) {
      throw shomeiError(
        'SHOMEI_KEY_LENGTH_INVALID',
        'AES 鍵は 32 バイト (AES-256) でなければなりません。',
        'The AES key must be 32 bytes (AES-256).',
      );
    }
    const id = randomBytes(16);
    await this.pool.use(async (session) => {
      try {
        const template = secretKeyTemplate(id, label, purpose, value);
        if (value === undefined) {
          await this.pkcs11.C_GenerateKeyAsync(session, { mechanism: p.CKM_AES_KEY_GEN }, template);
        } else {
          this.pkcs11.C_CreateObject(session, template);
        }
      } catch (error) {
        throw toCryptoError(error, value === undefined ? 'C_GenerateKey' : 'C_CreateObject');
      }
    });
    return this.getKey(id.toString('hex'));
  }

  /**
   * Imports a private key that a trusted CA delivered wrapped (AES key wrap with padding, RFC 5649)
   * under a wrapping key in this token. The expected public key comes with it (from the certificate);
   * a key whose public key is already present is refused, and the unwrapped key must prove that it
   * matches the public key before it is kept.
   */
  async importWrappedSigningKey(params: {
    readonly wrappingKeyId: string;
    readonly wrappedKey: Uint8Array;
    readonly publicKey: Uint8Array;
    readonly label: string;
  }): Promise<KeyInfo> {
    const spki = Buffer.from(params.publicKey);
    const algorithm = publicKeyAlgorithm(spki);
    const existing = await this.findByPublicKey(spki);
    if (existing !== undefined) {
      throw shomeiError(
        'SHOMEI_KEY_ALREADY_PRESENT',
        `同じ公開鍵を持つ鍵が既にあります (${existing.id})。同じ鍵は二度インポートできません。`,
        `A key with the same public key is already present (${existing.id}); a key cannot be imported twice.`,
        { status: 409, details: { existingKeyId: existing.id } },
      );
    }
    const wrappingHandle = await this.findObject(params.wrappingKeyId, p.CKO_SECRET_KEY);
    if (wrappingHandle === undefined) throw keyNotFound(params.wrappingKeyId);
    const id = randomBytes(16);
    const privateTemplate = [
      ...signingPrivateKeyTemplate(id, params.label),
      { type: p.CKA_KEY_TYPE, value: isRsa(algorithm) ? p.CKK_RSA : p.CKK_EC },
    ];
    const privateHandle = await this.pool.use((session) => {
      try {
        return this.pkcs11.C_UnwrapKey(
          session,
          { mechanism: p.CKM_AES_KEY_WRAP_PAD },
          wrappingHandle,
          Buffer.from(params.wrappedKey),
          privateTemplate,
        );
      } catch (error) {
        throw toCryptoError(error, 'C_UnwrapKey');
      }
    });
    this.signingKeys.set(id.toString('hex'), { privateHandle, algorithm });
    try {
      await this.proveKeyMatches(id.toString('hex'), spki);
      await this.pool.use((session) => {
        this.pkcs11.C_CreateObject(session, publicKeyObjectTemplate(id, params.label, spki, algorithm));
      });
    } catch (error) {
      await this.destroyKey(id.toString('hex'));
      throw error;
    }
    return this.getKey(id.toString('hex'));
  }

  /** Encrypts a small secret (a per-document key) with an AES-256 data-encryption key in the token (AES-GCM). */
  async encryptWithKey(keyId: string, plaintext: Uint8Array, aad?: Uint8Array): Promise<Buffer> {
    const iv = randomBytes(GCM_IV_BYTES);
    const out = await this.withSecretKey(keyId, undefined, (handle) =>
      this.pool.use(async (session) => {
        try {
          this.pkcs11.C_EncryptInit(session, gcm(iv, aad), handle);
          return await this.pkcs11.C_EncryptAsync(
            session,
            Buffer.from(plaintext),
            Buffer.alloc(plaintext.length + GCM_TAG_BYTES + 32),
          );
        } catch (error) {
          throw toCryptoError(error, 'C_Encrypt');
        }
      }),
    );
    return Buffer.concat([iv, out]);
  }

  /** Decrypts what encryptWithKey produced. Any key that is not a data-encryption key is refused by the token. */
  async decryptWithKey(keyId: string, sealed: Uint8Array, aad?: Uint8Array): Promise<Buffer> {
    const data = Buffer.from(sealed);
    if (data.length < GCM_IV_BYTES + GCM_TAG_BYTES) {
      throw shomeiError(
        'SHOMEI_DATA_KEY_INVALID',
        '暗号化データが短すぎます。',
        'The encrypted data is too short.',
      );
    }
    const iv = data.subarray(0, GCM_IV_BYTES);
    // A private key is looked up too, so that the token itself refuses it (key usage).
    return this.withSecretKey(keyId, p.CKO_PRIVATE_KEY, (handle) =>
      this.pool.use(async (session) => {
        try {
          this.pkcs11.C_DecryptInit(session, gcm(iv, aad), handle);
          return await this.pkcs11.C_DecryptAsync(
            session,
            data.subarray(GCM_IV_BYTES),
            Buffer.alloc(data.length),
          );
        } catch (error) {
          throw toCryptoError(error, 'C_Decrypt');
        }
      }),
    );
  }

  /**
   * Runs `use` with the secret key's cached handle (or, when there is none, the object of `otherClass`).
   * A handle the token no longer knows (the key was destroyed by another process, e.g. `shomei keys
   * rotate-kek`) is dropped and the key looked up once more, which then finds nothing: a destroyed
   * KEK is never used again, wherever it was destroyed.
   */
  private async withSecretKey<T>(
    keyId: string,
    otherClass: number | undefined,
    use: (handle: Handle) => Promise<T>,
  ): Promise<T> {
    const lookUp = async (): Promise<Handle> => {
      const handle =
        (await this.kekHandle(keyId).catch(() => undefined)) ??
        (otherClass === undefined ? undefined : await this.findObject(keyId, otherClass));
      if (handle === undefined) throw keyNotFound(keyId);
      return handle;
    };
    const handle = await this.pool.recovering(lookUp);
    try {
      return await use(handle);
    } catch (error) {
      const stale = /HANDLE_INVALID/.test(
        String((error as { details?: { pkcs11?: string } }).details?.pkcs11),
      );
      if (!stale || this.keks.get(keyId) !== handle) throw error;
      this.keks.delete(keyId);
      return use(await lookUp());
    }
  }

  /**
   * Wraps a key for backup under a wrapping key. Signing keys are never extractable, so the token
   * refuses them (SHOMEI_KEY_NOT_EXTRACTABLE): their backup is the HSM's own encrypted token backup.
   */
  async wrapKey(keyId: string, wrappingKeyId: string): Promise<Buffer> {
    const target =
      (await this.findObject(keyId, p.CKO_PRIVATE_KEY)) ?? (await this.findObject(keyId, p.CKO_SECRET_KEY));
    if (target === undefined) throw keyNotFound(keyId);
    const wrapping = await this.findObject(wrappingKeyId, p.CKO_SECRET_KEY);
    if (wrapping === undefined) throw keyNotFound(wrappingKeyId);
    return this.pool.use((session) => {
      try {
        return this.pkcs11.C_WrapKey(
          session,
          { mechanism: p.CKM_AES_KEY_WRAP_PAD },
          wrapping,
          target,
          Buffer.alloc(8192),
        );
      } catch (error) {
        throw toCryptoError(error, 'C_WrapKey');
      }
    });
  }

  /**
   * Wraps a key kept outside the token again under another KEK epoch (rotation, ADR 017): unwrapped
   * extractable for this one C_WrapKey and destroyed at once. Returns the new record, saved.
   */
  async rewrapSigningKey(keyId: string, kekId: string): Promise<WrappedKey> {
    const wrapped = await this.wrappedKeys?.find(keyId);
    if (wrapped === undefined || this.wrappedKeys === undefined) throw keyNotFound(keyId);
    if (wrapped.kekId === kekId) return wrapped;
    const copy = await this.unwrapExtractable(wrapped);
    const kek = await this.kekHandle(kekId);
    const context = wrappingContext(wrapped.purpose, wrapped.owner, wrapped.keyId);
    const blob = await this.pool.use((session) => {
      try {
        return wrapAgain(this.pkcs11, session, kek, copy.privateHandle, context);
      } finally {
        destroyQuietly(this.pkcs11, session, copy.privateHandle);
      }
    });
    const next = { ...wrapped, kekId, wrapped: blob };
    await this.wrappedKeys.save(next);
    return next;
  }

  /** Destroys every object (private, public, secret) with this id. Returns how many were destroyed. */
  async destroyKey(keyId: string): Promise<number> {
    this.signingKeys.delete(keyId);
    this.keks.delete(keyId);
    if (this.wrappedKeys !== undefined && (await this.wrappedKeys.find(keyId)) !== undefined) {
      this.sessionKeys.forget(keyId);
      return (await this.wrappedKeys.remove(keyId)) ? 1 : 0;
    }
    const handles = await this.findAll([{ type: p.CKA_ID, value: idBuffer(keyId) }]);
    if (handles.length === 0) throw keyNotFound(keyId);
    await this.pool.use((session) => {
      for (const handle of handles) {
        try {
          this.pkcs11.C_DestroyObject(session, handle);
        } catch (error) {
          throw toCryptoError(error, 'C_DestroyObject');
        }
      }
    });
    return handles.length;
  }

  async listKeys(): Promise<KeyInfo[]> {
    const handles = await this.findAll([]);
    const ids = new Set<string>();
    await this.pool.use((session) => {
      for (const handle of handles) {
        const [attr] = this.pkcs11.C_GetAttributeValue(session, handle, [{ type: p.CKA_ID }]);
        if (attr?.value instanceof Buffer && attr.value.length > 0) ids.add(attr.value.toString('hex'));
      }
    });
    const keys: KeyInfo[] = [];
    for (const id of ids) keys.push(await this.getKey(id));
    return keys.sort((a, b) => a.label.localeCompare(b.label) || a.id.localeCompare(b.id));
  }

  /**
   * Id and label of every key in the token, read in one pass: what listKeys gives without a search and
   * a public-key read per key (the token's environment mark at every start, ADR 043).
   */
  async keyLabels(): Promise<{ id: string; label: string }[]> {
    const handles = await this.findAll([]);
    const labels = new Map<string, string>();
    await this.pool.use((session) => {
      for (const handle of handles) {
        const [id, label] = this.pkcs11.C_GetAttributeValue(session, handle, [
          { type: p.CKA_ID },
          { type: p.CKA_LABEL },
        ]);
        if (!(id?.value instanceof Buffer) || id.value.length === 0) continue;
        const text = label?.value instanceof Buffer ? label.value.toString('utf8') : '';
        if (!labels.has(id.value.toString('hex')) || text !== '') labels.set(id.value.toString('hex'), text);
      }
    });
    return [...labels].map(([id, label]) => ({ id, label }));
  }

  async hasKey(keyId: string): Promise<boolean> {
    if (this.wrappedKeys !== undefined && (await this.wrappedKeys.find(keyId)) !== undefined) return true;
    const template = [{ type: p.CKA_ID, value: idBuffer(keyId) }];
    if ((await this.findAll(template)).length > 0) return true;
    // A key written by another process on the same SoftHSM2 token may not be indexed here yet.
    return bumpSoftHsmGeneration(this.modulePath) && (await this.findAll(template)).length > 0;
  }

  /**
   * A key's description. `toSign`: the caller is about to sign with it (digestSignerFor), so a
   * signing key's handle found here is kept for signDigest, as its own lookup would keep it (ADR 046).
   */
  async getKey(keyId: string, options: { readonly toSign?: boolean } = {}): Promise<KeyInfo> {
    const wrapped = await this.wrappedKeys?.find(keyId);
    if (wrapped !== undefined) {
      return wrappedKeyInfo(
        keyId,
        `${wrapped.purpose}:${wrapped.owner}`,
        wrapped.algorithm,
        wrapped.publicKey,
      );
    }
    const privateHandle = await this.findObject(keyId, p.CKO_PRIVATE_KEY);
    const secretHandle =
      privateHandle === undefined ? await this.findObject(keyId, p.CKO_SECRET_KEY) : undefined;
    if (privateHandle !== undefined) {
      const info = await this.privateKeyInfo(keyId, privateHandle);
      if (options.toSign === true) this.keepForSigning(keyId, privateHandle, info);
      return info;
    }
    if (secretHandle === undefined) throw keyNotFound(keyId);
    return this.pool.use((session) => {
      const { label, attributes } = this.readKeyAttributes(session, secretHandle);
      return {
        id: keyId,
        label,
        kind: attributes.unwrap || attributes.derive ? 'wrapping' : 'data-encryption',
        algorithm: 'AES-256',
        attributes,
      };
    });
  }

  private async privateKeyInfo(keyId: string, handle: Handle): Promise<KeyInfo> {
    return this.pool.use((session): KeyInfo => {
      const { label, attributes } = this.readKeyAttributes(session, handle, 'private');
      const { algorithm, publicKey } = this.readPublicKey(session, keyId, handle);
      return { id: keyId, label, kind: 'signing', algorithm, publicKey, attributes };
    });
  }

  /** The handle just found, in the signing-key cache as lookUpSigningKey puts it; destroyKey drops it. */
  private keepForSigning(keyId: string, handle: Handle, info: KeyInfo): void {
    if (info.attributes.sign && info.algorithm !== 'AES-256' && !this.signingKeys.has(keyId)) {
      this.signingKeys.set(keyId, { privateHandle: handle, algorithm: info.algorithm });
    }
  }

  /**
   * Label and usage flags in one C_GetAttributeValue; one call each when the token refuses the batch.
   * A private key is asked only what PKCS#11 defines for its class: CKA_ENCRYPT and CKA_WRAP are
   * public- and secret-key attributes, which SoftHSM2 refuses (failing the whole batch, then nine
   * single calls, two of them refused: ~3 ms a key cold) and which read as false either way.
   */
  private readKeyAttributes(
    session: Handle,
    handle: Handle,
    objectClass: 'private' | 'secret' = 'secret',
  ): { label: string; attributes: KeyAttributes } {
    const privateKey = objectClass === 'private';
    const types = [
      p.CKA_LABEL,
      p.CKA_SENSITIVE,
      p.CKA_EXTRACTABLE,
      p.CKA_SIGN,
      p.CKA_DECRYPT,
      ...(privateKey ? [] : [p.CKA_ENCRYPT, p.CKA_WRAP]),
      p.CKA_UNWRAP,
      p.CKA_DERIVE,
    ];
    let values: (Buffer | undefined)[];
    try {
      values = this.pkcs11
        .C_GetAttributeValue(
          session,
          handle,
          types.map((type) => ({ type })),
        )
        .map((attr) => (attr.value instanceof Buffer ? attr.value : undefined));
    } catch {
      // An attribute that does not apply to this object class (CKA_ENCRYPT on a private key) fails
      // the whole batch on some tokens; read one by one, a refused one reading as false.
      values = types.map((type) => this.attributeOrUndefined(session, handle, type, type === p.CKA_LABEL));
    }
    const bool = (type: number): boolean => values[types.indexOf(type)]?.[0] === 1;
    return {
      label: values[0]?.toString('utf8') ?? '',
      attributes: {
        sensitive: bool(p.CKA_SENSITIVE),
        extractable: bool(p.CKA_EXTRACTABLE),
        sign: bool(p.CKA_SIGN),
        decrypt: bool(p.CKA_DECRYPT),
        encrypt: bool(p.CKA_ENCRYPT),
        wrap: bool(p.CKA_WRAP),
        unwrap: bool(p.CKA_UNWRAP),
        derive: bool(p.CKA_DERIVE),
      },
    };
  }

  private attributeOrUndefined(
    session: Handle,
    handle: Handle,
    type: number,
    required: boolean,
  ): Buffer | undefined {
    try {
      const [attr] = this.pkcs11.C_GetAttributeValue(session, handle, [{ type }]);
      return attr?.value instanceof Buffer ? attr.value : undefined;
    } catch (error) {
      if (required) throw error;
      return undefined;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sessionKeys.clear();
    this.workers?.close();
    this.pool.close();
    releaseLibrary(this.modulePath);
  }

  // --- internals -------------------------------------------------------------------------------

  private async signingKey(keyId: string): Promise<KeyLease> {
    for (let attempt = 0; ; attempt += 1) {
      const session = this.sessionKeys.acquire(keyId);
      if (session !== undefined) return this.sessionLease(keyId, session);
      const token = await this.tokenSigningKey(keyId);
      if ('privateHandle' in token) return { key: token, release: () => undefined };
      if (token.session !== undefined) return this.sessionLease(keyId, token.session);
      // Evicted again before this signature could take it (a burst over the cache bound): retry.
      if (attempt >= 3) throw keyNotFound(keyId);
    }
  }

  private sessionLease(keyId: string, session: SessionKey): KeyLease {
    const key = { privateHandle: session.handle, algorithm: session.algorithm };
    return { key, release: () => this.sessionKeys.release(keyId, session) };
  }

  /**
   * A token key, or a wrapped key's session copy acquired for this caller (`session` undefined when
   * it was forgotten before the caller could take it: retry).
   */
  private async tokenSigningKey(keyId: string): Promise<CachedKey | { readonly session?: SessionKey }> {
    const cached = this.signingKeys.get(keyId);
    if (cached !== undefined) return cached;
    const wrapped = await this.wrappedKeys?.find(keyId);
    if (wrapped !== undefined) {
      const session = await this.unwrapIntoCache(wrapped);
      return session === undefined ? {} : { session };
    }
    // One lookup per key: a batch of 100 signatures on a key not yet cached would otherwise run 100
    // searches through the session pool before the first signature.
    let lookup = this.keyLookups.get(keyId);
    if (lookup === undefined) {
      lookup = this.lookUpSigningKey(keyId).finally(() => this.keyLookups.delete(keyId));
      this.keyLookups.set(keyId, lookup);
    }
    return lookup;
  }

  /**
   * One C_UnwrapKey per key however many signatures wait for it; the copy lands in the LRU and each
   * waiter leaves with it acquired. The unwrap holds the copy until the last waiter has taken it, so a
   * burst over the cache bound cannot evict it under them; the hold ends with that waiter, not on a
   * later turn of the event loop, so a run of signatures that never yields still keeps the bound.
   */
  private async unwrapIntoCache(wrapped: WrappedKey): Promise<SessionKey | undefined> {
    const keyId = wrapped.keyId;
    let pending = this.unwraps.get(keyId);
    if (pending === undefined) {
      pending = { done: this.unwrapHeld(wrapped), waiters: 0 };
      this.unwraps.set(keyId, pending);
    }
    pending.waiters += 1;
    let held: SessionKey | undefined;
    try {
      held = await pending.done;
      return this.sessionKeys.acquire(keyId);
    } finally {
      pending.waiters -= 1;
      if (pending.waiters === 0) {
        if (this.unwraps.get(keyId) === pending) this.unwraps.delete(keyId);
        if (held !== undefined) this.sessionKeys.release(keyId, held);
      }
    }
  }

  /** Unwraps a signing copy (sensitive, not extractable) into the LRU, acquired once as the hold. */
  private async unwrapHeld(wrapped: WrappedKey): Promise<SessionKey> {
    const kek = await this.kekHandle(wrapped.kekId);
    const context = wrappingContext(wrapped.purpose, wrapped.owner, wrapped.keyId);
    const handle = await this.pool.use((session) =>
      unwrapSigningKey(this.pkcs11, session, kek, wrapped, context, false),
    );
    return this.sessionKeys.insertAcquired(wrapped.keyId, { handle, algorithm: wrapped.algorithm });
  }

  /** An extractable copy for one C_WrapKey (rotation); the caller destroys it. */
  private async unwrapExtractable(wrapped: WrappedKey): Promise<CachedKey> {
    const kek = await this.kekHandle(wrapped.kekId);
    const context = wrappingContext(wrapped.purpose, wrapped.owner, wrapped.keyId);
    const handle = await this.pool.use((session) =>
      unwrapSigningKey(this.pkcs11, session, kek, wrapped, context, true),
    );
    return { privateHandle: handle, algorithm: wrapped.algorithm };
  }

  private async kekHandle(kekId: string): Promise<Handle> {
    const cached = this.keks.get(kekId);
    if (cached !== undefined) return cached;
    const handle = await this.findObject(kekId, p.CKO_SECRET_KEY);
    if (handle === undefined) throw keyNotFound(kekId);
    this.keks.set(kekId, handle);
    return handle;
  }

  private newSessionKeyCache(capacity: number): SessionKeyCache {
    return new SessionKeyCache(capacity, (handle) => {
      if (this.closed) return;
      void this.pool.use((session) => destroyQuietly(this.pkcs11, session, handle)).catch(() => undefined);
    });
  }

  private async generateWrappedSigningKey(
    algorithm: KeyAlgorithm,
    label: string,
    owner: KeyOwner,
    store: WrappedKeyStore,
  ): Promise<KeyInfo> {
    const keyId = randomBytes(16).toString('hex');
    const kekId = await store.currentKek(owner.purpose);
    const kek = await this.kekHandle(kekId);
    const context = wrappingContext(owner.purpose, owner.owner, keyId);
    const { publicKey, wrapped } = await this.pool.use((session) =>
      generateWrappedKeyPair(this.pkcs11, session, kek, algorithm, context),
    );
    await store.save({
      keyId,
      purpose: owner.purpose,
      owner: owner.owner,
      kekId,
      algorithm,
      publicKey,
      wrapped,
    });
    return wrappedKeyInfo(keyId, label, algorithm, publicKey);
  }

  private async lookUpSigningKey(keyId: string): Promise<CachedKey> {
    const handle = await this.findObject(keyId, p.CKO_PRIVATE_KEY);
    if (handle === undefined) throw keyNotFound(keyId);
    // Described through the handle just found, not found a second time.
    const info = await this.privateKeyInfo(keyId, handle);
    if (info.kind !== 'signing' || !info.attributes.sign) {
      throw shomeiError(
        'SHOMEI_KEY_USAGE_NOT_PERMITTED',
        `鍵 ${keyId} は署名に使えません。`,
        `Key ${keyId} is not a signing key.`,
        { status: 403, details: { keyId } },
      );
    }
    const entry = { privateHandle: handle, algorithm: info.algorithm as KeyAlgorithm };
    this.signingKeys.set(keyId, entry);
    return entry;
  }

  private readPublicKey(
    session: Handle,
    keyId: string,
    privateHandle: Handle,
  ): { algorithm: KeyAlgorithm; publicKey: Buffer } {
    const [typeAttr] = this.pkcs11.C_GetAttributeValue(session, privateHandle, [{ type: p.CKA_KEY_TYPE }]);
    const keyType = typeAttr?.value instanceof Buffer ? typeAttr.value.readUInt32LE(0) : -1;
    if (keyType === p.CKK_RSA) {
      const [modulus, exponent] = this.pkcs11.C_GetAttributeValue(session, privateHandle, [
        { type: p.CKA_MODULUS },
        { type: p.CKA_PUBLIC_EXPONENT },
      ]);
      const spki = spkiDer(rsaPublicKey(modulus!.value as Buffer, exponent!.value as Buffer));
      return { algorithm: publicKeyAlgorithm(spki), publicKey: spki };
    }
    // EC private keys do not carry the public point: read it from the matching public-key object.
    const publicHandle = this.findSync(session, [
      { type: p.CKA_ID, value: idBuffer(keyId) },
      { type: p.CKA_CLASS, value: p.CKO_PUBLIC_KEY },
    ])[0];
    if (publicHandle === undefined) throw keyNotFound(`${keyId} (public key)`);
    const [params, point] = this.pkcs11.C_GetAttributeValue(session, publicHandle, [
      { type: p.CKA_EC_PARAMS },
      { type: p.CKA_EC_POINT },
    ]);
    const curve = curveFromParams(params!.value as Buffer);
    if (curve === undefined) throw unsupportedKey();
    return { algorithm: curve, publicKey: spkiDer(ecPublicKey(curve, point!.value as Buffer)) };
  }

  private async proveKeyMatches(keyId: string, spki: Buffer): Promise<void> {
    const challenge = randomBytes(32);
    const digest = createHash('sha256').update(challenge).digest();
    const signature = await this.signDigest(keyId, digest, { digestAlgorithm: 'SHA-256' });
    const ok = verify('sha256', challenge, { key: spki, format: 'der', type: 'spki' }, signature);
    if (!ok) {
      throw shomeiError(
        'SHOMEI_KEY_MISMATCH',
        'インポートした秘密鍵が証明書の公開鍵と一致しません。',
        'The imported private key does not match the public key of its certificate.',
        { status: 400 },
      );
    }
  }

  private async findByPublicKey(spki: Buffer): Promise<KeyInfo | undefined> {
    for (const key of await this.listKeys()) {
      if (key.publicKey?.equals(spki)) return key;
    }
    return undefined;
  }

  private async findObject(keyId: string, objectClass: number): Promise<Handle | undefined> {
    if (!/^[0-9a-f]{2,128}$/.test(keyId)) return undefined;
    const template = [
      { type: p.CKA_ID, value: idBuffer(keyId) },
      { type: p.CKA_CLASS, value: objectClass },
    ];
    const handles = await this.findAll(template);
    if (handles.length > 0) return handles[0];
    // hasKey re-indexes a stale SoftHSM2 view when the id is unknown here; then look once more.
    if (!(await this.hasKey(keyId))) return undefined;
    return (await this.findAll(template))[0];
  }

  private findAll(template: pkcs11types.Template): Promise<Handle[]> {
    return this.pool.use((session) => this.findSync(session, template));
  }

  private findSync(session: Handle, template: pkcs11types.Template): Handle[] {
    try {
      this.pkcs11.C_FindObjectsInit(session, template);
      try {
        const found: Handle[] = [];
        for (;;) {
          const batch = this.pkcs11.C_FindObjects(session, 64);
          found.push(...batch);
          if (batch.length < 64) return found;
        }
      } finally {
        this.pkcs11.C_FindObjectsFinal(session);
      }
    } catch (error) {
      throw toCryptoError(error, 'C_FindObjects');
    }
  }
}

function idBuffer(keyId: string): Buffer {
  return Buffer.from(keyId, 'hex');
}

/** AES-GCM; the additional data (when given) binds a sealed key to its owner and purpose (ADR 017). */
function gcm(iv: Buffer, aad?: Uint8Array): pkcs11types.Mechanism {
  return {
    mechanism: p.CKM_AES_GCM,
    parameter: {
      type: p.CK_PARAMS_AES_GCM,
      iv,
      ivBits: iv.length * 8,
      tagBits: GCM_TAG_BYTES * 8,
      ...(aad === undefined || aad.length === 0 ? {} : { aad: Buffer.from(aad) }),
    } as pkcs11types.AesGCM,
  };
}

function wrappedKeyInfo(keyId: string, label: string, algorithm: KeyAlgorithm, publicKey: Buffer): KeyInfo {
  return {
    id: keyId,
    label,
    kind: 'signing',
    algorithm,
    publicKey,
    // What every unwrapped copy is: sensitive, never extractable, for signing only.
    attributes: {
      sensitive: true,
      extractable: false,
      sign: true,
      decrypt: false,
      encrypt: false,
      wrap: false,
      unwrap: false,
      derive: false,
    },
  };
}

function unsupportedKey(): Error {
  return shomeiError(
    'SHOMEI_KEY_ALGORITHM_UNSUPPORTED',
    '対応していない鍵アルゴリズムです (RSA 2048/3072/4096, ECDSA P-256/P-384 に対応)。',
    'Unsupported key algorithm (RSA 2048/3072/4096 and ECDSA P-256/P-384 are supported).',
  );
}

function publicKeyAlgorithm(spki: Buffer): KeyAlgorithm {
  let algorithm: KeyAlgorithm | undefined;
  try {
    algorithm = algorithmOfPublicKey(spki);
  } catch {
    algorithm = undefined;
  }
  if (algorithm === undefined) throw unsupportedKey();
  return algorithm;
}

function publicKeyObjectTemplate(
  id: Buffer,
  label: string,
  spki: Buffer,
  algorithm: KeyAlgorithm,
): pkcs11types.Template {
  const jwk = createPublicKeyJwk(spki);
  const base = signingPublicKeyTemplate(id, label, algorithm).filter(
    (a) => a.type !== p.CKA_MODULUS_BITS && a.type !== p.CKA_PUBLIC_EXPONENT,
  );
  const keyType = { type: p.CKA_KEY_TYPE, value: isRsa(algorithm) ? p.CKK_RSA : p.CKK_EC };
  if (isRsa(algorithm)) {
    return [
      ...base,
      keyType,
      { type: p.CKA_MODULUS, value: Buffer.from(jwk.n!, 'base64url') },
      { type: p.CKA_PUBLIC_EXPONENT, value: Buffer.from(jwk.e!, 'base64url') },
    ];
  }
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x!, 'base64url'),
    Buffer.from(jwk.y!, 'base64url'),
  ]);
  const octet = Buffer.concat([Buffer.from([0x04, point.length]), point]);
  return [...base, keyType, { type: p.CKA_EC_POINT, value: octet }];
}

function createPublicKeyJwk(spki: Buffer): { n?: string; e?: string; x?: string; y?: string } {
  // KeyObject.export({format:'jwk'}) gives the public components without hand-written ASN.1.
  return createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
}
