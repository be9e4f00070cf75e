/**
 * The steps `openShomei` takes, in order: each builds one part of the installation from the parts
 * before it. Kept apart from shomei.ts so the composition reads as a list of named steps.
 */
import { X509Certificate } from 'node:crypto';
import { completeCmsSignature, prepareCmsSignature } from '../ades/index.ts';
import { type AdminServices, openAdminServices } from '../admin/index.ts';
import type { Alert, AlertNotifier, AuditServices, CheckpointTimestamper } from '../audit/index.ts';
import { openAuditServices } from '../audit/index.ts';
import { CertificateAuthority, ExternalCa, loadCaSettings, RegistrationAuthority } from '../ca/index.ts';
import type { ShomeiConfig } from '../config/index.ts';
import { ContractService } from '../contracts/index.ts';
import type { CryptoModule } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import {
  type AccountClosedHook,
  hsmSecretSealer,
  Identity,
  identitySettingsFrom,
  oidcSettingsFrom,
  type PrivilegeCheck,
} from '../identity/index.ts';
import type { Logger } from '../log/index.ts';
import { createMailer, type Mailer } from '../mail/index.ts';
import {
  createOpsServices,
  type HsmProbe,
  holdMailWhilePassive,
  instrumentMailer,
  instrumentTimestampSource,
  type OperatingMode,
  type OpsServices,
  opsMetrics,
  overridesInForce,
  signingTimer,
} from '../ops/index.ts';
import {
  createRemoteSignatureService,
  DEFAULT_RSSP_SETTINGS,
  mailedCodes,
  mailedExpiryNotices,
  type RemoteSignatureService,
  timestampAuthority,
} from '../rssp/index.ts';
import { type Database, KekRing, KeyHierarchy, type KeyRegistry, openDatabase } from '../store/index.ts';
import { EmbeddedTsa, loadTsaSettings } from '../tsa/index.ts';
import type { HsmConfigurationWatch } from './hsm-watch.ts';
import { kekGenerated } from './key-hierarchy.ts';
import { openTrustServices } from './trust-services.ts';
import type { DocumentWork } from './work.ts';

/** What every step reads: the settings, the open database and token, the operating mode. */
export interface Opening {
  readonly config: ShomeiConfig;
  readonly log: Logger;
  readonly database: Database;
  readonly crypto: CryptoModule;
  readonly keys: KeyRegistry;
  readonly mode: OperatingMode;
  readonly installationId: string;
}

export function notInitialised(): Error {
  return shomeiError(
    'SHOMEI_NOT_INITIALISED',
    'データディレクトリが初期化されていません (shomei init を実行してください)。',
    'The data directory is not initialised (run shomei init).',
    { status: 500 },
  );
}

/**
 * The embedded TSA and the mailer are built after the audit trail they record to, so the
 * checkpointer and the alert monitor reach them through these references, set once they exist.
 */
export interface LateAuditReferences {
  timestamper: CheckpointTimestamper | undefined;
  notifier: AlertNotifier | undefined;
}

export async function openAudit(o: Opening, late: LateAuditReferences): Promise<AuditServices> {
  return await openAuditServices({
    database: o.database,
    crypto: o.crypto,
    keys: o.keys,
    installationId: o.installationId,
    settings: o.config.audit,
    retentionYears: o.config.audit.retentionYears,
    timestamper: {
      timestamp(digest: Buffer) {
        if (late.timestamper === undefined) throw new Error('no TSA for audit checkpoints');
        return late.timestamper.timestamp(digest);
      },
    },
    notifier: { notify: async (alert: Alert) => late.notifier?.notify(alert) },
    logger: o.log,
  });
}

/**
 * Credentials' signing keys live outside the token, wrapped under a KEK per purpose (ADR 017).
 * On SQLite the lookup gets a connection of its own: signHash signs inside a transaction that holds
 * the main connection, and a lookup queued behind it would wait forever. Writes stay on the main
 * connection (see KeyHierarchy).
 */
export function openKeyHierarchy(
  o: Opening,
  audit: AuditServices,
): { keyHierarchy: KeyHierarchy; keyDatabase: Database } {
  const keyDatabase = o.database.dialect === 'sqlite' ? openDatabase(o.config.databaseUrl) : o.database;
  const keyHierarchy = new KeyHierarchy(
    o.database.db,
    new KekRing(o.crypto, o.keys, kekGenerated(audit.trail)),
    keyDatabase.db,
  );
  o.crypto.attachWrappedKeyStore(keyHierarchy);
  return { keyHierarchy, keyDatabase };
}

