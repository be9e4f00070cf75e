/**
 * Webhooks for envelope events: each delivery is a JSON body signed with HMAC-SHA256 over
 * `timestamp.body` (header X-Shomei-Signature: t=…,v1=…), kept in a table and retried with
 * exponential back-off until delivered or attempts run out. The HMAC secret is sealed by an HSM key.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CryptoModule } from '../crypto/index.ts';
import { contractErrors } from './errors.ts';
import type { ContractsTables } from './tables.ts';

export const MAX_WEBHOOK_ATTEMPTS = 8;
const BASE_DELAY_MS = 30_000;

export interface WebhookDependencies {
  readonly db: Kysely<ContractsTables>;
  readonly crypto: CryptoModule;
  /** The module's data-encryption key in the HSM (sealing webhook secrets). */
  readonly sealKeyId: () => Promise<string>;
  readonly clock: () => Date;
  readonly fetch?: typeof fetch;
}

export function signPayload(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export class Webhooks {
  constructor(private readonly deps: WebhookDependencies) {}

  async register(tenantId: string, url: string): Promise<{ id: string; secret: string }> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw contractErrors.invalid('url', 'not a URL');
    }
    if ((parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || url.length > 2000) {
      throw contractErrors.invalid('url', 'http(s) only');
    }
    const secret = randomBytes(32).toString('base64url');
    const id = randomUUID();
    await this.deps.db
      .insertInto('contract_webhooks')
      .values({
        id,
        tenant_id: tenantId,
        url: parsed.toString(),
        secret_sealed: await this.deps.crypto.encryptWithKey(
          await this.deps.sealKeyId(),
          Buffer.from(secret),
        ),
        created_at: this.deps.clock().toISOString(),
        disabled_at: null,
      })
      .execute();
    return { id, secret };
  }

  /** Queues one delivery per active webhook of the tenant. */
  async enqueue(tenantId: string, event: string, data: Record<string, unknown>): Promise<void> {
    const hooks = await this.deps.db
      .selectFrom('contract_webhooks')
      .select('id')
      .where('tenant_id', '=', tenantId)
      .where('disabled_at', 'is', null)
      .execute();
    if (hooks.length === 0) return;
    const now = this.deps.clock().toISOString();
    const payload = JSON.stringify({ id: randomUUID(), event, createdAt: now, data });
    await this.deps.db
      .insertInto('contract_webhook_deliveries')
      .values(
        hooks.map((h) => ({
          id: randomUUID(),
          webhook_id: h.id,
          event,
          payload,
          attempts: 0,
          next_attempt_at: now,
          delivered_at: null,
          last_error: null,
        })),
      )
      .execute();
  }

  /** Sends what is due; failures are rescheduled at 30 s × 2^attempts. Returns how many were delivered. */
  async deliverDue(limit = 50): Promise<number> {
    const now = this.deps.clock();
    const due = await this.deps.db
      .selectFrom('contract_webhook_deliveries as d')
      .innerJoin('contract_webhooks as w', 'w.id', 'd.webhook_id')
      .select(['d.id', 'd.payload', 'd.attempts', 'w.url', 'w.secret_sealed'])
      .where('d.delivered_at', 'is', null)
      .where('d.attempts', '<', MAX_WEBHOOK_ATTEMPTS)
      .where('d.next_attempt_at', '<=', now.toISOString())
      .orderBy('d.next_attempt_at')
      .limit(limit)
      .execute();
    let delivered = 0;
    for (const delivery of due) {
      // Claim the attempt first (conditional) so two instances never send the same attempt.
      const claimed = await this.deps.db
        .updateTable('contract_webhook_deliveries')
        .set({
          attempts: delivery.attempts + 1,
          next_attempt_at: new Date(now.getTime() + BASE_DELAY_MS * 2 ** delivery.attempts).toISOString(),
        })
        .where('id', '=', delivery.id)
        .where('attempts', '=', delivery.attempts)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      const secret = (
        await this.deps.crypto.decryptWithKey(await this.deps.sealKeyId(), delivery.secret_sealed)
      ).toString();
      const timestamp = Math.floor(now.getTime() / 1000);
      let error: string | null = null;
      try {
        const response = await (this.deps.fetch ?? fetch)(delivery.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-shomei-signature': `t=${timestamp},v1=${signPayload(secret, timestamp, delivery.payload)}`,
          },
          body: delivery.payload,
          signal: AbortSignal.timeout(10_000),
          redirect: 'error',
        });
        if (!response.ok) error = `HTTP ${response.status}`;
        await response.body?.cancel();
      } catch (e) {
        error = e instanceof Error ? e.message.slice(0, 200) : 'failed';
      }
      await this.deps.db
        .updateTable('contract_webhook_deliveries')
        .set(
          error === null
            ? { delivered_at: this.deps.clock().toISOString(), last_error: null }
            : { last_error: error },
        )
        .where('id', '=', delivery.id)
        .execute();
      if (error === null) delivered += 1;
    }
    return delivered;
  }
}
