/**
 * Keys do not outlive their certificates (issue #18, ADR 032): a periodic sweep destroys the key of
 * every credential whose certificate ended more than the grace period ago, and of every credential
 * whose certificate the CA (embedded, or outside through the OCSP/CRL answer already asked for
 * before signing) reports revoked. A credential left stopped with its key by a crash is finished.
 */
import type { Kysely } from 'kysely';
import type { CredentialService, KeyDestructionReason } from './credentials.ts';
import type { CertificateStatusSource, Clock } from './ports.ts';
import type { CredentialTable, RsspTables } from './tables.ts';

const DAY_MS = 24 * 3600 * 1000;

export interface KeySweepOutcome {
  readonly credentialId: string;
  readonly reason: KeyDestructionReason;
}

export class CredentialKeySweep {
  constructor(
    private readonly db: Kysely<RsspTables>,
    private readonly credentials: CredentialService,
    private readonly statusSource: CertificateStatusSource | undefined,
    private readonly clock: Clock,
    private readonly graceDays: number,
  ) {}

  /** One pass; `now` is injectable so a test can stand after the grace period. */
  async sweep(now: Date = this.clock()): Promise<KeySweepOutcome[]> {
    const rows = await this.db
      .selectFrom('rssp_credentials')
      .selectAll()
      .where('key_id', 'is not', null)
      .where('certificate', 'is not', null)
      .execute();
    const cutoff = new Date(now.getTime() - this.graceDays * DAY_MS).toISOString();
    const done: KeySweepOutcome[] = [];
    for (const row of rows) {
      const reason = await this.reasonToDestroy(row, cutoff);
      if (reason === undefined) continue;
      if (await this.credentials.destroyKeyOfEndedCertificate(row.credential_id, reason)) {
        done.push({ credentialId: row.credential_id, reason });
      }
    }
    return done;
  }

  /**
   * Sweeps a minute after start (a server restarted more often than the period still sweeps, and
   * start-up is not slowed) and then every `periodSeconds`; the timers keep no process alive.
   */
  start(periodSeconds: number, onError: (error: unknown) => void = () => undefined): () => void {
    const run = () => void this.sweep().catch(onError);
    let timer: NodeJS.Timeout = setTimeout(() => {
      run();
      timer = setInterval(run, periodSeconds * 1000);
      timer.unref();
    }, Math.min(periodSeconds, 60) * 1000);
    timer.unref();
    return () => clearTimeout(timer);
  }

  private async reasonToDestroy(
    row: CredentialTable,
    cutoff: string,
  ): Promise<KeySweepOutcome['reason'] | undefined> {
    if (row.cert_not_after !== null && row.cert_not_after < cutoff) return 'certificate-expired';
    // Stopped by revocation or end of use, key still held: an interrupted retirement.
    if (row.status === 'revoked' || row.status === 'ended') return 'retirement-resumed';
    if (this.statusSource === undefined || row.certificate === null) return undefined;
    const chain = (JSON.parse(row.certificate_chain ?? '[]') as string[]).map((c) =>
      Buffer.from(c, 'base64'),
    );
    // Only a definite "revoked" destroys; an unreachable CA ('unknown') is asked again next time.
    const status = await this.statusSource.statusOf(Buffer.from(row.certificate), chain);
    return status === 'revoked' ? 'certificate-revoked-at-ca' : undefined;
  }
}
