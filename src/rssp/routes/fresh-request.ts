/**
 * Replay protection for requests that stop or destroy a credential (JT2A appendix 4): a single-use
 * nonce and a timestamp within five minutes of ours, whatever authenticated the caller.
 */
import type { FastifyRequest } from 'fastify';
import type { RsspRouteView } from '../service.ts';

export const NONCE_HEADER = 'x-shomei-nonce';
export const TIMESTAMP_HEADER = 'x-shomei-timestamp';

/** A nonce is accepted once, and only with a timestamp within five minutes of ours (verbs/accept-fresh-request.ts). */
export async function assertFreshRequest(
  rssp: RsspRouteView,
  request: FastifyRequest,
  actorId: string,
): Promise<void> {
  await rssp.verbs.acceptFreshRequest({
    nonce: request.headers[NONCE_HEADER],
    timestamp: request.headers[TIMESTAMP_HEADER],
    actorId,
  });
}
