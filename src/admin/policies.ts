/**
 * The published policy documents (ADR 033): practice statement, terms of use, privacy policy and the
 * JT2A appendix 2 service policy. Each published version is stored as published — Markdown, SHA-256
 * and effective date — and never changed; the provider's own texts (name, contact, SLA…) are named
 * items beside them. Both change only through the dual-control kind `policy.publish`.
 */

import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type Clock, systemClock } from '../clock/index.ts';
import { type ShomeiError, shomeiError } from '../errors/index.ts';
import type { AdminTables } from './tables.ts';

export const PUBLIC_POLICY_DOCUMENTS = [
  'practice-statement',
  'terms-of-use',
  'privacy-policy',
  'service-policy',
] as const;
export type PublicPolicyDocument = (typeof PUBLIC_POLICY_DOCUMENTS)[number];

export const POLICY_DOCUMENT_TITLES: Record<PublicPolicyDocument, { ja: string; en: string }> = {
  'practice-statement': { ja: '運用規程', en: 'Practice statement' },
  'terms-of-use': { ja: '利用規約', en: 'Terms of use' },
  'privacy-policy': { ja: 'プライバシーポリシー', en: 'Privacy policy' },
  'service-policy': { ja: 'サービスポリシー (適合宣言)', en: 'Service policy (level declaration)' },
};

/** The texts only the provider can write; an unset one is shown as such and refused in production. */
export const POLICY_ITEMS = {
  PROVIDER_NAME: { ja: '事業者名', en: 'Provider name' },
  PROVIDER_CONTACT: {
    ja: '連絡窓口 (住所・メール・電話・受付時間)',
    en: 'Contact (address, mail, phone, hours)',
  },
  SERVICE_LEVEL: {
    ja: '稼働率目標・計画停止の予告・サポート時間',
    en: 'Availability, maintenance notice, support hours',
  },
  REVOCATION_HOURS: { ja: '失効・鍵破棄の受付方法と時間', en: 'How and when revocation is accepted' },
  USAGE_LIMITS: { ja: '利用の制限', en: 'Limits of use' },
  FEES_AND_CANCELLATION: { ja: '料金・解約', en: 'Fees and cancellation' },
  LIABILITY: { ja: '責任の制限・補償', en: 'Liability and compensation' },
  GOVERNING_LAW: { ja: '準拠法・管轄裁判所', en: 'Governing law and court' },
  TERMINATION: { ja: '事業終了・移行時の通知と措置', en: 'Notice and measures on termination or migration' },
  INCIDENTS: { ja: 'インシデント対応・事業継続', en: 'Incident response and continuity' },
  COMPLAINTS: { ja: '苦情の受付と処理', en: 'Complaints' },
  AUDIT_CERTIFICATION: { ja: '第三者監査・認証', en: 'Third-party audit and certification' },
  PRIVACY_THIRD_PARTIES: { ja: '個人情報の第三者提供・委託先', en: 'Third parties and processors' },
} as const;
export type PolicyItemName = keyof typeof POLICY_ITEMS;
export const POLICY_ITEM_NAMES = Object.keys(POLICY_ITEMS) as PolicyItemName[];
export const POLICY_ITEM_MAX = 1000;

export interface PolicyVersion {
  readonly document: PublicPolicyDocument;
  readonly version: number;
  readonly effectiveAt: string;
  readonly publishedAt: string;
  readonly publishedBy: string;
  readonly sha256: string;
}

export interface PolicyItemState {
  readonly name: PolicyItemName;
  readonly label: { readonly ja: string; readonly en: string };
  readonly value: string | null;
  readonly setAt: string | null;
}

export function isPolicyDocument(value: unknown): value is PublicPolicyDocument {
  return (PUBLIC_POLICY_DOCUMENTS as readonly unknown[]).includes(value);
}

