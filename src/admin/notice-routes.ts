/**
 * The public notices (PS 3.6.1 危殆化の事実の公開, 3.7 終了の事前公開): `/policies/notices` (HTML,
 * ja+en) and `/policies/notices.json`, readable without logging in. Read only: notices are written
 * by the key-compromise and termination steps (src/admin/notices.ts).
 */
import type { FastifyInstance } from 'fastify';
import { PUBLIC_NOTICE_TITLES, type PublicNotice, type PublicNotices } from './notices.ts';
import { escapeHtml, page, sendHtml } from './policy-html.ts';

const paragraphs = (text: string, lang: 'ja' | 'en') =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `<p lang="${lang}">${escapeHtml(line)}</p>`)
    .join('');

function certificateRows(notice: PublicNotice): string {
  const certificates = notice.facts.certificates ?? [];
  if (certificates.length === 0) return '';
  const rows = certificates
    .map(
      (c) =>
        `<tr><td><code>${escapeHtml(c.serialNumber)}</code></td><td>${escapeHtml(c.subject)}</td><td>${escapeHtml(c.revokedAt ?? '—')}</td></tr>`,
    )
    .join('');
  return `<table><caption>証明書 / Certificates</caption><thead><tr><th scope="col">シリアル番号 / Serial</th><th scope="col">主体者 / Subject</th><th scope="col">失効 / Revoked</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function noticeArticle(notice: PublicNotice, index: number): string {
  const title = PUBLIC_NOTICE_TITLES[notice.kind];
  const id = `notice-${index}`;
  return `<article aria-labelledby="${id}" data-kind="${notice.kind}"><h2 id="${id}">${escapeHtml(title.ja)} / ${escapeHtml(title.en)}</h2>
<p>公開 / published <time>${escapeHtml(notice.publishedAt)}</time> — 適用 / effective <time>${escapeHtml(notice.effectiveAt)}</time></p>
${notice.facts.keyLabel === undefined ? '' : `<p>鍵 / Key: <code>${escapeHtml(notice.facts.keyLabel)}</code></p>`}
${certificateRows(notice)}${paragraphs(notice.text.ja, 'ja')}${paragraphs(notice.text.en, 'en')}
<p>参照 / reference <code>${escapeHtml(notice.reference)}</code> — SHA-256 <code>${notice.sha256}</code></p></article>`;
}

function noticesPage(notices: readonly PublicNotice[]): string {
  const body =
    notices.length === 0
      ? '<p>お知らせはありません。 / There are no notices.</p>'
      : notices.map(noticeArticle).join('\n');
  return page('お知らせ / Notices', `<h1>お知らせ / Notices</h1>${body}`);
}

export async function noticeRoutes(app: FastifyInstance, options: { notices: PublicNotices }): Promise<void> {
  const { notices } = options;
  app.get('/policies/notices', async (_request, reply) =>
    sendHtml(reply, 200, noticesPage(await notices.list())),
  );
  app.get('/policies/notices.json', async (_request, reply) =>
    reply.header('cache-control', 'no-cache').send({ notices: await notices.list() }),
  );
}
