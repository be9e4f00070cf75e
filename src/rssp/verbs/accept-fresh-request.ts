/**
 * Replay protection for requests that stop or destroy a credential (JT2A appendix 4): a single-use
 * nonce and a timestamp within five minutes of ours, whatever authenticated the caller.
 */
import { shomeiError } from '../../errors/index.ts';
import type { RsspParts } from '../parts.ts';

export type AcceptFreshRequestDependencies = Pick<RsspParts, 'db' | 'clock'>;

const FRESHNESS_SECONDS = 300;

export interface FreshnessProof {
  readonly nonce: unknown;
  readonly timestamp: unknown;
  readonly actorId: string;
}

function replayed() {
  return shomeiError(
    'SHOMEI_RSSP_REQUEST_REPLAYED',
    'リクエストが再送されたか古すぎます (nonce と時刻を付けて送り直してください)。',
    'The request is a replay or too old (send it again with a fresh nonce and timestamp).',
    { status: 409 },
  );
}

/** A nonce is accepted once, and only with a timestamp within five minutes of ours. */
export async function acceptFreshRequest(
  deps: AcceptFreshRequestDependencies,
  proof: FreshnessProof,
): Promise<void> {
  const { nonce, timestamp: stamp } = proof;
  if (
    typeof nonce !== 'string' ||
    !/^[A-Za-z0-9_-]{22,128}$/.test(nonce) ||
    typeof stamp !== 'string' ||
    stamp.length > 40
  ) {
    throw replayed();
  }
  const at = Date.parse(stamp);
  const now = deps.clock();
  if (Number.isNaN(at) || Math.abs(now.getTime() - at) > FRESHNESS_SECONDS * 1000) throw replayed();
  try {
    await deps.db
      .insertInto('rssp_request_nonces')
      .values({ nonce, actor_id: proof.actorId, created_at: now.toISOString() })
      .execute();
  } catch {
    throw replayed();
  }
}
