/**
 * The parts the remote signature service is built from (src/rssp/service.ts builds them once). Verbs
 * (src/rssp/verbs/) pick the parts they need from this; routes never see it, only the verbs.
 */
import type { Kysely } from 'kysely';
import type { AuditTrail } from '../audit/events.ts';
import type { SignatureActivationModule } from './activation.ts';
import type { CredentialApplications } from './applications.ts';
import type { AsyncSigningResults } from './asynchronous.ts';
import type { ClientSystemRegistry } from './clients.ts';
import type { CredentialService } from './credentials.ts';
import type { DecoupledAuthorizations } from './decoupled.ts';
import type { DocumentSigningService } from './documents.ts';
import type { CredentialExpiryNotices } from './expiry.ts';
import type { CredentialKeySweep } from './key-sweep.ts';
import type { AuthorizationServer } from './oauth.ts';
import type { OneTimeCodeFactor } from './otp.ts';
import type { Clock, TimestampAuthority, UserAuthenticator } from './ports.ts';
import type { RsspSettings } from './settings.ts';
import type { HashSigningService } from './signing.ts';
import type { RsspTables } from './tables.ts';
import type { TenantSigningFactors } from './tenant-signing.ts';
import type { AccessTokenService } from './tokens.ts';

export interface RsspParts {
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
  /** For replay protection of credential management requests and the console's credential search. */
  readonly db: Kysely<RsspTables>;
}
