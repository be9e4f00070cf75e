/** Builds the remote signature service from its parts; the composition root (src/app) calls this once. */
import type { Kysely } from 'kysely';
import type { TimestampAuthority as AdesTimestampAuthority, RevocationSource } from '../ades/index.ts';
import type { AuditTrail } from '../audit/events.ts';
import type { CryptoModule } from '../crypto/index.ts';
import { DIGEST_OID, type DigestAlgorithm } from '../crypto/index.ts';
import type { Database, KeyRegistry } from '../store/index.ts';
import { SignatureActivationModule } from './activation.ts';
import { isValidationDataProvider } from './adapters.ts';
import { CredentialApplications } from './applications.ts';
import { AsyncSigningResults } from './asynchronous.ts';
import { ClientSystemRegistry } from './clients.ts';
import { CredentialService } from './credentials.ts';
import { DecoupledAuthorizations } from './decoupled.ts';
import { DocumentSigningService } from './documents.ts';
import { CredentialExpiryNotices, DEFAULT_EXPIRY_NOTICE_DAYS } from './expiry.ts';
import { CredentialKeySweep } from './key-sweep.ts';
import { AuthorizationServer } from './oauth.ts';
import { OneTimeCodeFactor } from './otp.ts';
import {
  type CertificateIssuer,
  type CertificateStatusSource,
  type Clock,
  type CmsSignatureBuilder,
  type ExpiryNoticeSender,
  type LoginFactor,
  type OneTimeCodeSender,
  systemClock,
  type TimestampAuthority,
  type UserAuthenticator,
} from './ports.ts';
import type { RsspSettings } from './settings.ts';
import { HashSigningService } from './signing.ts';
import type { RsspTables } from './tables.ts';
import { TenantSigningFactors } from './tenant-signing.ts';
import { AccessTokenService } from './tokens.ts';

export interface RemoteSignatureServiceParts {
  readonly database: Database;
  readonly crypto: CryptoModule;
  readonly keys: KeyRegistry;
  readonly audit: AuditTrail;
  readonly settings: RsspSettings;
  readonly clock?: Clock;
  readonly users?: UserAuthenticator;
  readonly issuer?: CertificateIssuer;
  readonly certificateStatus?: CertificateStatusSource;
  readonly codeSender?: OneTimeCodeSender;
  readonly timestamps?: TimestampAuthority;
  /** CMS building from the ades module; without it signatures/signDoc is not offered. */
  readonly cms?: CmsSignatureBuilder;
  /**
   * OCSP/CRL/CA certificates for signDoc B-LT and B-LTA; by default the one carried by
   * `certificateStatus` when that is embeddedCaIssuer over the embedded CA.
   */
  readonly revocation?: RevocationSource & { load?(): Promise<void> };
  /** Where failures of background (operationMode "A") work are reported; the client sees server_error. */
  readonly onBackgroundError?: (error: unknown) => void;
  /** The login authenticator, for tenants that make it the signing factor (identity module). */
  readonly loginFactor?: LoginFactor;
  /** Mails a holder before their signing certificate ends. */
  readonly expiryNotices?: ExpiryNoticeSender;
}

export interface RemoteSignatureService {
  readonly settings: RsspSettings;
  readonly clock: Clock;
  readonly credentials: CredentialService;
  /** Self-service credential applications waiting for the RA's identity check. */
  readonly applications: CredentialApplications;
  readonly activation: SignatureActivationModule;
  /** Per tenant: the credential's own one-time code, or the login authenticator, as second factor. */
  readonly signingFactors: TenantSigningFactors;
  /** The daily check that mails holders before their certificates end. */
  readonly expiryNotices: CredentialExpiryNotices;
  /** The periodic destruction of keys whose certificates expired (plus grace) or were revoked at the CA. */
  readonly keySweep: CredentialKeySweep;
  readonly signing: HashSigningService;
  /** operationMode "A" jobs and their results for signatures/signPolling. */
  readonly asyncResults: AsyncSigningResults;
  /** credentials/authorize with out-of-band approval, and credentials/authorizeCheck. */
  readonly decoupled: DecoupledAuthorizations;
  readonly documents: DocumentSigningService | undefined;
  readonly tokens: AccessTokenService;
  readonly clients: ClientSystemRegistry;
  readonly authorizationServer: AuthorizationServer;
  readonly otp: OneTimeCodeFactor;
  readonly users: UserAuthenticator | undefined;
  readonly timestamps: TimestampAuthority | undefined;
  readonly audit: AuditTrail;
  /** For replay protection of credential management requests. */
  readonly db: Kysely<RsspTables>;
}

