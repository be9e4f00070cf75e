/**
 * Notice before a signing certificate ends (JT2A appendix 4: the RSSP tells the signer ahead of
 * expiry and offers renewal). A daily check mails each holder once per threshold (e.g. 30 and 7 days
 * before); the claim is a row keyed by certificate serial and threshold, so several instances running
 * the check send one mail between them. A credential whose renewal is already waiting for the RA is
 * left alone.
 */
import type { Kysely } from 'kysely';
import type { AuditTrail } from '../audit/events.ts';
import type { Clock, CredentialExpiryNotice, ExpiryNoticeSender } from './ports.ts';
import type { RsspTables } from './tables.ts';

const DAY_MS = 24 * 3600 * 1000;

export const DEFAULT_EXPIRY_NOTICE_DAYS: readonly number[] = [30, 7];

export class CredentialExpiryNotices {
  constructor(
    private readonly db: Kysely<RsspTables>,
    private readonly sender: ExpiryNoticeSender | undefined,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly thresholds: readonly number[],
  ) {}

  /** One pass: every active or suspended certificate within a threshold not yet told about it. */
  async check(now: Date = this.clock()): Promise<CredentialExpiryNotice[]> {
    if (this.sender === undefined || this.thresholds.length === 0) return [];
    const widest = Math.max(...this.thresholds);
    const rows = await this.db
      .selectFrom('rssp_credentials')
      .select(['credential_id', 'user_id', 'cert_serial', 'cert_subject_dn', 'cert_not_after'])
      .where('status', 'in', ['active', 'suspended'])
      .where('cert_not_after', 'is not', null)
      .where('cert_not_after', '>', now.toISOString())
      .where('cert_not_after', '<=', new Date(now.getTime() + widest * DAY_MS).toISOString())
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('rssp_credential_applications as a')
              .select('a.id')
              .whereRef('a.renews_credential_id', '=', 'rssp_credentials.credential_id')
              .where('a.status', '=', 'pending'),
          ),
        ),
      )
      .execute();
    const sent: CredentialExpiryNotice[] = [];
    for (const row of rows) {
      const notAfter = new Date(row.cert_not_after!);
      const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
      // The tightest threshold reached: a certificate found at 5 days gets the 7-day notice only.
      const threshold = Math.min(...this.thresholds.filter((t) => daysLeft < t));
      if (!Number.isFinite(threshold) || row.cert_serial === null) continue;
      const notice: CredentialExpiryNotice = {
        userId: row.user_id,
        credentialId: row.credential_id,
        subject: row.cert_subject_dn ?? '',
        serialNumber: row.cert_serial,
        notAfter: notAfter.toISOString(),
        daysLeft,
      };
      if (await this.claim(row.credential_id, row.cert_serial, threshold, now)) {
        await this.send(notice, threshold);
        sent.push(notice);
      }
    }
    return sent;
  }

  /** Checks now and once a day while the server runs (the timer keeps no process alive). */
  start(onError: (error: unknown) => void = () => undefined): () => void {
    const run = () => void this.check().catch(onError);
    run();
    const timer = setInterval(run, DAY_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  private async claim(credentialId: string, serial: string, threshold: number, now: Date) {
    // Every larger threshold is claimed too, so a later pass never sends an earlier, wider notice.
    const already = await this.db
      .selectFrom('rssp_credential_expiry_notices')
      .select('threshold_days')
      .where('cert_serial', '=', serial)
      .where('threshold_days', '<=', threshold)
      .executeTakeFirst();
    if (already !== undefined) return false;
    const row = (t: number) => ({
      credential_id: credentialId,
      cert_serial: serial,
      threshold_days: t,
      sent_at: now.toISOString(),
    });
    try {
      // The primary key makes this the claim: of two instances only one inserts it.
      await this.db.insertInto('rssp_credential_expiry_notices').values(row(threshold)).execute();
    } catch {
      return false;
    }
    const wider = this.thresholds.filter((t) => t > threshold);
    if (wider.length > 0) {
      await this.db
        .insertInto('rssp_credential_expiry_notices')
        .values(wider.map(row))
        .onConflict((oc) => oc.columns(['cert_serial', 'threshold_days']).doNothing())
        .execute();
    }
    return true;
  }

  private async send(notice: CredentialExpiryNotice, threshold: number): Promise<void> {
    await this.sender!.sendExpiryNotice(notice);
    await this.audit.append({
      type: 'credential.expiry.notice',
      actor: { kind: 'process', id: 'rssp' },
      subject: { kind: 'credential', id: notice.credentialId },
      outcome: 'success',
      details: {
        userId: notice.userId,
        certificateSerial: notice.serialNumber,
        notAfter: notice.notAfter,
        daysLeft: notice.daysLeft,
        thresholdDays: threshold,
      },
    });
  }
}
