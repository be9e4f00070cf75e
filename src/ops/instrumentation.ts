/**
 * Latency and error metrics around the parts other modules own, wrapped where the composition root
 * assembles them, so that those modules stay free of monitoring code: timestamps, mail, and the
 * HSM's signing observer.
 */
import type { Mailer } from '../mail/index.ts';
import type { TimestampSource } from '../tsa/index.ts';
import { opsMetrics, timed } from './metrics.ts';

/** The same source, with every request timed and failures counted under `source` (outside, embedded). */
export function instrumentTimestampSource(source: TimestampSource, label: string): TimestampSource {
  const { tsaDuration, tsaErrors } = opsMetrics();
  const observe = (seconds: number, outcome: 'success' | 'failure'): void => {
    tsaDuration.observe({ source: label, outcome }, seconds);
    if (outcome === 'failure') tsaErrors.inc({ source: label });
  };
  return {
    timestamp: (digest, digestAlgorithm, options) =>
      timed(observe, () => source.timestamp(digest, digestAlgorithm, options)),
    timestampWithDetails: (digest, digestAlgorithm, options) =>
      timed(observe, () => source.timestampWithDetails(digest, digestAlgorithm, options)),
  };
}

/**
 * The same mailer; messages waiting for the SMTP relay are the mail queue gauge, and a message that
 * cannot be sent is counted (and still thrown to the caller). Only SMTP can fail this way; the
 * development outbox is returned as it is (its routes look for the class).
 */
export function instrumentMailer(mailer: Mailer): Mailer {
  const { queueDepth, mailErrors } = opsMetrics();
  // Mail is handed to the relay while the caller waits; the queue is what is waiting for the relay
  // now. The development outbox writes to the database at once: nothing ever waits there.
  queueDepth.set({ queue: 'mail' }, 0);
  if (mailer.kind !== 'smtp') return mailer;
  return {
    kind: mailer.kind,
    send: async (message) => {
      queueDepth.inc({ queue: 'mail' });
      try {
        return await timed(
          (_seconds, outcome) => {
            if (outcome === 'failure') mailErrors.inc();
          },
          () => mailer.send(message),
        );
      } finally {
        queueDepth.dec({ queue: 'mail' });
      }
    },
    close: () => mailer.close(),
  };
}

/**
 * Brackets each HSM signature between the signing observer's two calls. The observer sees key ids,
 * not calls, so the start times queue per key: signatures on one key finish in about the order they
 * started, which is close enough for a latency histogram.
 */
export function signingTimer(): {
  started(keyId: string): void;
  finished(keyId: string, outcome: 'success' | 'failure'): void;
} {
  const starts = new Map<string, number[]>();
  return {
    started(keyId) {
      const queue = starts.get(keyId) ?? [];
      queue.push(performance.now());
      starts.set(keyId, queue);
    },
    finished(keyId, outcome) {
      const queue = starts.get(keyId);
      const start = queue?.shift();
      if (queue?.length === 0) starts.delete(keyId);
      const metrics = opsMetrics();
      if (start !== undefined)
        metrics.hsmDuration.observe({ operation: 'sign' }, (performance.now() - start) / 1000);
      if (outcome === 'failure') metrics.hsmErrors.inc({ operation: 'sign' });
    },
  };
}
