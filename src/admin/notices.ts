/**
 * Public notices (PS 3.6.1, 3.7; issue #18): the fact of a key compromise and the coming end of the
 * service, published without login at /policies/notices. A notice is written only by the step that
 * owns it — the key-compromise procedure's `disclose` step, the service termination's `notify` step —
 * keyed by that incident or plan, so a resumed step finds its notice instead of adding one. Rows are
 * only inserted; each carries the SHA-256 of its body, checked whenever it is served.
 */

import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { canonicalJson } from '../audit/index.ts';
import { type Clock, systemClock } from '../clock/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { AdminTables } from './tables.ts';

export const PUBLIC_NOTICE_KINDS = ['key-compromise', 'service-termination'] as const;
export type PublicNoticeKind = (typeof PUBLIC_NOTICE_KINDS)[number];

export const PUBLIC_NOTICE_TITLES: Record<PublicNoticeKind, { ja: string; en: string }> = {
  'key-compromise': { ja: '鍵の危殆化', en: 'Key compromise' },
  'service-termination': { ja: 'サービスの終了', en: 'Service termination' },
};

const certificateSchema = z.object({
  serialNumber: z.string(),
  subject: z.string(),
  revokedAt: z.string().nullable(),
});

/** What a notice says; facts only (labels, serials, subjects, dates) — never secrets or addresses. */
const bodySchema = z.object({
  facts: z.object({
    keyLabel: z.string().optional(),
    purpose: z.string().optional(),
    certificates: z.array(certificateSchema).optional(),
    replacementKeyLabel: z.string().nullable().optional(),
    keys: z.string().optional(),
  }),
  text: z.object({ ja: z.string().min(1), en: z.string().min(1) }),
});
export type PublicNoticeBody = z.infer<typeof bodySchema>;

export interface PublicNoticeInput extends PublicNoticeBody {
  readonly kind: PublicNoticeKind;
  /** The incident or plan the notice belongs to: one notice per reference. */
  readonly reference: string;
  /** ISO-8601: from when it applies (revocation time; the end of the service). */
  readonly effectiveAt: string;
}

export interface PublicNotice extends PublicNoticeInput {
  readonly publishedAt: string;
  readonly sha256: string;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

interface NoticeRow {
  reference: string;
  kind: string;
  published_at: string;
  published_by: string;
  effective_at: string;
  body: string;
  sha256: string;
}

function toNotice(row: NoticeRow): PublicNotice {
  if (sha256(row.body) !== row.sha256) {
    throw shomeiError(
      'SHOMEI_NOTICE_TAMPERED',
      `お知らせ ${row.reference} の内容が公開時のハッシュと一致しません。`,
      `Notice ${row.reference} no longer matches the hash it was published with.`,
      { status: 500, details: { reference: row.reference } },
    );
  }
  return {
    kind: row.kind as PublicNoticeKind,
    reference: row.reference,
    effectiveAt: row.effective_at,
    publishedAt: row.published_at,
    sha256: row.sha256,
    ...bodySchema.parse(JSON.parse(row.body)),
  };
}

export class PublicNotices {
  constructor(
    private readonly db: Kysely<AdminTables>,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Called only by the disclosing steps (src/app/key-compromise-disclosure.ts, service-termination.ts).
   * A second call for the same reference keeps the first notice and returns it (created: false).
   */
  async publish(input: PublicNoticeInput, by: string): Promise<{ notice: PublicNotice; created: boolean }> {
    const body = canonicalJson(bodySchema.parse({ facts: input.facts, text: input.text }));
    const inserted = await this.db
      .insertInto('admin_public_notices')
      .values({
        reference: input.reference,
        kind: input.kind,
        published_at: this.clock().toISOString(),
        published_by: by,
        effective_at: input.effectiveAt,
        body,
        sha256: sha256(body),
      })
      .onConflict((oc) => oc.column('reference').doNothing())
      .executeTakeFirst();
    const row = await this.db
      .selectFrom('admin_public_notices')
      .selectAll()
      .where('reference', '=', input.reference)
      .executeTakeFirstOrThrow();
    return { notice: toNotice(row), created: Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1 };
  }

  /** Every notice, newest first (a handful over a service's life: no paging). */
  async list(): Promise<PublicNotice[]> {
    const rows = await this.db
      .selectFrom('admin_public_notices')
      .selectAll()
      .orderBy('published_at', 'desc')
      .orderBy('reference')
      .execute();
    return rows.map(toNotice);
  }
}
