/**
 * Webhooks for envelope events: each delivery is a JSON body signed with HMAC-SHA256 over
 * `timestamp.body` (header X-Shomei-Signature: t=…,v1=…), kept in a table and retried with
 * exponential back-off until delivered or attempts run out. The HMAC secret is sealed by an HSM key.
 */

import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../clock/index.ts';
import type { CryptoModule } from '../../crypto/index.ts';
import { checkOutboundUrl, guardedPost, type OutboundPolicy } from '../../net/index.ts';
import type { WebhookView } from '../model/answers.ts';
import type { ContractsTables } from '../store/tables.ts';

export const MAX_WEBHOOK_ATTEMPTS = 8;
const BASE_DELAY_MS = 30_000;

export interface WebhookDependencies {
  readonly db: Kysely<ContractsTables>;
  readonly crypto: CryptoModule;
  /** The module's data-encryption key in the HSM (sealing webhook secrets). */
  readonly sealKeyId: () => Promise<string>;
  readonly clock: Clock;
  /** Which addresses deliveries may reach (public only; loopback in tests by an explicit setting). */
  readonly outbound: OutboundPolicy;
}

export type { WebhookView };

export function signPayload(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export class Webhooks {
  constructor(private readonly deps: WebhookDependencies) {}

  /** Callers check who may (ContractService: tenant administrators only). */
  async register(tenantId: string, url: string): Promise<{ id: string; secret: string }> {
    // Refused here already (typed error to the administrator), and again at every delivery's connect.
    const parsed = await checkOutboundUrl(url, this.deps.outbound);
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

  async list(tenantId: string): Promise<WebhookView[]> {
    const rows = await this.deps.db
      .selectFrom('contract_webhooks')
      .select(['id', 'url', 'created_at'])
      .where('tenant_id', '=', tenantId)
      .where('disabled_at', 'is', null)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({ id: r.id, url: r.url, createdAt: r.created_at }));
  }

  /** Stops a webhook (deliveries still queued for it are not sent); false when there was none. */
  async remove(tenantId: string, id: string): Promise<boolean> {
    const result = await this.deps.db
      .updateTable('contract_webhooks')
      .set({ disabled_at: this.deps.clock().toISOString() })
      .where('id', '=', id.slice(0, 100))
      .where('tenant_id', '=', tenantId)
      .where('disabled_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
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
      .where('w.disabled_at', 'is', null)
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
        const response = await guardedPost(
          delivery.url,
          delivery.payload,
          {
            'content-type': 'application/json',
            'x-shomei-signature': `t=${timestamp},v1=${signPayload(secret, timestamp, delivery.payload)}`,
          },
          { ...this.deps.outbound, timeoutMs: 10_000 },
        );
        // Redirects are not followed (a 3xx counts as a failure): they could lead inside.
        if (response.status < 200 || response.status > 299) error = `HTTP ${response.status}`;
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
