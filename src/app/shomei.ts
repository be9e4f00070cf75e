/**
 * The composition root: opens configuration, database and HSM in one place so that the CLI and the
 * server assemble the same parts. `initialise` is idempotent and is what `shomei init` runs.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import {
  type AdminServices,
  type AdminTables,
  mailAlertNotifier,
  serviceEndedAt,
  serviceTerminated,
} from '../admin/index.ts';
import { type AuditServices, type CheckpointTimestamper, ensureCheckpointKey } from '../audit/index.ts';
import {
  CertificateAuthority,
  type ExternalCa,
  loadCaSettings,
  type RegistrationAuthority,
} from '../ca/index.ts';
import type { ShomeiConfig } from '../config/index.ts';
import type { ContractService } from '../contracts/index.ts';
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
import type { AccountClosedHook, Identity, PrivilegeCheck } from '../identity/index.ts';
import { createLogger, type Logger } from '../log/index.ts';
import type { Mailer } from '../mail/index.ts';
import {
  applicationName,
  checkTokenEnvironment,
  databaseConnectionOptions,
  ensureHealthKey,
  hsmProbe,
  OperatingMode,
  type OpsServices,
} from '../ops/index.ts';
import type { RemoteSignatureService } from '../rssp/index.ts';
import {
  applyMigrations,
  type Database,
  DestructionLog,
  KekRing,
  type KeyHierarchy,
  KeyRegistry,
  openDatabase,
} from '../store/index.ts';
import { EmbeddedTsa, loadTsaSettings, type TimestampSource } from '../tsa/index.ts';
import { checkHsmConfiguration } from './hsm-configuration.ts';
import { HsmConfigurationWatch } from './hsm-watch.ts';
import { ceremonyActor, completeInitKeyCeremony, keyIdsBefore } from './key-ceremony.ts';
import { allMigrations } from './migrations.ts';
import {
  guardSigning,
  type LateAuditReferences,
  notInitialised,
  type Opening,
  openAdmin,
  openAudit,
  openContracts,
  openIdentity,
  openKeyHierarchy,
  openMailer,
  openOps,
  openPki,
  openRssp,
} from './open-steps.ts';
import { dataPaths } from './paths.ts';
import type { TrustServices } from './trust-services.ts';
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
  readonly timestamps: { readonly source: TimestampSource; readonly externalUrl?: string | undefined };
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
  readonly soPinFile?: string | undefined;
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
      soPinFile,
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
    const installationId = await openInstallation(config, database);
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
    const keys = new KeyRegistry(database.db, destructionLogOf(config));
    await checkTokenEnvironment(crypto, config.environment, { markIfUnmarked: false, keys });
    return await assemble({ config, log, database, crypto, keys, mode, installationId }, options);
  } catch (error) {
    crypto?.close();
    await database.close();
    throw error;
  }
}

/** Migrates, then reads the installation's id; refuses an uninitialised or another environment's one. */
async function openInstallation(config: ShomeiConfig, database: Database): Promise<string> {
  await applyMigrations(database.db, allMigrations(database.dialect), { displayUrl: database.displayUrl });
  const installation = await database.db.selectFrom('installation').selectAll().executeTakeFirst();
  if (installation === undefined) throw notInitialised();
  if (installation.environment !== config.environment) {
    throw environmentMismatch(installation.environment, config.environment);
  }
  return installation.installation_id;
}

/** Builds every service on the open database and token, each step from the ones before it. */
async function assemble(o: Opening, options: OpenShomeiOptions): Promise<Shomei> {
  const late: LateAuditReferences = { timestamper: options.auditTimestamper, notifier: undefined };
  const audit = await openAudit(o, late);
  const { keyHierarchy, keyDatabase } = openKeyHierarchy(o, audit);
  const admin = openAdmin(o, audit);
  const mailer = openMailer(o);
  const identity = openIdentity(
    o,
    { audit, admin, mailer, privileges: options.privileges, onAccountClosed: options.onAccountClosed ?? [] },
    () => ({ rssp, contracts }),
  );
  const pki = openPki(o, audit);
  late.timestamper ??= pki.timestamps.source;
  // After an approved service termination takes effect, nothing new is accepted (ADR 036).
  const admission = () => admin.termination.assertAccepting();
  const rssp = openRssp(o, { audit, identity, mailer, pki, admission });
  if (o.config.audit.alertMailTo.length > 0)
    late.notifier = mailAlertNotifier(mailer, o.config.audit.alertMailTo);
  const work = openDocumentWork(o.config);
  const contracts = openContracts(o, { audit, identity, mailer, pki, admission, admin, rssp, work });
  const probe = await hsmProbe(o.crypto, o.keys);
  const hsmWatch = new HsmConfigurationWatch(o.config, o.database);
  const ops = openOps(o, pki, { probe, hsmWatch });
  guardSigning(o, probe, ops);
  return {
    config: o.config,
    database: o.database,
    crypto: o.crypto,
    keys: o.keys,
    keyHierarchy,
    logger: o.log,
    installationId: o.installationId,
    audit,
    admin,
    rssp,
    ...pki,
    identity,
    mailer,
    ops,
    hsmWatch,
    contracts,
    work,
    close: () => closeAll(o, { rssp, mailer, work, audit, keyDatabase }),
  };
}

/** Stops in the order that lets each part finish with the ones below it still open. */
async function closeAll(
  o: Opening,
  parts: Pick<Shomei, 'rssp' | 'mailer' | 'work' | 'audit'> & { keyDatabase: Database },
): Promise<void> {
  // operationMode "A" jobs still signing finish before the HSM and the database go away.
  await parts.rssp.asyncResults.settled();
  await parts.mailer.close();
  await parts.work.close();
  o.mode.stop();
  try {
    await parts.audit.shutdown();
  } catch (error) {
    // A passive installation signs no checkpoint; the first one after promotion covers these records.
    if (o.mode.mode === 'active') o.log.error({ err: error }, 'audit shutdown checkpoint failed');
  }
  o.crypto.close();
  if (parts.keyDatabase !== o.database) await parts.keyDatabase.close();
  await o.database.close();
}
