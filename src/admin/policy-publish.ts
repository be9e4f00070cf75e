/**
 * The dual-control kind `policy.publish` (ADR 033): a system administrator asks to set the provider's
 * items and publish new versions of policy documents; a security officer approves. The text is
 * rendered when approved, from the settings in force then, and stored as a new immutable version.
 */
import { type Clock, systemClock } from '../clock/index.ts';
import { shomeiError } from '../errors/index.ts';
import type { DualControlExecutor, JsonObject } from './dual-control.ts';
import { invalidInput } from './errors.ts';
import {
  isPolicyDocument,
  POLICY_ITEM_MAX,
  POLICY_ITEM_NAMES,
  type PolicyItemName,
  type PolicyRegistry,
  PUBLIC_POLICY_DOCUMENTS,
  type PublicPolicyDocument,
} from './policies.ts';

export const POLICY_PUBLISH_KIND = 'policy.publish';

/** Renders a document from the template and the settings in force, with these provider items. */
export type PolicyRenderer = (
  document: PublicPolicyDocument,
  items: Readonly<Record<PolicyItemName, string | null>>,
) => Promise<string>;

export interface PolicyPublishOptions {
  readonly registry: PolicyRegistry;
  readonly render: PolicyRenderer;
  /** Production refuses to publish while a provider item is unset (it would show "not set"). */
  readonly requireAllItems: boolean;
  readonly clock?: Clock;
}

const MAX_AHEAD_MS = 366 * 24 * 3600 * 1000;

function itemText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > POLICY_ITEM_MAX) {
    throw invalidInput(`items.${name}`, `must be non-empty text of at most ${POLICY_ITEM_MAX} characters`);
  }
  // Line breaks are allowed (paragraphs); other control characters are not.
  const control = [...value].some((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && c !== '\n' && c !== '\r') || code === 0x7f;
  });
  if (control) {
    throw invalidInput(`items.${name}`, 'must not contain control characters');
  }
  return value.trim();
}

function parseItems(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidInput('items', 'must be an object of item name to text');
  }
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(value)) {
    if (!(POLICY_ITEM_NAMES as string[]).includes(name)) {
      throw invalidInput(
        'items',
        `unknown item ${name.slice(0, 40)}; known: ${POLICY_ITEM_NAMES.join(', ')}`,
      );
    }
    out[name] = itemText(text, name);
  }
  return out;
}

function parseDocuments(value: unknown): PublicPolicyDocument[] {
  if (value === undefined) return [...PUBLIC_POLICY_DOCUMENTS];
  if (!Array.isArray(value) || value.length === 0 || !value.every(isPolicyDocument)) {
    throw invalidInput('documents', `must list some of ${PUBLIC_POLICY_DOCUMENTS.join(', ')}`);
  }
  return [...new Set(value)];
}

function parseEffective(value: unknown, now: Date): string | null {
  if (value === undefined || value === null) return null;
  const parsed = typeof value === 'string' && value.length <= 40 ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(parsed.getTime()) || parsed.getTime() - now.getTime() > MAX_AHEAD_MS) {
    throw invalidInput('effectiveAt', 'must be an ISO-8601 date or time within a year');
  }
  return parsed.toISOString();
}

function unsetItemsRefused(unset: readonly string[]): Error {
  return shomeiError(
    'SHOMEI_POLICY_ITEMS_UNSET',
    `本番環境では事業者の記入項目がすべて必要です。未設定: ${unset.join(', ')}`,
    `Production needs every provider item before publishing. Not set: ${unset.join(', ')}`,
    { status: 409, details: { unset: [...unset] } },
  );
}

export function policyPublishExecutor(options: PolicyPublishOptions): DualControlExecutor {
  const clock = options.clock ?? systemClock;
  const merged = async (items: Record<string, string>) => {
    const current = await options.registry.items();
    return Object.fromEntries(current.map((i) => [i.name, items[i.name] ?? i.value])) as Record<
      PolicyItemName,
      string | null
    >;
  };
  return {
    description: { ja: '規程・規約の公開', en: 'Publish policy documents' },
    requesters: ['system_administrator'],
    approvers: ['security_officer'],
    parse(payload) {
      const p = (payload ?? {}) as Record<string, unknown>;
      if (typeof payload !== 'object' || Array.isArray(payload))
        throw invalidInput('payload', 'must be an object');
      const effectiveAt = parseEffective(p.effectiveAt, clock());
      return {
        documents: parseDocuments(p.documents),
        items: parseItems(p.items),
        ...(effectiveAt === null ? {} : { effectiveAt }),
      };
    },
    async precheck(payload) {
      if (!options.requireAllItems) return;
      const items = await merged(payload.items as Record<string, string>);
      const unset = POLICY_ITEM_NAMES.filter((name) => items[name] === null);
      if (unset.length > 0) throw unsetItemsRefused(unset);
    },
    async execute(payload, context): Promise<JsonObject> {
      const changes = payload.items as Record<string, string>;
      const items = await merged(changes);
      if (options.requireAllItems) {
        const unset = POLICY_ITEM_NAMES.filter((name) => items[name] === null);
        if (unset.length > 0) throw unsetItemsRefused(unset);
      }
      await options.registry.setItems(changes, context.approvedBy);
      const now = clock().toISOString();
      const requested = payload.effectiveAt as string | undefined;
      const effectiveAt = requested !== undefined && requested > now ? requested : now;
      const published = [];
      for (const document of payload.documents as PublicPolicyDocument[]) {
        const markdown = await options.render(document, items);
        const v = await options.registry.publish(document, markdown, effectiveAt, {
          publishedBy: context.requestedBy,
          approvalId: context.requestId,
        });
        published.push({ document, version: v.version, sha256: v.sha256, effectiveAt: v.effectiveAt });
      }
      return { itemsSet: Object.keys(changes), published };
    },
  };
}