export function policyNotPublished(document: string, version?: number): ShomeiError {
  return shomeiError(
    'SHOMEI_POLICY_NOT_PUBLISHED',
    version === undefined
      ? `${document} はまだ公開されていません。`
      : `${document} の版 ${version} はありません。`,
    version === undefined
      ? `${document} has not been published yet.`
      : `${document} has no version ${version}.`,
    { status: 404, details: { document, version } },
  );
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export class PolicyRegistry {
  constructor(
    private readonly db: Kysely<AdminTables>,
    private readonly clock: Clock = systemClock,
  ) {}

  async items(): Promise<PolicyItemState[]> {
    const rows = await this.db.selectFrom('admin_policy_items').selectAll().execute();
    const byName = new Map(rows.map((r) => [r.name, r]));
    return POLICY_ITEM_NAMES.map((name) => ({
      name,
      label: POLICY_ITEMS[name],
      value: byName.get(name)?.value ?? null,
      setAt: byName.get(name)?.set_at ?? null,
    }));
  }

  /** Called by the `policy.publish` executor only, inside an approved request. */
  async setItems(items: Partial<Record<PolicyItemName, string>>, setBy: string): Promise<void> {
    const at = this.clock().toISOString();
    for (const [name, value] of Object.entries(items)) {
      await this.db.deleteFrom('admin_policy_items').where('name', '=', name).execute();
      await this.db
        .insertInto('admin_policy_items')
        .values({ name, value: value as string, set_at: at, set_by: setBy })
        .execute();
    }
  }

  /** Called by the `policy.publish` executor only: a new version after the last, never an update. */
  async publish(
    document: PublicPolicyDocument,
    markdown: string,
    effectiveAt: string,
    by: { publishedBy: string; approvalId: string },
  ): Promise<PolicyVersion> {
    const last = await this.db
      .selectFrom('admin_policy_versions')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('document', '=', document)
      .executeTakeFirst();
    const row = {
      document,
      version: Number(last?.v ?? 0) + 1,
      effective_at: effectiveAt,
      published_at: this.clock().toISOString(),
      published_by: by.publishedBy,
      approval_id: by.approvalId,
      sha256: sha256(markdown),
      markdown,
    };
    await this.db.insertInto('admin_policy_versions').values(row).execute();
    return toVersion(row);
  }

  /** Every version of a document, newest first (without the text). */
  async versions(document: PublicPolicyDocument): Promise<PolicyVersion[]> {
    const rows = await this.db
      .selectFrom('admin_policy_versions')
      .select(['document', 'version', 'effective_at', 'published_at', 'published_by', 'sha256'])
      .where('document', '=', document)
      .orderBy('version', 'desc')
      .execute();
    return rows.map(toVersion);
  }

  /**
   * One version with its text: the given one, or the one in force (the newest already effective).
   * The text is hashed again, so a row changed behind the service's back is refused, not shown.
   */
  async text(
    document: PublicPolicyDocument,
    version?: number,
  ): Promise<PolicyVersion & { markdown: string }> {
    let query = this.db.selectFrom('admin_policy_versions').selectAll().where('document', '=', document);
    query =
      version === undefined
        ? query.where('effective_at', '<=', this.clock().toISOString()).orderBy('version', 'desc').limit(1)
        : query.where('version', '=', version);
    const row = await query.executeTakeFirst();
    if (row === undefined) throw policyNotPublished(document, version);
    if (sha256(row.markdown) !== row.sha256) {
      throw shomeiError(
        'SHOMEI_POLICY_TAMPERED',
        `${document} 版 ${row.version} の内容が公開時のハッシュと一致しません。`,
        `${document} version ${row.version} no longer matches the hash it was published with.`,
        { status: 500, details: { document, version: row.version } },
      );
    }
    return { ...toVersion(row), markdown: row.markdown };
  }
}

function toVersion(row: {
  document: string;
  version: number;
  effective_at: string;
  published_at: string;
  published_by: string;
  sha256: string;
}): PolicyVersion {
  return {
    document: row.document as PublicPolicyDocument,
    version: Number(row.version),
    effectiveAt: row.effective_at,
    publishedAt: row.published_at,
    publishedBy: row.published_by,
    sha256: row.sha256,
  };
}
