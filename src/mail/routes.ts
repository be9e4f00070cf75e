/** `GET /dev/outbox`: the development outbox as JSON or a simple HTML list (development only). */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { OutboxEntry, OutboxMailer } from './outbox.ts';

export interface DevOutboxRoutesOptions {
  readonly outbox: OutboxMailer;
}

const querySchema = z.object({
  format: z.enum(['json', 'html']).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function renderHtml(entries: readonly OutboxEntry[]): string {
  const items = entries
    .map(
      (e) =>
        `<li><p><strong>${escapeHtml(e.subject)}</strong><br>宛先 / To: ${escapeHtml(e.to)}<br>${escapeHtml(e.createdAt)}</p><pre>${escapeHtml(e.text)}</pre></li>`,
    )
    .join('\n');
  return `<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>開発用送信箱 / Development outbox</title></head><body><h1>開発用送信箱 / Development outbox</h1><ol>${items}</ol></body></html>`;
}

export const devOutboxRoutes: FastifyPluginAsync<DevOutboxRoutesOptions> = async (app, options) => {
  app.get('/dev/outbox', async (request, reply) => {
    const parsed = querySchema.safeParse(request.query);
    const query = parsed.success ? parsed.data : {};
    const entries = await options.outbox.list(query.limit ?? 100);
    const wantsHtml =
      query.format === 'html' ||
      (query.format === undefined && (request.headers.accept ?? '').includes('text/html'));
    void reply.header('cache-control', 'no-store');
    if (wantsHtml) {
      void reply.header('content-security-policy', "default-src 'none'");
      return reply.type('text/html; charset=utf-8').send(renderHtml(entries));
    }
    return { messages: entries };
  });
};