export function openAdmin(o: Opening, audit: AuditServices): AdminServices {
  return openAdminServices({
    database: o.database,
    audit: audit.trail,
    crypto: o.crypto,
    keys: o.keys,
    auditParameters: audit.parameters,
    auditPrune: {
      check: (throughSeq) => audit.checkPrune(throughSeq),
      prune: async (throughSeq, prunedBy) => ({ ...(await audit.prune(throughSeq, prunedBy)) }),
    },
    settings: { ...o.config.admin, allowIpList: o.config.environment === 'development' },
  });
}

export function openMailer(o: Opening): Mailer {
  return holdMailWhilePassive(
    instrumentMailer(createMailer(o.config.mail, o.config.environment, o.database)),
    o.mode,
  );
}

/** The services an account's closure reaches, built after identity. */
export interface ClosingServices {
  readonly rssp: RemoteSignatureService;
  readonly contracts: ContractService;
}

export interface IdentityParts {
  readonly audit: AuditServices;
  readonly admin: AdminServices;
  readonly mailer: Mailer;
  readonly privileges: PrivilegeCheck | undefined;
  readonly onAccountClosed: readonly AccountClosedHook[];
}

export function openIdentity(o: Opening, parts: IdentityParts, later: () => ClosingServices): Identity {
  return new Identity({
    database: o.database,
    sealer: hsmSecretSealer(o.crypto, o.keys),
    mailer: parts.mailer,
    audit: parts.audit.trail,
    privileges: parts.privileges ?? parts.admin.privilegeCheck,
    settings: identitySettingsFrom(o.config),
    logger: o.log,
    oidc: oidcSettingsFrom(o.config),
    onAccountClosed: [
      ...parts.onAccountClosed,
      // A closed account's signing credentials end: certificates revoked, keys destroyed.
      async (closure) => {
        await later().rssp.credentials.endAllForUser(closure.userId, closure.closedBy);
      },
      // …and every contracts API key it created stops working (they act as that account).
      async function revokeContractsApiKeys(closure) {
        await later().contracts.revokeApiKeysOfUser(
          { kind: 'process', id: 'account-closure' },
          closure.userId,
          `account closed by ${closure.closedBy}`,
        );
      },
    ],
  });
}

/** The embedded CA and TSA, and the trust services (outside TSA, revocation data) around them. */
export function openPki(o: Opening, audit: AuditServices) {
  const caSettings = loadCaSettings(o.config);
  const { database, crypto, keys } = o;
  const ca = new CertificateAuthority({
    database,
    crypto,
    keys,
    settings: caSettings.settings,
    audit: audit.trail,
  });
  const ra = new RegistrationAuthority(ca, audit.trail);
  const externalCa = new ExternalCa({
    ca,
    crypto,
    keys,
    trustedCas: caSettings.trustedCas,
    audit: audit.trail,
  });
  const tsa = new EmbeddedTsa({ database, crypto, settings: loadTsaSettings(), audit: audit.trail });
  const trust = openTrustServices({ config: o.config, ca, tsa, audit: audit.trail });
  const timestamps = {
    ...trust.timestamps,
    source: instrumentTimestampSource(
      trust.timestamps.source,
      trust.timestamps.externalUrl === undefined ? 'embedded' : 'outside',
    ),
  };
  return { ca, ra, externalCa, tsa, trust, timestamps };
}

export type PkiParts = ReturnType<typeof openPki>;

export interface RsspParts {
  readonly audit: AuditServices;
  readonly identity: Identity;
  readonly mailer: Mailer;
  readonly pki: PkiParts;
  readonly admission: () => Promise<void>;
}

