/**
 * Active or passive (ADR 027). A restored installation starts passive: it signs nothing (no
 * signatures, certificates or timestamps), sends no mail and runs no scheduled job, and /readyz says
 * so, until two operators promote it through dual control (`installation.promote`). This is what
 * keeps a restore drill from becoming a second live installation beside the original.
 *
 * The signing observer asks synchronously, so the mode is held in memory and read again from the
 * database at open, on every /readyz and every few seconds — a promotion approved by another process
 * (the CLI, another instance) reaches every instance without a restart.
 */
import type { Kysely } from 'kysely';
import { shomeiError } from '../errors/index.ts';
import type { Mailer } from '../mail/index.ts';
import type { Database } from '../store/index.ts';
import {
  type InstallationMode,
  MODE_ROW_ID,
  type OperatingModeTables,
  writeMode,
} from './operating-mode-table.ts';

const REFRESH_MS = 5000;

/** Databases of passive installations in this process: the cluster lock runs no job for them. */
const passiveDatabases = new WeakSet<Database>();

export function scheduledJobsHeld(database: Database): boolean {
  return passiveDatabases.has(database);
}

export function installationPassive(): Error {
  return shomeiError(
    'SHOMEI_INSTALLATION_PASSIVE',
    'この環境は復元後の待機 (passive) 状態のため、署名・タイムスタンプ・メール送信を行いません。2 名の運用者による昇格 (installation.promote) の後に稼働します。',
    'This installation is passive (restored, not yet promoted): it does not sign, timestamp or send mail until two operators promote it (installation.promote).',
    { status: 503, details: { mode: 'passive' } },
  );
}

export class OperatingMode {
  private current: InstallationMode = 'active';
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly database: Database) {}

  private get db(): Kysely<OperatingModeTables> {
    return this.database.db.withTables<OperatingModeTables>();
  }

  get mode(): InstallationMode {
    return this.current;
  }

  private set(mode: InstallationMode): void {
    this.current = mode;
    if (mode === 'passive') passiveDatabases.add(this.database);
    else passiveDatabases.delete(this.database);
  }

  /** Reads the mode again; a database that cannot be read leaves the last known mode. */
  async refresh(): Promise<InstallationMode> {
    try {
      const row = await this.db
        .selectFrom('installation_mode')
        .select('mode')
        .where('id', '=', MODE_ROW_ID)
        .executeTakeFirst();
      this.set(row?.mode === 'passive' ? 'passive' : 'active');
    } catch {
      // Database away: readiness reports that on its own; keep what we knew.
    }
    return this.current;
  }

  /** Throws SHOMEI_INSTALLATION_PASSIVE while passive (signing observer, mailer). */
  assertActive(): void {
    if (this.current === 'passive') throw installationPassive();
  }

  /** Promotes a passive installation (the `installation.promote` executor, after dual control). */
  async promote(requestId: string): Promise<void> {
    await writeMode(this.database.db as Kysely<unknown>, 'active', 'promoted', requestId);
    this.set('active');
  }

  /** Starts the periodic re-read (unref'd, so it never keeps the process alive). */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * The same mailer, refusing to send while the installation is passive. The development outbox
 * delivers nothing (it stores mail in the database) and is returned as it is: its routes look for
 * the class.
 */
export function holdMailWhilePassive(mailer: Mailer, mode: OperatingMode): Mailer {
  if (mailer.kind !== 'smtp') return mailer;
  return {
    kind: mailer.kind,
    send: async (message) => {
      mode.assertActive();
      await mailer.send(message);
    },
    close: () => mailer.close(),
  };
}
