/**
 * Serves the built web UI (web/dist) at `/`, with the SPA's index.html for any other GET that is not an
 * API, PKI, CSC or OAuth path. API routes are registered first and keep precedence.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../config/index.ts';

export const WEB_DIST = path.join(packageRoot(), 'web', 'dist');

/** Paths owned by APIs: an unknown one is a JSON 404, never the UI. */
const API_PREFIXES = [
  '/api/',
  '/csc/',
  '/oauth2/',
  '/pki/',
  '/tsa',
  '/dev/',
  '/metrics',
  '/healthz',
  '/readyz',
];

export async function webRoutes(app: FastifyInstance, options: { distDir?: string } = {}): Promise<void> {
  const dist = options.distDir ?? WEB_DIST;
  const indexFile = path.join(dist, 'index.html');
  if (!existsSync(indexFile)) {
    app.log.warn({ dist }, 'web UI not built (run scripts/setup.sh); serving APIs only');
    return;
  }
  const indexHtml = readFileSync(indexFile);
  await app.register(fastifyStatic, { root: dist, wildcard: false, index: false, serve: true, prefix: '/' });
  const sendIndex = (_request: unknown, reply: { type(t: string): { send(b: Buffer): unknown } }) =>
    reply.type('text/html; charset=utf-8').send(indexHtml);
  app.get('/', sendIndex);
  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    if (
      request.method !== 'GET' ||
      API_PREFIXES.some((prefix) => url.startsWith(prefix)) ||
      path.extname(url) !== ''
    ) {
      void reply.status(404).send({
        error: {
          code: 'SHOMEI_NOT_FOUND',
          message: { ja: 'ページまたは API が見つかりません。', en: 'No such page or API.' },
        },
      });
      return;
    }
    void reply.type('text/html; charset=utf-8').send(indexHtml);
  });
}