export function openRssp(o: Opening, parts: RsspParts): RemoteSignatureService {
  const { identity, mailer } = parts;
  const issuer = parts.pki.trust.credentialIssuer;
  return createRemoteSignatureService({
    admission: parts.admission,
    database: o.database,
    crypto: o.crypto,
    keys: o.keys,
    audit: parts.audit.trail,
    users: {
      // CSC auth/login (HTTP Basic): the identity module's password check, lockout included.
      async verifyPassword(username, password, source) {
        try {
          const user = await identity.verifyPassword({
            email: username,
            password,
            source,
          });
          return { userId: user.id, tenantId: user.tenantId };
        } catch {
          return undefined;
        }
      },
    },
    // Development issues signer certificates at once; elsewhere they wait for RA approval.
    issuer,
    certificateStatus: issuer,
    revocation: parts.pki.trust.cscRevocation,
    timestamps: timestampAuthority(parts.pki.timestamps.source),
    codeSender: mailedCodes(mailer),
    // A tenant may make the login TOTP app the signing factor (contracts' signing policy); the same
    // replay and lockout rules as at login apply.
    loginFactor: { verifyTotpCode: (userId, code) => identity.verifyTotpCode(userId, code) },
    expiryNotices: mailedExpiryNotices(
      mailer,
      async (userId) => (await identity.accounts.getUser(userId))?.email,
      o.config.http.publicUrl,
    ),
    // signatures/signDoc: detached CAdES/PAdES CMS built by the ades module around the HSM signature.
    cms: { prepare: prepareCmsSignature, complete: completeCmsSignature },
    settings: { ...DEFAULT_RSSP_SETTINGS, ...o.config.rssp, publicUrl: o.config.http.publicUrl },
    onBackgroundError: (error) => o.log.error({ err: error }, 'asynchronous CSC signing failed'),
  });
}

export interface ContractParts extends RsspParts {
  readonly admin: AdminServices;
  readonly rssp: RemoteSignatureService;
  readonly work: DocumentWork;
}

export function openContracts(o: Opening, parts: ContractParts): ContractService {
  const { config, database, crypto, keys } = o;
  return new ContractService({
    pdfWork: parts.work,
    admission: parts.admission,
    config,
    database,
    crypto,
    keys,
    audit: parts.audit.trail,
    mailer: parts.mailer,
    users: (id) => parts.identity.accounts.getUser(id),
    rssp: parts.rssp,
    auditSearch: (filter) => parts.audit.search(filter),
    provider: parts.pki.trust.signingProvider({ config, database, crypto, keys }),
    isAuditor: (userId) => parts.admin.grants.hasAnyRole(userId, ['system_auditor']),
    settings: {
      maxDocumentBytes: config.contracts.maxDocumentBytes,
      unprocessedInputHours: config.contracts.unprocessedInputHours,
      closedDocumentDays: config.contracts.closedDocumentDays,
      linkValidityHours: config.contracts.linkValidityHours,
      defaultRetentionYears: config.contracts.retentionYears,
      archiveRenewalWindowDays: config.contracts.archiveRenewalWindowDays,
    },
  });
}

export function openOps(
  o: Opening,
  pki: PkiParts,
  health: { probe: HsmProbe; hsmWatch: HsmConfigurationWatch },
): OpsServices {
  const { trust } = pki;
  return createOpsServices(o.config.environment, o.database, {
    probe: health.probe,
    hsmConfiguration: () => health.hsmWatch.current(),
    mode: o.mode,
    hsmSessions: () => o.crypto.sessionPoolState(),
    tsaProbe: trust.outsideTsaProbe,
    overrides: overridesInForce(o.config),
    expiring: () => expiringCertificates(pki),
  });
}

/** The provider's own certificates whose end /metrics and the expiry alerts watch. */
async function expiringCertificates(pki: PkiParts): Promise<{ name: string; notAfter: Date }[]> {
  const [issuing, root] = await pki.ca.chain();
  return [
    { name: 'ca-issuing', der: issuing },
    { name: 'ca-root', der: root },
    { name: 'tsa', der: (await pki.tsa.status().catch(() => undefined))?.notAfter },
  ].flatMap((c) => {
    if (typeof c.der === 'string') return [{ name: c.name, notAfter: new Date(c.der) }];
    return c.der === undefined
      ? []
      : [{ name: c.name, notAfter: new Date(new X509Certificate(c.der).validTo) }];
  });
}

/**
 * Every HSM signature (user credentials, e-seal, CA, TSA, checkpoints) stops while the installation
 * is passive and when the clock is out of bounds, and is counted and timed for /metrics; the health
 * probe signs only random challenges.
 */
export function guardSigning(o: Opening, probe: HsmProbe, ops: OpsServices): void {
  const timer = signingTimer();
  o.crypto.observeSigning({
    beforeSign: (keyId) => {
      if (keyId !== probe.keyId) {
        o.mode.assertActive();
        ops.clock.assertSynchronised();
      }
      timer.started(keyId);
    },
    afterSign: (keyId, outcome) => {
      timer.finished(keyId, outcome);
      opsMetrics().signatures.inc({ source: keyId === probe.keyId ? 'health' : 'hsm', outcome });
    },
  });
}
