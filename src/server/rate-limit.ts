/**
 * Per-address request limits (@fastify/rate-limit, in memory per instance). Registered with
 * `global: false`: a route opts in through `config: { rateLimit: { max, timeWindow } }` (the public
 * ones: POST /api/verify, issue #16). A refusal is a typed SHOMEI_RATE_LIMITED with Retry-After.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { shomeiError } from '../errors/index.ts';

export async function registerRateLimits(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      shomeiError(
        'SHOMEI_RATE_LIMITED',
        `リクエストが多すぎます。${Math.ceil(context.ttl / 1000)} 秒後に再度お試しください。`,
        `Too many requests. Try again in ${Math.ceil(context.ttl / 1000)} s.`,
        { status: 429, details: { max: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) } },
      ),
  });
}
