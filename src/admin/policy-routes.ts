/**
 * The public policy pages (ADR 033), readable without logging in: `/policies` lists the documents,
 * `/policies/:document` shows the version in force, `/policies/:document/versions/:n` any published
 * version. Only stored versions are served — rendering from live settings happens once, at
 * publication — so an anonymous request never costs more than one indexed read.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isShomeiError } from '../errors/index.ts';
import { noticeRoutes } from './notice-routes.ts';
import type { PublicNotices } from './notices.ts';
import {
  isPolicyDocument,
  POLICY_DOCUMENT_TITLES,
  type PolicyRegistry,
  type PolicyVersion,
  PUBLIC_POLICY_DOCUMENTS,
  type PublicPolicyDocument,
} from './policies.ts';
import { escapeHtml, page, sendHtml } from './policy-html.ts';

export interface PolicyRoutesOptions {
  readonly policies: PolicyRegistry;
  /** The public notices (key compromise, service termination), listed at /policies/notices. */
  readonly notices?: PublicNotices;
}

const title = (d: PublicPolicyDocument) =>
  `${POLICY_DOCUMENT_TITLES[d].ja} / ${POLICY_DOCUMENT_TITLES[d].en}`;

function versionLine(v: PolicyVersion): string {
  return `版 / version ${v.version} — 施行 / effective ${escapeHtml(v.effectiveAt)}`;
}

function versionList(document: PublicPolicyDocument, versions: readonly PolicyVersion[]): string {
  const items = versions
    .map((v) => `<li><a href="/policies/${document}/versions/${v.version}">${versionLine(v)}</a></li>`)
    .join('');
  return `<section aria-labelledby="versions"><h2 id="versions">公開した版 / Published versions</h2><ul>${items}</ul></section>`;
}

async function documentPage(policies: PolicyRegistry, document: PublicPolicyDocument, version?: number) {
  const shown = await policies.text(document, version);
  const versions = await policies.versions(document);
  const inForce = await policies.text(document).then(
    (v) => v.version,
    () => undefined,
  );
  const notice =
    shown.version === inForce
      ? '<p>この版が現在有効です。 / This version is in force.</p>'
      : `<p role="note"><strong>この版は現在有効な版ではありません。 / This is not the version in force.</strong> <a href="/policies/${document}">現在の版 / Current version</a></p>`;
  const meta = `<p>${versionLine(shown)} — SHA-256 <code>${shown.sha256}</code></p>${notice}`;
  // Loaded on the first page shown, not by every server at start (ADR 045).
  const { marked } = await import('marked');
  const article = await marked.parse(shown.markdown, { async: true, gfm: true });
  return page(
    `${title(document)} — 版 ${shown.version}`,
    `${meta}<article>${article}</article>${versionList(document, versions)}`,
  );
}

async function indexPage(policies: PolicyRegistry): Promise<string> {
  const rows = await Promise.all(
    PUBLIC_POLICY_DOCUMENTS.map(async (d) => {
      const current = await policies.text(d).then(versionLine, () => '未公開 / not published');
      return `<li><a href="/policies/${d}">${escapeHtml(title(d))}</a> (${current})</li>`;
    }),
  );
  const notices =
    '<p><a href="/policies/notices">お知らせ (鍵の危殆化・サービスの終了) / Notices (key compromise, service termination)</a></p>';
  return page('規程・規約 / Policies', `<h1>規程・規約 / Policies</h1><ul>${rows.join('')}</ul>${notices}`);
}

function notFound(reply: FastifyReply, message: { ja: string; en: string }) {
  const body = `<h1>見つかりません / Not found</h1><p>${escapeHtml(message.ja)}</p><p lang="en">${escapeHtml(message.en)}</p>`;
  return sendHtml(reply, 404, page('見つかりません / Not found', body));
}

export async function policyRoutes(app: FastifyInstance, options: PolicyRoutesOptions): Promise<void> {
  const { policies } = options;
  // Registered before '/policies/:document', though find-my-way prefers the static path anyway.
  if (options.notices !== undefined) await noticeRoutes(app, { notices: options.notices });
  app.get('/policies', async (_request, reply) => sendHtml(reply, 200, await indexPage(policies)));
  const show = async (reply: FastifyReply, documentParam: string, versionParam?: string) => {
    if (!isPolicyDocument(documentParam)) {
      return notFound(reply, { ja: 'その文書はありません。', en: 'There is no such document.' });
    }
    if (versionParam !== undefined && !/^[1-9]\d{0,5}$/.test(versionParam)) {
      return notFound(reply, { ja: 'その版はありません。', en: 'There is no such version.' });
    }
    try {
      const version = versionParam === undefined ? undefined : Number(versionParam);
      return sendHtml(reply, 200, await documentPage(policies, documentParam, version));
    } catch (error) {
      if (isShomeiError(error) && error.code === 'SHOMEI_POLICY_NOT_PUBLISHED') {
        return notFound(reply, error.messages);
      }
      throw error;
    }
  };
  app.get('/policies/:document', async (request, reply) =>
    show(reply, (request.params as { document: string }).document),
  );
  app.get('/policies/:document/versions/:version', async (request, reply) => {
    const params = request.params as { document: string; version: string };
    return show(reply, params.document, params.version);
  });
}
