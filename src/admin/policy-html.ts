/** The public pages' frame (policies and notices, ADR 033): one look, no script, no login. */
import type { FastifyReply } from 'fastify';

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function page(heading: string, body: string): string {
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(heading)}</title></head>
<body><header><nav aria-label="規程・規約 / Policies"><a href="/policies">規程・規約の一覧 / All policies</a> · <a href="/policies/notices">お知らせ / Notices</a> · <a href="/login">ログイン / Log in</a></nav></header>
<main>${body}</main></body></html>
`;
}

export function sendHtml(reply: FastifyReply, status: number, html: string) {
  return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
}
