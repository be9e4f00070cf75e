/**
 * The disclosure rows of the compliance report (ADR 033): each public policy document published and
 * in force, the provider's items set, and the Level 2 declaration's key storage — JIPDEC EC/RS
 * 2.1.3 (1)(2) and the JT2A guideline's appendix 2 — with the evidence and a status.
 */
export type DisclosureStatus = 'met' | 'not-met';

export interface DisclosureRow {
  readonly ref: string;
  readonly topic: { readonly ja: string; readonly en: string };
  readonly evidence: string;
  readonly status: DisclosureStatus;
}

export interface PublishedDocumentState {
  readonly document: string;
  readonly title: { readonly ja: string; readonly en: string };
  /** The version in force, or null when none is published and effective yet. */
  readonly inForce: {
    readonly version: number;
    readonly effectiveAt: string;
    readonly sha256: string;
  } | null;
  readonly versions: number;
}

export interface DisclosureState {
  readonly publicUrl: string;
  readonly documents: readonly PublishedDocumentState[];
  readonly unsetItems: readonly string[];
  readonly keyStorage: string;
  /** True when keys are in a software token (SoftHSM2): not a certified module, so not Level 2. */
  readonly softwareToken: boolean;
}

const REFS: Record<string, string> = {
  'practice-statement': 'EC 2.1.3 (1) / RS 2.1.3 (1) / JT2A 附録 2',
  'terms-of-use': 'EC 2.1.3 (2) / RS 2.1.3 (2) / JT2A 附録 2',
  'privacy-policy': 'JT2A 附録 2 (9)',
  'service-policy': 'JT2A 附録 2 (1)–(14)',
};

function documentRow(state: DisclosureState, d: PublishedDocumentState): DisclosureRow {
  const url = `${state.publicUrl}/policies/${d.document}`;
  return {
    ref: REFS[d.document] ?? 'JT2A 附録 2',
    topic: { ja: `${d.title.ja}の公開`, en: `${d.title.en}, published` },
    evidence:
      d.inForce === null
        ? `not published (${d.versions} version(s), none in force) — shomei compliance publish`
        : `${url} version ${d.inForce.version} of ${d.versions}, effective ${d.inForce.effectiveAt}, sha256 ${d.inForce.sha256}`,
    status: d.inForce === null ? 'not-met' : 'met',
  };
}

export function disclosureRows(state: DisclosureState): DisclosureRow[] {
  return [
    ...state.documents.map((d) => documentRow(state, d)),
    {
      ref: 'JT2A 附録 2 (2)(4)(6)–(8)(10)(11)(13)(14)',
      topic: { ja: '事業者の記入項目', en: "The provider's items" },
      evidence:
        state.unsetItems.length === 0
          ? 'every item set'
          : `not set: ${state.unsetItems.join(', ')} — shomei compliance publish --items`,
      status: state.unsetItems.length === 0 ? 'met' : 'not-met',
    },
    {
      ref: 'JT2A 附録 2 (1), 表 3-5',
      topic: {
        ja: 'レベル 2 の適合宣言 (鍵の生成・保持)',
        en: 'Level 2 declaration (key generation and storage)',
      },
      evidence: state.softwareToken
        ? `${state.keyStorage}: a software token is not a certified module; the declaration does not hold`
        : state.keyStorage,
      status: state.softwareToken ? 'not-met' : 'met',
    },
  ];
}

export function disclosureText(rows: readonly DisclosureRow[], lang: 'ja' | 'en'): string {
  const lines = rows.map(
    (r) =>
      `[${r.status}] ${r.ref} — ${r.topic[lang]}\n    ${lang === 'ja' ? '根拠' : 'evidence'}: ${r.evidence}`,
  );
  return `\n${lang === 'ja' ? '公開 (規程・規約)' : 'Disclosure'}:\n${lines.join('\n')}\n`;
}
