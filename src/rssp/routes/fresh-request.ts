/**
 * Replay protection for requests that stop or destroy a credential (JT2A appendix 4): a single-use
 * nonce and a timestamp within five minutes of ours, whatever authenticated the caller.
 */
import type { FastifyRequest } from 'fastify';
import { shomeiError } from '../../errors/index.ts';
import type { RemoteSignatureService } from '../service.ts';

export const NONCE_HEADER = 'x-shomei-nonce';
export const TIMESTAMP_HEADER = 'x-shomei-timestamp';
const FRESHNESS_SECONDS = 300;

/** A nonce is accepted once, and only with a timestamp within five minutes of ours. */
export async function assertFreshRequest(
  rssp: RemoteSignatureService,
  request: FastifyRequest,
  actorId: string,
): Promise<void> {
  const nonce = request.headers[NONCE_HEADER];
  const stamp = request.headers[TIMESTAMP_HEADER];
  const replay = () =>
    shomeiError(
      'SHOMEI_RSSP_REQUEST_REPLAYED',
      'リクエストが再送されたか古すぎます (nonce と時刻を付けて送り直してください)。',
      'The request is a replay or too old (send it again with a fresh nonce and timestamp).',
      { status: 409 },
    );
  if (
    typeof nonce !== 'string' ||
    !/^[A-Za-z0-9_-]{22,128}$/.test(nonce) ||
    typeof stamp !== 'string' ||
    stamp.length > 40
  ) {
    throw replay();
  }
  const at = Date.parse(stamp);
  const now = rssp.clock.now();
  if (Number.isNaN(at) || Math.abs(now.getTime() - at) > FRESHNESS_SECONDS * 1000) throw replay();
  try {
    await rssp.db
      .insertInto('rssp_request_nonces')
      .values({ nonce, actor_id: actorId, created_at: now.toISOString() })
      .execute();
  } catch {
    throw replay();
  }
}
