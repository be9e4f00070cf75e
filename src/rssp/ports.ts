/**
 * What the remote signature service needs from modules written beside it (identity, ca, tsa, ades,
 * mail). Narrow on purpose: the composition root adapts the real implementations to these.
 */
import type { DigestAlgorithm, SignatureScheme } from '../crypto/index.ts';

/** A user as the RSSP sees one after authentication. */
export interface AuthenticatedUser {
  readonly userId: string;
  readonly tenantId?: string;
}

/**
 * Checks a user's login password (identity module), with the same per-account lockout and
 * per-source failure budget as the web login. Returns undefined for any failure.
 */
export interface UserAuthenticator {
  verifyPassword(username: string, password: string, source?: string): Promise<AuthenticatedUser | undefined>;
}

export interface CertificateRequest {
  readonly credentialId: string;
  readonly userId: string;
  readonly tenantId?: string | undefined;
  /** PKCS#10 CertificationRequest (DER), signed with the HSM key (proof of possession). */
  readonly csr: Buffer;
}

export type CertificateIssuance =
  | { readonly status: 'issued'; readonly certificate: Buffer; readonly chain: readonly Buffer[] }
  /** The RA has to approve first; the certificate arrives later through CredentialService.installCertificate. */
  | { readonly status: 'pending'; readonly requestId: string };

export type RevocationReason = 'keyCompromise' | 'cessationOfOperation' | 'superseded' | 'unspecified';

/** The CA (embedded or external) as the RSSP uses it. */
export interface CertificateIssuer {
  requestCertificate(request: CertificateRequest): Promise<CertificateIssuance>;
  revokeCertificate(certificate: Buffer, reason: RevocationReason): Promise<void>;
}

export type CertificateStatus = 'good' | 'revoked' | 'suspended' | 'unknown';

/** Revocation status at signing time (CA database, OCSP or CRL). */
export interface CertificateStatusSource {
  statusOf(certificate: Buffer, issuerChain: readonly Buffer[]): Promise<CertificateStatus>;
  /**
   * Longest a "good" answer may be reused (e.g. what is left of the OCSP response's or CRL's
   * validity); absent when every answer is the CA's current record.
   */
  readonly maxStatusAgeSeconds?: number;
  /** Revocations this process makes known at once (the embedded CA), so cached answers are dropped. */
  onRevocation?(listener: () => void): void;
}

/** Sends a one-time code out of band (mail module). The code never reaches logs. */
export interface OneTimeCodeSender {
  sendCode(message: {
    to: string;
    credentialId: string;
    code: string;
    expiresInSeconds: number;
  }): Promise<void>;
}

/** RFC 3161 time-stamping (tsa module) for signatures/timestamp. */
export interface TimestampAuthority {
  timestamp(request: { hash: Buffer; hashAlgorithmOid: string; nonce?: bigint }): Promise<Buffer>;
}

export { type Clock, systemClock } from '../clock/index.ts';

/**
 * Detached CMS for signatures/signDoc (ades module): signed attributes around a document digest,
 * then the SignedData around the signature value the HSM produced.
 */
export interface CmsSignatureBuilder {
  prepare(request: {
    contentDigest: Uint8Array;
    digestAlgorithm: DigestAlgorithm;
    signatureScheme: SignatureScheme;
    signerCertificate: Uint8Array;
    certificateChain: readonly Uint8Array[];
    /** CAdES carries signing-time; PAdES leaves it to the PDF's /M. */
    signingTime?: Date;
  }): { digestToSign: Buffer; state: unknown };
  complete(state: unknown, signatureValue: Uint8Array): Buffer;
}

/**
 * The user's login authenticator (identity module), when a tenant lets it activate signing: checks a
 * code from the TOTP app the user logs in with, accepted once, failures counted towards lockout.
 */
export interface LoginFactor {
  verifyTotpCode(userId: string, code: string): Promise<boolean>;
}

/** A signing certificate ending soon, to be told to its holder (mail, composed by the app). */
export interface CredentialExpiryNotice {
  readonly userId: string;
  readonly credentialId: string;
  readonly subject: string;
  readonly serialNumber: string;
  readonly notAfter: string;
  readonly daysLeft: number;
}

export interface ExpiryNoticeSender {
  sendExpiryNotice(notice: CredentialExpiryNotice): Promise<void>;
}
