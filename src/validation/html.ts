/** A self-contained HTML validation report (no scripts, no external resources) a user can keep. */
import type { Reason, SignatureValidationResult, ValidationReport } from './types.ts';

type Lang = 'ja' | 'en';

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const T = {
  title: { ja: '署名検証レポート', en: 'Signature validation report' },
  overall: { ja: '総合判定', en: 'Overall result' },
  time: { ja: '検証時刻', en: 'Validation time' },
  document: { ja: '文書', en: 'Document' },
  anchors: { ja: 'トラストアンカー', en: 'Trust anchors' },
  policy: { ja: '検証ポリシー', en: 'Validation policy' },
  information: { ja: '情報', en: 'Information' },
  online: { ja: 'オンライン失効確認', en: 'Online revocation checking' },
  signer: { ja: '署名者', en: 'Signer' },
  level: { ja: '達成レベル', en: 'Level reached' },
  claimed: { ja: '署名時刻（自己申告）', en: 'Claimed signing time' },
  best: { ja: '証明された署名時刻', en: 'Best signature time' },
  timestamps: { ja: 'タイムスタンプ', en: 'Timestamps' },
  coverage: { ja: '署名範囲', en: 'Coverage' },
  reasons: { ja: '理由', en: 'Reasons' },
  warnings: { ja: '注意', en: 'Warnings' },
  chain: { ja: '証明書チェーン', en: 'Certificate chain' },
  changes: { ja: '署名後の変更', en: 'Changes after signing' },
  yes: { ja: 'あり', en: 'yes' },
  no: { ja: 'なし', en: 'no' },
} as const;

const INDICATION: Record<string, { ja: string; en: string }> = {
  TOTAL_PASSED: { ja: '有効（TOTAL_PASSED）', en: 'Valid (TOTAL_PASSED)' },
  INDETERMINATE: { ja: '判定不能（INDETERMINATE）', en: 'Indeterminate (INDETERMINATE)' },
  TOTAL_FAILED: { ja: '無効（TOTAL_FAILED）', en: 'Invalid (TOTAL_FAILED)' },
};

function reasons(list: readonly Reason[], lang: Lang): string {
  return `<ul>${list.map((r) => `<li><code>${escapeHtml(r.code)}</code> ${escapeHtml(r[lang])}</li>`).join('')}</ul>`;
}

function signature(s: SignatureValidationResult, lang: Lang): string {
  const rows: [string, string][] = [
    [
      lang === 'ja' ? '判定' : 'Indication',
      `${escapeHtml(INDICATION[s.indication]![lang])}${s.subIndication ? ` / ${escapeHtml(s.subIndication)}` : ''}`,
    ],
    [T.signer[lang], escapeHtml(s.signer?.subject ?? '—')],
    [T.level[lang], escapeHtml(s.level)],
    [T.claimed[lang], escapeHtml(s.claimedSigningTime ?? '—')],
    [T.best[lang], escapeHtml(s.bestSignatureTime)],
    [
      T.timestamps[lang],
      escapeHtml(s.timestamps.map((t) => `${t.kind} ${t.genTime ?? '?'} ${t.indication}`).join('; ') || '—'),
    ],
    [
      T.coverage[lang],
      escapeHtml(
        s.coverage
          ? `revision ${s.coverage.revision ?? '?'}, ByteRange [${(s.coverage.byteRange ?? []).join(' ')}], whole file: ${s.coverage.coversWholeFile}`
          : '—',
      ),
    ],
  ];
  const chain = s.chain
    .map(
      (c) =>
        `<li>${escapeHtml(c.subject)} (serial ${escapeHtml(c.serialNumber)}, ${escapeHtml(c.notBefore)} – ${escapeHtml(c.notAfter)}, ${escapeHtml(c.revocation)})</li>`,
    )
    .join('');
  const changes = (s.modifications?.changes ?? [])
    .map(
      (c) =>
        `<li>rev ${c.revision}: ${escapeHtml(c.description[lang])} (${escapeHtml(c.level)}${c.allowed ? '' : ', NOT ALLOWED'})</li>`,
    )
    .join('');
  return `<section class="${s.indication}"><h2>${escapeHtml(s.id)} ${escapeHtml(s.kind)}${s.fieldName ? ` — ${escapeHtml(s.fieldName)}` : ''}</h2>
<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`).join('')}</table>
${s.reasons.length ? `<h3>${T.reasons[lang]}</h3>${reasons(s.reasons, lang)}` : ''}
${s.warnings.length ? `<h3>${T.warnings[lang]}</h3>${reasons(s.warnings, lang)}` : ''}
${s.information?.length ? `<h3>${T.information[lang]}</h3>${reasons(s.information, lang)}` : ''}
${chain ? `<h3>${T.chain[lang]}</h3><ol>${chain}</ol>` : ''}
${changes ? `<h3>${T.changes[lang]}</h3><ul>${changes}</ul>` : ''}</section>`;
}

export function renderHtmlReport(report: ValidationReport, lang: Lang): string {
  const doc = report.document;
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><title>${T.title[lang]}</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}section{border-left:.4rem solid #999;padding-left:1rem;margin:1.5rem 0}.TOTAL_PASSED{border-color:#2a7}.INDETERMINATE{border-color:#d90}.TOTAL_FAILED{border-color:#c33}</style>
</head><body><h1>${T.title[lang]}</h1>
<table>
<tr><th>${T.overall[lang]}</th><td>${escapeHtml(INDICATION[report.indication]![lang])}</td></tr>
<tr><th>${T.time[lang]}</th><td>${escapeHtml(report.validationTime)}</td></tr>
<tr><th>${T.document[lang]}</th><td>${escapeHtml(doc.name ?? '')} ${escapeHtml(doc.type)}, ${doc.size} bytes, SHA-256 ${escapeHtml(doc.sha256)}</td></tr>
<tr><th>${T.policy[lang]}</th><td>${escapeHtml(report.policy.name)}<br><code>sha256 ${escapeHtml(report.policy.digest)}</code></td></tr>
<tr><th>${T.anchors[lang]}</th><td>${report.policy.trustAnchors.map((a) => escapeHtml(a.subject)).join('<br>') || '—'}</td></tr>
<tr><th>${T.online[lang]}</th><td>${report.policy.online ? T.yes[lang] : T.no[lang]}</td></tr>
</table>
${report.signatures.map((s) => signature(s, lang)).join('\n')}
</body></html>
`;
}
