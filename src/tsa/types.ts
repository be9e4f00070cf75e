/** Public types of the RFC 3161 TSA (embedded server) and the TSA client. */
import type { DigestAlgorithm, KeyAlgorithm } from '../crypto/index.ts';
import type { ParsedCertificate } from '../pki/index.ts';
import type { TsaTls } from './transport.ts';

export interface TimestampRequestOptions {
  /** Send a nonce (default true): a random 64-bit value, or the given bytes. */
  readonly nonce?: boolean | Uint8Array;
  /** Ask the TSA to include its certificate (default true). */
  readonly certReq?: boolean;
  /** Ask for this TSA policy. */
  readonly policy?: string | undefined;
}

/** A checked timestamp token. */
export interface TimestampToken {
  /** The TimeStampToken: a DER ContentInfo holding SignedData over a TSTInfo. */
  readonly token: Buffer;
  readonly genTime: Date;
  /** Lower-case hex. */
  readonly serialNumber: string;
  readonly policy: string;
  readonly digestAlgorithm: DigestAlgorithm;
  readonly digest: Buffer;
  /** Hex, when a nonce was sent. */
  readonly nonce?: string | undefined;
  /** The TSA's certificate (DER), from the token or the caller's trust configuration. */
  readonly tsaCertificate: Buffer;
  /** Accuracy in milliseconds, when the TSA stated one. */
  readonly accuracyMillis?: number;
}

/**
 * Anything that timestamps a digest: the embedded TSA in-process, or a TsaClient for a TSA URL.
 * `timestamp` returns the token DER, so it also fits src/ades's TimestampAuthority port.
 */
export interface TimestampSource {
  /** `digestAlgorithm` defaults to SHA-256 (so this also fits src/audit's CheckpointTimestamper). */
  timestamp(
    digest: Uint8Array,
    digestAlgorithm?: DigestAlgorithm,
    options?: TimestampRequestOptions,
  ): Promise<Buffer>;
  timestampWithDetails(
    digest: Uint8Array,
    digestAlgorithm?: DigestAlgorithm,
    options?: TimestampRequestOptions,
  ): Promise<TimestampToken>;
}

export interface TsaSettings {
  /** TSA policy OID placed in every TSTInfo (SHOMEI_TSA_POLICY_OID). */
  readonly policyOid: string;
  /** Stated accuracy of genTime, in milliseconds (SHOMEI_TSA_ACCURACY_MS, default 1000). */
  readonly accuracyMillis: number;
  readonly keyAlgorithm: KeyAlgorithm;
  /** Digest for the TSA's own signature over the signed attributes. */
  readonly digestAlgorithm: DigestAlgorithm;
  /** Warn when the TSA certificate ends within this many days (SHOMEI_TSA_RENEWAL_WARNING_DAYS, default 90). */
  readonly renewalWarningDays?: number;
}

export interface TokenCheckOptions {
  readonly digest: Uint8Array;
  readonly digestAlgorithm: DigestAlgorithm;
  /** Hex or bytes of the nonce that was sent, when one was sent. */
  readonly nonce?: Uint8Array | undefined;
  /** Required policy, when the caller asked for one. */
  readonly policy?: string | undefined;
  /** How far genTime may be from `now` (default 5 minutes). */
  readonly toleranceMillis?: number | undefined;
  readonly now?: Date | undefined;
  /** Certificates to find the TSA's certificate among when the token does not carry it. */
  readonly certificates?: readonly ParsedCertificate[] | undefined;
  /** When given, the TSA certificate must chain to one of these (at genTime). */
  readonly trustAnchors?: readonly ParsedCertificate[] | undefined;
}

export interface TsaClientOptions {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** Default 10 s. */
  readonly timeoutMillis?: number | undefined;
  /** Largest reply accepted (default 256 KiB). */
  readonly maxReplyBytes?: number | undefined;
  readonly policy?: string | undefined;
  readonly toleranceMillis?: number | undefined;
  readonly trustAnchors?: readonly ParsedCertificate[] | undefined;
  /** Extra certificates (e.g. the TSA's, when it does not honour certReq). */
  readonly certificates?: readonly ParsedCertificate[] | undefined;
  /** TLS client certificate/key and the CA for the TSA's server certificate (https URLs). */
  readonly tls?: TsaTls | undefined;
}
