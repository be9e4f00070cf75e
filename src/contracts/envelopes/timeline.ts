/**
 * The envelope's timeline for its parties: the audit chain's events about the envelope and its
 * documents, read through the audit module, with the actor turned into a name and company. Only a
 * fixed set of non-secret facts leaves each record (never its details wholesale, never hashes), and
 * access is exactly that of reading the envelope.
 */

import type { ContractsContext } from '../context.ts';
import type { ContractActor } from '../model/model.ts';
import type { TimelineActor, TimelineEntry } from '../model/shapes.ts';
import { loadEnvelope } from '../parties/access.ts';
import type { PartyTable } from '../store/tables.ts';

export type { TimelineActor, TimelineEntry };

/** At most this many events per envelope are read (far beyond any real envelope's history). */
const TIMELINE_LIMIT = 5000;

const REASON_TYPES = new Set(['party.authenticate', 'envelope.decline', 'envelope.cancel']);

/** The envelope's milestones, which every party sees (without the actor's address or method). */
const MILESTONES = new Set([
  'envelope.create',
  'envelope.send',
  'envelope.sign',
  'envelope.approve',
  'envelope.decline',
  'envelope.cancel',
  'envelope.complete',
  'document.archive-timestamp.renew',
]);

/**
 * What a viewer who is not the sending side may see: its own parties' events in full, and the other
 * parties' successful milestones without IP address or authentication method — never their failed
 * attempts, reads or notifications (the sender, the sending tenant's readers and auditors see all).
 */
function forViewer(
  entries: TimelineEntry[],
  mine: ReadonlySet<string>,
  concerns: readonly (string | null)[],
) {
  const kept: TimelineEntry[] = [];
  for (const [index, entry] of entries.entries()) {
    const concerned = concerns[index] ?? null;
    if (concerned !== null && mine.has(concerned)) kept.push(entry);
    else if (MILESTONES.has(entry.type) && entry.outcome === 'success')
      kept.push({ ...entry, ip: null, method: null });
  }
  return kept;
}

const str = (value: unknown, max = 200): string | null =>
  typeof value === 'string' && value !== '' ? value.slice(0, max) : null;

export async function envelopeTimeline(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
): Promise<TimelineEntry[]> {
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'read');
  if (ctx.auditSearch === undefined) return [];
  const seesAll =
    loaded.ownTenant ||
    (actor.kind === 'user' && ctx.isAuditor !== undefined && (await ctx.isAuditor(actor.userId)));
  const documents = await ctx.db
    .selectFrom('contract_documents')
    .select(['id', 'name'])
    .where('envelope_id', '=', envelopeId)
    .execute();
  const records = await ctx.auditSearch({
    subjectIds: [envelopeId, ...documents.map((d) => d.id)],
    limit: TIMELINE_LIMIT,
  });
  const parties = new Map(loaded.parties.map((p) => [p.id, p]));
  const byUser = new Map(loaded.parties.filter((p) => p.user_id !== null).map((p) => [p.user_id!, p]));
  const documentNames = new Map(documents.map((d) => [d.id, d.name]));
  const users = new Map<string, TimelineActor>();
  const asParty = (p: PartyTable): TimelineActor => ({ kind: 'party', name: p.name, company: p.company });

  async function actorOf(kind: string, id: string): Promise<TimelineActor> {
    if (id.startsWith('party:')) {
      const party = parties.get(id.slice('party:'.length));
      return party === undefined ? { kind: 'unknown', name: null, company: null } : asParty(party);
    }
    if (kind === 'user') {
      const party = byUser.get(id);
      if (party !== undefined) return asParty(party);
      let known = users.get(id);
      if (known === undefined) {
        const user = await ctx.users(id);
        known =
          user === undefined
            ? { kind: 'user', name: null, company: null }
            : { kind: 'user', name: user.displayName, company: user.organisationName };
        users.set(id, known);
      }
      return known;
    }
    if (kind === 'process') return { kind: 'system', name: null, company: null };
    if (kind === 'client-system') return { kind: 'api-key', name: null, company: null };
    return { kind: 'unknown', name: null, company: null };
  }

  const entries: TimelineEntry[] = [];
  // The party each record is about: the acting party, or the one named in its details.
  const concerns: (string | null)[] = [];
  for (const record of records) {
    const concerned = str(record.details.partyId);
    const actingParty = record.actor.id.startsWith('party:')
      ? record.actor.id.slice('party:'.length)
      : (byUser.get(record.actor.id)?.id ?? null);
    concerns.push(actingParty ?? concerned);
    const party = concerned === null ? undefined : parties.get(concerned);
    const subject = record.subject?.id;
    entries.push({
      seq: record.seq,
      time: record.time,
      type: record.type,
      outcome: record.outcome,
      actor: await actorOf(record.actor.kind, record.actor.id),
      ip: record.source,
      party: party === undefined ? null : { name: party.name, company: party.company },
      document: subject === undefined ? null : (documentNames.get(subject) ?? null),
      method: str(record.details.method) ?? str(record.details.authentication),
      // Reasons of other events (a failed completion's error text) are internal, not the parties' business.
      reason: REASON_TYPES.has(record.type) ? str(record.details.reason) : null,
    });
  }
  if (seesAll) return entries;
  const mine = new Set(
    loaded.parties
      .filter(
        (p) =>
          p.id === loaded.party?.id ||
          (actor.kind !== 'party' && p.tenant_id != null && p.tenant_id === actor.tenantId),
      )
      .map((p) => p.id),
  );
  return forViewer(entries, mine, concerns);
}
