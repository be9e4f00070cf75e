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
import { type DocumentSigningDependencies, DocumentSigningService } from './documents.ts';
import { CredentialExpiryNotices, DEFAULT_EXPIRY_NOTICE_DAYS } from './expiry.ts';
import { CredentialKeySweep } from './key-sweep.ts';
import { AuthorizationServer } from './oauth.ts';
import { OneTimeCodeFactor } from './otp.ts';
import type { RsspParts } from './parts.ts';
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
import { type RsspVerbs, rsspVerbs } from './verbs/index.ts';

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
  /** Throws once the service has ended: no new credentials after the termination (ADR 036). */
  readonly admission?: () => Promise<void>;
}

/**
 * The service: its parts (for the composition root, background jobs and tests) and its verbs, which
 * are all that routes call.
 */
export interface RemoteSignatureService extends RsspParts {
  readonly verbs: RsspVerbs;
}

/** What routes see of the service: the verbs and read-only facts, never the database, audit trail or token store. */
export type RsspRouteView = Omit<RemoteSignatureService, 'db' | 'audit' | 'tokens'>;

export function createRemoteSignatureService(parts: RemoteSignatureServiceParts): RemoteSignatureService {
  const db = parts.database.db.withTables<RsspTables>();
  const clock = parts.clock ?? systemClock;
  const credentialParts = buildCredentials(parts, db, clock);
  const { credentials, activation } = credentialParts;
  const signing = new HashSigningService({
    crypto: parts.crypto,
    credentials,
    activation,
    statusSource: parts.certificateStatus,
    audit: parts.audit,
    clock,
    statusCacheSeconds: parts.settings.certificateStatusCacheSeconds,
  });
  const tokens = new AccessTokenService(db, clock);
  const clients = new ClientSystemRegistry(db, parts.audit, clock);
  const built: RsspParts = {
    ...credentialParts,
    settings: parts.settings,
    clock,
    signing,
    asyncResults: new AsyncSigningResults(db, clock, parts.onBackgroundError),
    decoupled: new DecoupledAuthorizations(db, activation, parts.audit, clock, parts.settings),
    documents: buildDocuments(parts, clock, { credentials, activation, hashSigning: signing }),
    tokens,
    clients,
    authorizationServer: new AuthorizationServer({
      db,
      clients,
      tokens,
      credentials,
      activation,
      users: parts.users,
      audit: parts.audit,
      clock,
      settings: parts.settings,
    }),
    users: parts.users,
    timestamps: parts.timestamps,
    audit: parts.audit,
    db,
  };
  return { ...built, verbs: rsspVerbs(built) };
}

type CredentialParts = Pick<
  RsspParts,
  'otp' | 'credentials' | 'applications' | 'signingFactors' | 'activation' | 'expiryNotices' | 'keySweep'
>;

/** Credentials, their applications, their activation (SAM) and their end of life. */
function buildCredentials(
  parts: RemoteSignatureServiceParts,
  db: Kysely<RsspTables>,
  clock: Clock,
): CredentialParts {
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
  const credentialService = (issuer: CertificateIssuer | undefined) =>
    new CredentialService(
      db,
      parts.crypto,
      parts.keys,
      parts.audit,
      clock,
      parts.settings,
      otp,
      issuer,
      parts.admission,
    );
  const credentials = credentialService(parts.issuer);
  // The same service without an issuer: an application's certificate is asked for only after the RA approves.
  const held = credentialService(undefined);
  const signingFactors = new TenantSigningFactors(db, clock);
  const activation = new SignatureActivationModule({
    db,
    credentials,
    otp,
    audit: parts.audit,
    clock,
    settings: parts.settings,
    signingFactors,
    loginFactor: parts.loginFactor,
  });
  return {
    otp,
    credentials,
    applications: new CredentialApplications(db, held, credentials, parts.issuer, parts.audit, clock),
    signingFactors,
    activation,
    expiryNotices: new CredentialExpiryNotices(
      db,
      parts.expiryNotices,
      parts.audit,
      clock,
      parts.settings.expiryNoticeDays ?? DEFAULT_EXPIRY_NOTICE_DAYS,
    ),
    keySweep: new CredentialKeySweep(
      db,
      credentials,
      parts.certificateStatus,
      clock,
      parts.settings.keyDestructionGraceDays ?? 30,
    ),
  };
}

/** signDoc, when a CMS builder is given; its timestamps come from the same TSA as signatures/timestamp. */
function buildDocuments(
  parts: RemoteSignatureServiceParts,
  clock: Clock,
  signers: Pick<DocumentSigningDependencies, 'credentials' | 'activation' | 'hashSigning'>,
): DocumentSigningService | undefined {
  if (parts.cms === undefined) return undefined;
  const revocation =
    parts.revocation ??
    (isValidationDataProvider(parts.certificateStatus)
      ? parts.certificateStatus.revocationSource
      : undefined);
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
  return new DocumentSigningService({
    ...signers,
    crypto: parts.crypto,
    cms: parts.cms,
    audit: parts.audit,
    clock,
    tsa,
    revocation,
    maxDocumentBytes: parts.settings.maxDocumentBytes ?? 32 * 1024 * 1024,
  });
}