export function createRemoteSignatureService(parts: RemoteSignatureServiceParts): RemoteSignatureService {
  const db = parts.database.db.withTables<RsspTables>();
  const clock = parts.clock ?? systemClock;
  const otp = new OneTimeCodeFactor(
    db,
    parts.crypto,
    parts.keys,
    clock,
    parts.settings.serviceName,
    parts.codeSender,
    parts.settings.emailCodeSeconds,
    parts.settings.challengeLimit,
  );
  const credentials = new CredentialService(
    db,
    parts.crypto,
    parts.keys,
    parts.audit,
    clock,
    parts.settings,
    otp,
    parts.issuer,
  );
  // The same service without an issuer: an application's certificate is asked for only after the RA approves.
  const held = new CredentialService(
    db,
    parts.crypto,
    parts.keys,
    parts.audit,
    clock,
    parts.settings,
    otp,
    undefined,
  );
  const applications = new CredentialApplications(db, held, credentials, parts.issuer, parts.audit, clock);
  const signingFactors = new TenantSigningFactors(db, clock);
  const activation = new SignatureActivationModule(
    db,
    credentials,
    otp,
    parts.audit,
    clock,
    parts.settings,
    signingFactors,
    parts.loginFactor,
  );
  const expiryNotices = new CredentialExpiryNotices(
    db,
    parts.expiryNotices,
    parts.audit,
    clock,
    parts.settings.expiryNoticeDays ?? DEFAULT_EXPIRY_NOTICE_DAYS,
  );
  const keySweep = new CredentialKeySweep(
    db,
    credentials,
    parts.certificateStatus,
    clock,
    parts.settings.keyDestructionGraceDays ?? 30,
  );
  const signing = new HashSigningService(
    parts.crypto,
    credentials,
    activation,
    parts.certificateStatus,
    parts.audit,
    clock,
    parts.settings.certificateStatusCacheSeconds ?? 0,
  );
  const revocation =
    parts.revocation ??
    (isValidationDataProvider(parts.certificateStatus)
      ? parts.certificateStatus.revocationSource
      : undefined);
  // signDoc's timestamps come from the same TSA as signatures/timestamp.
  const timestamps = parts.timestamps;
  const tsa: AdesTimestampAuthority | undefined =
    timestamps === undefined
      ? undefined
      : {
          timestamp: (digest: Uint8Array, digestAlgorithm: DigestAlgorithm) =>
            timestamps.timestamp({
              hash: Buffer.from(digest),
              hashAlgorithmOid: DIGEST_OID[digestAlgorithm],
            }),
        };
  const documents =
    parts.cms === undefined
      ? undefined
      : new DocumentSigningService(
          parts.crypto,
          credentials,
          activation,
          signing,
          parts.cms,
          parts.audit,
          clock,
          tsa,
          revocation,
          parts.settings.maxDocumentBytes ?? 32 * 1024 * 1024,
        );
  const asyncResults = new AsyncSigningResults(db, clock, parts.onBackgroundError);
  const decoupled = new DecoupledAuthorizations(db, activation, parts.audit, clock, parts.settings);
  const tokens = new AccessTokenService(db, clock);
  const clients = new ClientSystemRegistry(db, parts.audit, clock);
  const authorizationServer = new AuthorizationServer(
    db,
    clients,
    tokens,
    credentials,
    activation,
    parts.users,
    parts.audit,
    clock,
    parts.settings,
  );
  return {
    settings: parts.settings,
    clock,
    credentials,
    applications,
    activation,
    signingFactors,
    expiryNotices,
    keySweep,
    signing,
    asyncResults,
    decoupled,
    documents,
    tokens,
    clients,
    authorizationServer,
    otp,
    users: parts.users,
    timestamps: parts.timestamps,
    audit: parts.audit,
    db,
  };
}
