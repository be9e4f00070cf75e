/**
 * rssp: the remote signature service — CSC API v2 routes, the Signature Activation Module (SAD bound
 * to credential, hashes, count and expiry; PIN + one-time code; JT2A level 2), signing credentials
 * with keys in the HSM, and the OAuth 2.0 authorization server for registered client systems.
 */
export {
  type AuthenticationDatum,
  type SignatureActivationData,
  SignatureActivationModule,
} from './activation.ts';
export {
  type CaAdapterLike,
  caAdapterIssuer,
  type EmbeddedCaLike,
  embeddedCaIssuer,
  type MailerLike,
  mailedCodes,
  type TimestampSourceLike,
  timestampAuthority,
} from './adapters.ts';
export { CSC_OID, pssParamsFor } from './algorithms.ts';
export { type ClientSystem, ClientSystemRegistry, type NewClientSystem } from './clients.ts';
export {
  type CreatedCredential,
  type Credential,
  type CredentialAttempts,
  CredentialService,
  type KeyDestructionReason,
  type NewCredential,
} from './credentials.ts';
export { DocumentSigningService } from './documents.ts';
export { CSC, CscError, type CscErrorCode, isCscError } from './errors.ts';
export { CredentialExpiryNotices, DEFAULT_EXPIRY_NOTICE_DAYS } from './expiry.ts';
export { expiryNoticeMail, mailedExpiryNotices } from './expiry-mail.ts';
export { CredentialKeySweep, type KeySweepOutcome } from './key-sweep.ts';
export { rsspMigrations } from './migrations.ts';
export { AuthorizationServer } from './oauth.ts';
export { generateOtpSealKey } from './otp.ts';
export type {
  AuthenticatedUser,
  CertificateIssuance,
  CertificateIssuer,
  CertificateRequest,
  CertificateStatus,
  CertificateStatusSource,
  Clock,
  CmsSignatureBuilder,
  CredentialExpiryNotice,
  ExpiryNoticeSender,
  LoginFactor,
  OneTimeCodeSender,
  RevocationReason,
  TimestampAuthority,
  UserAuthenticator,
} from './ports.ts';
export type { RsspPrincipal } from './principal.ts';
export { credentialRevokeExecutor, rsspConsoleRoutes } from './routes/console.ts';
export { NONCE_HEADER, TIMESTAMP_HEADER } from './routes/credentials-api.ts';
export { CSC_SPEC_VERSION } from './routes/csc.ts';
export { registerRsspRoutes } from './routes/plugin.ts';
export {
  createRemoteSignatureService,
  type RemoteSignatureService,
  type RemoteSignatureServiceParts,
} from './service.ts';
export { DEFAULT_RSSP_SETTINGS, type RsspSettings } from './settings.ts';
export type { RsspTables, SigningFactor } from './tables.ts';
export { DEFAULT_SIGNING_FACTOR, SIGNING_FACTORS, TenantSigningFactors } from './tenant-signing.ts';
