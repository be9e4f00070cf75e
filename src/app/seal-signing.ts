/**
 * What `shomei sign` opens (issue #20 Deliver 2, ADR 043): the provider's e-seal for one command, not
 * the whole application. The same checks as openShomei before anything signs — migrations, the
 * installation and its environment, the token's environment mark, a passive (restored) installation
 * and an unsynchronised clock refuse — and the same one door: the operator is authenticated by
 * identity (session or password + TOTP) and their privilege checked against admin's role grants, each
 * step in the audit trail. Left out: contracts, the RSSP, the work pool, HTTP, the key hierarchy (the
 * e-seal key lives in the token), metrics.
 */
import { type EmbeddedSigning, openEmbeddedSigning } from '../ades/index.ts';
import { type AdminTables, privilegeCheckFor, RoleGrants } from '../admin/index.ts';
import { type AuditServices, openAuditServices } from '../audit/index.ts';
import { CertificateAuthority, loadCaSettings } from '../ca/index.ts';
import type { ShomeiConfig } from '../config/index.ts';
import { CryptoModule, prepareManagedSoftHsm, readPinFile } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import { hsmSecretSealer, Identity, identitySettingsFrom, oidcSettingsFrom } from '../identity/index.ts';
import type { Logger } from '../log/index.ts';
import { createMailer } from '../mail/index.ts';
import {
  applicationName,
  ClockGuard,
  checkTokenEnvironment,
  holdMailWhilePassive,
  loadOpsSettings,
  OperatingMode,
} from '../ops/index.ts';
import { applyMigrations, type Database, KeyRegistry, openDatabase } from '../store/index.ts';
import { EmbeddedTsa, loadTsaSettings } from '../tsa/index.ts';
import { allMigrations } from './migrations.ts';
import { openTrustServices } from './trust-services.ts';

/** The parts the e-seal command uses; `identity`, `admin.grants` and `audit` make the operator door. */
export interface SealSigning {
  readonly config: ShomeiConfig;
  readonly identity: Identity;
  readonly admin: { readonly grants: RoleGrants };
  readonly audit: AuditServices;
  /** The e-seal key, its chain, the TSA and revocation data (made when first asked). */
  signing(): Promise<EmbeddedSigning>;
  close(): Promise<void>;
}

async function checkInstallation(database: Database, config: ShomeiConfig) {
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
    throw shomeiError(
      'SHOMEI_ENVIRONMENT_MISMATCH',
      `このデータベースは ${installation.environment} 環境用に作られました。${config.environment} 環境では使えません。`,
      `This database was made for the ${installation.environment} environment and cannot be used as ${config.environment}.`,
      { status: 500, details: { recorded: installation.environment, configured: config.environment } },
    );
  }
  return installation;
}

function openToken(config: ShomeiConfig): CryptoModule {
  if (config.pkcs11.managedSoftHsm) process.env.SOFTHSM2_CONF = prepareManagedSoftHsm(config.home);
  return CryptoModule.open({
    modulePath: config.pkcs11.modulePath,
    tokenLabel: config.pkcs11.tokenLabel,
    userPin: readPinFile(config.pkcs11.pinFile).userPin,
    sessions: config.pkcs11.sessions,
    inlineSigning: config.pkcs11.managedSoftHsm,
  });
}

export async function openSealSigning(config: ShomeiConfig, log: Logger): Promise<SealSigning> {
  // No query metrics in a one-shot command (they would load prom-client, ~0.1 s).
  const database = openDatabase(config.databaseUrl, {
    applicationName: applicationName(),
    onConnectionError: (error) => log.warn({ err: error }, 'database connection lost'),
  });
  let crypto: CryptoModule | undefined;
  try {
    const installation = await checkInstallation(database, config);
    const mode = new OperatingMode(database);
    await mode.refresh();
    crypto = openToken(config);
    const token = crypto;
    const keys = new KeyRegistry(database.db);
    // The marker's entry in the key register is openShomei's housekeeping, not this command's.
    await checkTokenEnvironment(token, config.environment, { markIfUnmarked: false });
    // As in openShomei: nothing signs while the installation is passive or the clock is out of bounds.
    const clock = new ClockGuard(loadOpsSettings().clock);
    token.observeSigning({
      beforeSign: () => {
        mode.assertActive();
        clock.assertSynchronised();
      },
      afterSign: () => undefined,
    });
    let timestamper: { timestamp(digest: Buffer): Promise<Buffer> } | undefined;
    const audit = await openAuditServices({
      database,
      crypto: token,
      keys,
      installationId: installation.installation_id,
      settings: config.audit,
      retentionYears: config.audit.retentionYears,
      timestamper: {
        timestamp: (digest: Buffer) => {
          if (timestamper === undefined) throw new Error('no TSA for audit checkpoints');
          return timestamper.timestamp(digest);
        },
      },
      notifier: { notify: async () => undefined },
      logger: log,
    });
    const grants = new RoleGrants({
      db: database.db.withTables<AdminTables>(),
      audit: audit.trail,
      settings: config.admin,
    });
    const mailer = holdMailWhilePassive(createMailer(config.mail, config.environment, database), mode);
    const identity = new Identity({
      database,
      sealer: hsmSecretSealer(token, keys),
      mailer,
      audit: audit.trail,
      privileges: privilegeCheckFor(grants),
      settings: identitySettingsFrom(config),
      logger: log,
      oidc: oidcSettingsFrom(config),
    });
    const ca = new CertificateAuthority({
      database,
      crypto: token,
      keys,
      settings: loadCaSettings(config).settings,
      audit: audit.trail,
    });
    const tsa = new EmbeddedTsa({ database, crypto: token, settings: loadTsaSettings(), audit: audit.trail });
    const trust = openTrustServices({ config, ca, tsa, audit: audit.trail });
    timestamper = trust.timestamps.source;
    return {
      config,
      identity,
      admin: { grants },
      audit,
      signing: () => openEmbeddedSigning({ config, database, crypto: token, keys, ca, tsa, trust }),
      async close() {
        await mailer.close();
        mode.stop();
        try {
          await audit.shutdown();
        } catch (error) {
          if (mode.mode === 'active') log.error({ err: error }, 'audit shutdown checkpoint failed');
        }
        token.close();
        await database.close();
      },
    };
  } catch (error) {
    crypto?.close();
    await database.close();
    throw error;
  }
}
