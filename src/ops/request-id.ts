/**
 * Request ids: the caller's `x-request-id` when it is a sane token (a proxy or client correlating
 * its own logs), otherwise a random UUID, so ids never repeat across instances or restarts (they
 * were `req-1`, `req-2`… per process before issue #22).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SANE_ID.test(given) ? given : randomUUID();
}
