/**
 * The composition root: opens configuration, database and HSM in one place so that the CLI and the
 * server assemble the same parts. `initialise` is idempotent and is what `shomei init` runs.
 */
import { randomUUID, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { completeCmsSignature, prepareCmsSignature } from '../ades/index.ts';
import {
  type AdminServices,
  type AdminTables,
  mailAlertNotifier,
  openAdminServices,
  serviceEndedAt,
  serviceTerminated,
} from '../admin/index.ts';
import type { Alert, AlertNotifier } from '../audit/index.ts';
import {
  type AuditServices,
  type CheckpointTimestamper,
  ensureCheckpointKey,
  openAuditServices,
} from '../audit/index.ts';
import { CertificateAuthority, ExternalCa, loadCaSettings, RegistrationAuthority } from '../ca/index.ts';
import type { ShomeiConfig } from '../config/index.ts';
import { ContractService } from '../contracts/index.ts';
import {
  acquireLibrary,
  CryptoModule,
  findTokenSlot,
  generatePin,
  initialiseToken,
  prepareManagedSoftHsm,
  readPinFile,
  releaseLibrary,
  writePinFile,
} from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import {
  type AccountClosedHook,
  hsmSecretSealer,
  Identity,
  identitySettingsFrom,
  oidcSettingsFrom,
  type PrivilegeCheck,
} from '../identity/index.ts';
import { createLogger, type Logger } from '../log/index.ts';
import { createMailer, type Mailer } from '../mail/index.ts';
import {
  applicationName,
  checkTokenEnvironment,
  createOpsServices,
  databaseConnectionOptions,
  ensureHealthKey,
  holdMailWhilePassive,
  hsmProbe,
  instrumentMailer,
  instrumentTimestampSource,
  OperatingMode,
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
import {
  applyMigrations,
  type Database,
  DestructionLog,
  KekRing,
  KeyHierarchy,
  KeyRegistry,
  openDatabase,
} from '../store/index.ts';
import { EmbeddedTsa, loadTsaSettings, type TimestampSource } from '../tsa/index.ts';
import { checkHsmConfiguration } from './hsm-configuration.ts';
import { HsmConfigurationWatch } from './hsm-watch.ts';
import { ceremonyActor, completeInitKeyCeremony, keyIdsBefore } from './key-ceremony.ts';
import { kekGenerated } from './key-hierarchy.ts';
import { allMigrations } from './migrations.ts';
import { dataPaths } from './paths.ts';
import { openTrustServices, type TrustServices } from './trust-services.ts';
import { type DocumentWork, openDocumentWork } from './work.ts';

/** Every key destruction and shredding also goes to this file, when configured (ADR 032). */
const destructionLogOf = (config: ShomeiConfig) =>
  config.keys.destructionLog === undefined ? undefined : new DestructionLog(config.keys.destructionLog);

export interface Shomei {
  readonly config: ShomeiConfig;
  readonly database: Database;
  readonly crypto: CryptoModule;
  readonly keys: KeyRegistry;
  /** KEKs and the wrapped signing keys of credentials (ADR 017). */
  readonly keyHierarchy: KeyHierarchy;
  readonly logger: Logger;
  readonly installationId: string;
  /** Audit trail (hash chain), checkpoints, verification. */
  readonly audit: AuditServices;
  /** Privileged roles, dual control, maintenance terminals, training records. */
  readonly admin: AdminServices;
  /** Remote signature service: CSC API v2, Signature Activation Module, signing credentials. */
  readonly rssp: RemoteSignatureService;
  /** Embedded development CA (root + issuing, CRL, OCSP). */
  readonly ca: CertificateAuthority;
  /** RA approval queue for signer and e-seal certificates. */
  readonly ra: RegistrationAuthority;
  /** CSR hand-off, certificate and wrapped-key import for an outside CA. */
  readonly externalCa: ExternalCa;
  /** Embedded RFC 3161 TSA (in-process; also served at POST /tsa). */
  readonly tsa: EmbeddedTsa;
  /**
   * Where CSC signature timestamps and audit checkpoints get their timestamps: the outside
   * (accredited) TSA of SHOMEI_TSA_URL when set, otherwise the embedded TSA (not accredited).
   */
  readonly timestamps: { readonly source: TimestampSource; readonly externalUrl?: string };
  /** Outside TSA (guarded), online validation data and the credential CA for every path (issue #17). */
  readonly trust: TrustServices;
  /** Accounts, applications, MFA, sessions and lockout. */
  readonly identity: Identity;
  /** Outgoing mail (SMTP, or the development outbox). */
  readonly mailer: Mailer;
  /** Clock guard, environment marks, cluster-wide locks, operations settings (TLS, NTP, metrics). */
  readonly ops: OpsServices;
  /** The HSM configuration compared with the recorded one, on a timer and for /readyz (ADR 032). */
  readonly hsmWatch: HsmConfigurationWatch;
  /** E-contract service: envelopes, signing flows, evidence, retention, 電帳法 search, archive renewal. */
  readonly contracts: ContractService;
  /** PDF parsing, validation and assembly on worker threads, under a decode budget (ADR 016). */
  readonly work: DocumentWork;
  close(): Promise<void>;
}

export interface InitialiseResult {
  readonly createdToken: boolean;
  /** Where init left the SO PIN for the operator to take away (only when it created the token). */
  readonly soPinFile?: string;
  readonly appliedMigrations: string[];
  readonly installationId: string;
}

/** SoftHSM2 reads SOFTHSM2_CONF when the library initialises: set it before any PKCS#11 call. */
function pointSoftHsmAtHome(config: ShomeiConfig): void {
  if (config.pkcs11.managedSoftHsm) process.env.SOFTHSM2_CONF = prepareManagedSoftHsm(config.home);
}

export async function initialise(config: ShomeiConfig, logger?: Logger): Promise<InitialiseResult> {
  mkdirSync(config.home, { recursive: true, mode: 0o700 });
  mkdirSync(dataPaths(config.home).secrets, { recursive: true, mode: 0o700 });
  pointSoftHsmAtHome(config);

  let createdToken = false;
  let soPinFile: string | undefined;
  const pkcs11 = acquireLibrary(config.pkcs11.modulePath);
  try {
    if (findTokenSlot(pkcs11, config.pkcs11.tokenLabel) === undefined) {
      if (existsSync(config.pkcs11.pinFile)) {
        throw shomeiError(
          'SHOMEI_INIT_INCONSISTENT',
          'PIN ファイルがあるのにトークンがありません。データディレクトリが壊れているか、別の HSM を指しています。',
          'A PIN file exists but the token does not: the data directory is damaged or points at another HSM.',
          { status: 500, details: { pinFile: config.pkcs11.pinFile } },
        );
      }
      const pins = { soPin: generatePin(), userPin: generatePin() };
      initialiseToken(pkcs11, config.pkcs11.tokenLabel, pins);
      soPinFile = writePinFile(config.pkcs11.pinFile, pins);
      createdToken = true;
      logger?.info({ tokenLabel: config.pkcs11.tokenLabel }, 'token initialised');
    }
  } finally {
    releaseLibrary(config.pkcs11.modulePath);
  }
  // The token says which environment it serves; a token of another one is refused before the
  // database is touched (criteria 2.1.3 (16), 2.2.5 (4)).
  await markTokenEnvironment(config);

  const database = openDatabase(config.databaseUrl, { applicationName: applicationName() });
  try {
    const appliedMigrations = await applyMigrations(database.db, allMigrations(database.dialect), {
      displayUrl: database.displayUrl,
    });
    const existing = await database.db.selectFrom('installation').selectAll().executeTakeFirst();
    let installationId = existing?.installation_id;
    if (existing === undefined) {
      installationId = randomUUID();
      await database.db
        .insertInto('installation')
        .values({
          id: 'this',
          environment: config.environment,
          token_label: config.pkcs11.tokenLabel,
          installation_id: installationId,
          created_at: new Date().toISOString(),
        })
        .execute();
    } else if (existing.environment !== config.environment) {
      throw environmentMismatch(existing.environment, config.environment);
    }
    await generateInstallationKeys(config, database);
    return {
      createdToken,
      ...(soPinFile === undefined ? {} : { soPinFile }),
      appliedMigrations,
      installationId: installationId!,
    };
  } finally {
    await database.close();
  }
}

async function markTokenEnvironment(config: ShomeiConfig): Promise<void> {
  const crypto = CryptoModule.open({
    modulePath: config.pkcs11.modulePath,
    tokenLabel: config.pkcs11.tokenLabel,
    userPin: readPinFile(config.pkcs11.pinFile).userPin,
    sessions: 1,
  });
  try {
    await checkTokenEnvironment(crypto, config.environment, { markIfUnmarked: true });
  } finally {
    crypto.close();
  }
}

/** Keys every installation needs from the start, generated inside the HSM (idempotent). */
async function generateInstallationKeys(config: ShomeiConfig, database: Database): Promise<void> {
  const pins = readPinFile(config.pkcs11.pinFile);
  const crypto = CryptoModule.open({
    modulePath: config.pkcs11.modulePath,
    tokenLabel: config.pkcs11.tokenLabel,
    userPin: pins.userPin,
    sessions: 1,
  });
  try {
    const keys = new KeyRegistry(database.db, destructionLogOf(config));
    // After a finished service termination no key is made again (ADR 036).
    const ended = await serviceEndedAt(database.db.withTables<AdminTables>());
    if (ended !== undefined) throw serviceTerminated(ended);
    const before = await keyIdsBefore(keys);
    await ensureCheckpointKey(crypto, keys);
    // The KEKs of the key hierarchy (ADR 017), recorded in the key registry as `kek:<purpose>`.
    await new KekRing(crypto, keys).ensureAll();
    await ensureHealthKey(crypto, keys);
    await setupEmbeddedPki(config, database, crypto, keys);
    await completeInitKeyCeremony(database, crypto, keys, before);
    // The HSM's configuration is recorded the first time and compared at every later init or start.
    await checkHsmConfiguration(config, database, ceremonyActor());
  } finally {
    crypto.close();
  }
}

/** Embedded CA (root, issuing CA, OCSP responder) and the TSA with its certificate from that CA. */
async function setupEmbeddedPki(
  config: ShomeiConfig,
  database: Database,
  crypto: CryptoModule,
  keys: KeyRegistry,
): Promise<void> {
  const { settings } = loadCaSettings(config);
  const ca = new CertificateAuthority({ database, crypto, keys, settings });
  await ca.setup();
  await EmbeddedTsa.setup({
    database,
    crypto,
    keys,
    settings: loadTsaSettings(),
    // Production names come from SHOMEI_CA_ORGANIZATION (src/ca/naming.ts), never the development ones.
    naming: () => ({ subject: ca.naming().tsa, keyLabel: `${ca.naming().keyLabelPrefix}tsa` }),
    issueCertificate: async (csr) => ({
      certificate: (await ca.issue({ csr, profile: 'tsa', actor: { kind: 'process', id: 'shomei-init' } }))
        .der,
      chain: await ca.chain(),
    }),
  });
}

function environmentMismatch(recorded: string, configured: string): Error {
  return shomeiError(
    'SHOMEI_ENVIRONMENT_MISMATCH',
    `このデータベースは ${recorded} 環境用に作られました。${configured} 環境では使えません。`,
    `This database was made for the ${recorded} environment and cannot be used as ${configured}.`,
    { status: 500, details: { recorded, configured } },
  );
}

/** Opens an initialised installation. */
export interface OpenShomeiOptions {
  /** RFC 3161 timestamps for audit checkpoints (the embedded or a remote TSA). */
  readonly auditTimestamper?: CheckpointTimestamper;
  /** Who holds identity's operator privileges; default: the admin module's role grants. */
  readonly privileges?: PrivilegeCheck;
  /** Run when an account closes (revoke certificates, destroy keys). */
  readonly onAccountClosed?: readonly AccountClosedHook[];
}

export async function openShomei(
  config: ShomeiConfig,
  logger?: Logger,
  options: OpenShomeiOptions = {},
): Promise<Shomei> {
  pointSoftHsmAtHome(config);
  const log = logger ?? createLogger({ level: config.logLevel });
  const pins = readPinFile(config.pkcs11.pinFile);
  const database = openDatabase(config.databaseUrl, databaseConnectionOptions(log));
  let crypto: CryptoModule | undefined;
  try {
    await applyMigrations(database.db, allMigrations(database.dialect), { displayUrl: database.displayUrl });
    const installation = await database.db.selectFrom('installation').selectAll().executeTakeFirst();
    if (installation === undefined) {
      throw shomeiError(
        'SHOMEI_NOT_INITIALISED',
        'データディレクトリが初期化されていません (shomei init を実行してください)。',
        'The data directory is not initialised (run shomei init).',
        { status: 500 },
      );
    }
    if (installation.environment !== config.environment) {
      throw environmentMismatch(installation.environment, config.environment);
    }
    // A restored installation is passive until promoted (ADR 027): known before anything can sign.
    const mode = new OperatingMode(database);
    await mode.refresh();
    crypto = CryptoModule.open({
      modulePath: config.pkcs11.modulePath,
      tokenLabel: config.pkcs11.tokenLabel,
      userPin: pins.userPin,
      sessions: config.pkcs11.sessions,
      // Only the managed SoftHSM2 is local enough for inline signing (see CryptoModuleOptions).
      inlineSigning: config.pkcs11.managedSoftHsm,
    });
    const opened = crypto;
    const keys = new KeyRegistry(database.db, destructionLogOf(config));
    await checkTokenEnvironment(opened, config.environment, { markIfUnmarked: false, keys });
    // The embedded TSA and the mailer are built after the audit trail they record to, so the
    // checkpointer and the alert monitor reach them through these late-bound references.
    let checkpointTimestamper: CheckpointTimestamper | undefined = options.auditTimestamper;
    let alertNotifier: AlertNotifier | undefined;
    const audit = await openAuditServices({
      database,
      crypto: opened,
      keys,
      installationId: installation.installation_id,
      settings: config.audit,
      retentionYears: config.audit.retentionYears,
      timestamper: {
        timestamp(digest: Buffer) {
          if (checkpointTimestamper === undefined) throw new Error('no TSA for audit checkpoints');
          return checkpointTimestamper.timestamp(digest);
        },
      },
      notifier: { notify: async (alert: Alert) => alertNotifier?.notify(alert) },
      logger: log,
    });
    // Credentials' signing keys live outside the token, wrapped under a KEK per purpose (ADR 017).
    // On SQLite the lookup gets a connection of its own: signHash signs inside a transaction that
    // holds the main connection, and a lookup queued behind it would wait forever. Writes stay on
    // the main connection (see KeyHierarchy).
    const keyDatabase = database.dialect === 'sqlite' ? openDatabase(config.databaseUrl) : database;
    const keyHierarchy = new KeyHierarchy(
      database.db,
      new KekRing(opened, keys, kekGenerated(audit.trail)),
      keyDatabase.db,
    );
    opened.attachWrappedKeyStore(keyHierarchy);
    const admin = openAdminServices({
      database,
      audit: audit.trail,
      crypto: opened,
      keys,
      auditParameters: audit.parameters,
      auditPrune: {
        check: (throughSeq) => audit.checkPrune(throughSeq),
        prune: async (throughSeq, prunedBy) => ({ ...(await audit.prune(throughSeq, prunedBy)) }),
      },
      settings: { ...config.admin, allowIpList: config.environment === 'development' },
    });
    const mailer = holdMailWhilePassive(
      instrumentMailer(createMailer(config.mail, config.environment, database)),
      mode,
    );
    const identity = new Identity({
      database,
      sealer: hsmSecretSealer(opened, keys),
      mailer,
      audit: audit.trail,
      privileges: options.privileges ?? admin.privilegeCheck,
      settings: identitySettingsFrom(config),
      logger: log,
      oidc: oidcSettingsFrom(config),
      onAccountClosed: [
        ...(options.onAccountClosed ?? []),
        // A closed account's signing credentials end: certificates revoked, keys destroyed.
        async (closure) => {
          await rssp.credentials.endAllForUser(closure.userId, closure.closedBy);
        },
        // …and every contracts API key it created stops working (they act as that account).
        async function revokeContractsApiKeys(closure) {
          await contracts.revokeApiKeysOfUser(
            { kind: 'process', id: 'account-closure' },
            closure.userId,
            `account closed by ${closure.closedBy}`,
          );
        },
      ],
    });
    const caSettings = loadCaSettings(config);
    const ca = new CertificateAuthority({
      database,
      crypto: opened,
      keys,
      settings: caSettings.settings,
      audit: audit.trail,
    });
    const ra = new RegistrationAuthority(ca, audit.trail);
    const externalCa = new ExternalCa({
      ca,
      crypto: opened,
      keys,
      trustedCas: caSettings.trustedCas,
      audit: audit.trail,
    });
    const tsa = new EmbeddedTsa({
      database,
      crypto: opened,
      settings: loadTsaSettings(),
      audit: audit.trail,
    });
    const trust = openTrustServices({ config, ca, tsa, audit: audit.trail });
    const timestamps = {
      ...trust.timestamps,
      source: instrumentTimestampSource(
        trust.timestamps.source,
        trust.timestamps.externalUrl === undefined ? 'embedded' : 'outside',
      ),
    };
    checkpointTimestamper ??= timestamps.source;
    const credentialIssuer = trust.credentialIssuer;
    // After an approved service termination takes effect, nothing new is accepted (ADR 036).
    const admission = () => admin.termination.assertAccepting();
    const rssp = createRemoteSignatureService({
      admission,
      database,
      crypto: opened,
      keys,
      audit: audit.trail,
      users: {
        // CSC auth/login (HTTP Basic): the identity module's password check, lockout included.
        async verifyPassword(username, password, source) {
          try {
            const user = await identity.verifyPassword({
              email: username,
              password,
              ...(source === undefined ? {} : { source }),
            });
            return { userId: user.id, tenantId: user.tenantId };
          } catch {
            return undefined;
          }
        },
      },
      // Development issues signer certificates at once; elsewhere they wait for RA approval.
      issuer: credentialIssuer,
      certificateStatus: credentialIssuer,
      revocation: trust.cscRevocation,
      timestamps: timestampAuthority(timestamps.source),
      codeSender: mailedCodes(mailer),
      // A tenant may make the login TOTP app the signing factor (contracts' signing policy); the same
      // replay and lockout rules as at login apply.
      loginFactor: { verifyTotpCode: (userId, code) => identity.verifyTotpCode(userId, code) },
      expiryNotices: mailedExpiryNotices(
        mailer,
        async (userId) => (await identity.accounts.getUser(userId))?.email,
        config.http.publicUrl,
      ),
      // signatures/signDoc: detached CAdES/PAdES CMS built by the ades module around the HSM signature.
      cms: { prepare: prepareCmsSignature, complete: completeCmsSignature },
      settings: { ...DEFAULT_RSSP_SETTINGS, ...config.rssp, publicUrl: config.http.publicUrl },
      onBackgroundError: (error) => log.error({ err: error }, 'asynchronous CSC signing failed'),
    });
    if (config.audit.alertMailTo.length > 0)
      alertNotifier = mailAlertNotifier(mailer, config.audit.alertMailTo);
    const work = openDocumentWork(config);
    const contracts = new ContractService({
      pdfWork: work,
      admission,
      config,
      database,
      crypto: opened,
      keys,
      audit: audit.trail,
      mailer,
      users: (id) => identity.accounts.getUser(id),
      rssp,
      auditSearch: (filter) => audit.search(filter),
      provider: trust.signingProvider({ config, database, crypto: opened, keys }),
      isAuditor: (userId) => admin.grants.hasAnyRole(userId, ['system_auditor']),
      settings: {
        maxDocumentBytes: config.contracts.maxDocumentBytes,
        unprocessedInputHours: config.contracts.unprocessedInputHours,
        closedDocumentDays: config.contracts.closedDocumentDays,
        linkValidityHours: config.contracts.linkValidityHours,
        defaultRetentionYears: config.contracts.retentionYears,
        archiveRenewalWindowDays: config.contracts.archiveRenewalWindowDays,
      },
    });
    const probe = await hsmProbe(opened, keys);
    const hsmWatch = new HsmConfigurationWatch(config, database);
    const ops = createOpsServices(config.environment, database, {
      probe,
      hsmConfiguration: () => hsmWatch.current(),
      mode,
      hsmSessions: () => opened.sessionPoolState(),
      ...(trust.outsideTsaProbe === undefined ? {} : { tsaProbe: trust.outsideTsaProbe }),
      overrides: overridesInForce(config),
      expiring: async () => {
        const [issuing, root] = await ca.chain();
        return [
          { name: 'ca-issuing', der: issuing },
          { name: 'ca-root', der: root },
          { name: 'tsa', der: (await tsa.status().catch(() => undefined))?.notAfter },
        ].flatMap((c) => {
          if (typeof c.der === 'string') return [{ name: c.name, notAfter: new Date(c.der) }];
          return c.der === undefined
            ? []
            : [{ name: c.name, notAfter: new Date(new X509Certificate(c.der).validTo) }];
        });
      },
    });
    // Every HSM signature (user credentials, e-seal, CA, TSA, checkpoints) stops while the installation
    // is passive and when the clock is out of bounds, and is counted and timed for /metrics; the
    // health probe signs only random challenges.
    const timer = signingTimer();
    opened.observeSigning({
      beforeSign: (keyId) => {
        if (keyId !== probe.keyId) {
          mode.assertActive();
          ops.clock.assertSynchronised();
        }
        timer.started(keyId);
      },
      afterSign: (keyId, outcome) => {
        timer.finished(keyId, outcome);
        opsMetrics().signatures.inc({ source: keyId === probe.keyId ? 'health' : 'hsm', outcome });
      },
    });
    return {
      config,
      database,
      crypto: opened,
      keys,
      keyHierarchy,
      logger: log,
      installationId: installation.installation_id,
      audit,
      admin,
      rssp,
      ca,
      ra,
      externalCa,
      tsa,
      timestamps,
      trust,
      identity,
      mailer,
      ops,
      hsmWatch,
      contracts,
      work,
      async close() {
        // operationMode "A" jobs still signing finish before the HSM and the database go away.
        await rssp.asyncResults.settled();
        await mailer.close();
        await work.close();
        mode.stop();
        try {
          await audit.shutdown();
        } catch (error) {
          // A passive installation signs no checkpoint; the first one after promotion covers these records.
          if (mode.mode === 'active') log.error({ err: error }, 'audit shutdown checkpoint failed');
        }
        opened.close();
        if (keyDatabase !== database) await keyDatabase.close();
        await database.close();
      },
    };
  } catch (error) {
    crypto?.close();
    await database.close();
    throw error;
  }
}
