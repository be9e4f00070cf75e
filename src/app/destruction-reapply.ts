/**
 * A restore re-applies the destruction log (ADR 032): every key destroyed and every document
 * shredded after the backup was taken is destroyed or shredded again in the restored installation,
 * each audited, before anyone can promote it to sign. Entries already gone are skipped, so applying
 * the same log twice changes nothing.
 */
import type { DestructionEntry } from '../store/index.ts';
import type { Shomei } from './shomei.ts';

export interface ReappliedDestructions {
  readonly keys: string[];
  readonly documents: string[];
}

async function reapplyKey(shomei: Shomei, entry: DestructionEntry, by: string): Promise<boolean> {
  const inToken = await shomei.crypto.hasKey(entry.id);
  const record = await shomei.keys.get(entry.id);
  if (!inToken && record?.status !== 'active') return false;
  if (inToken) await shomei.crypto.destroyKey(entry.id);
  if (record?.status === 'active') {
    await shomei.keys.markDestroyed(entry.id, `re-applied after a restore: ${entry.reason}`.slice(0, 400));
  }
  await shomei.audit.trail.append({
    type: 'key.destroy',
    actor: { kind: 'user', id: by },
    subject: { kind: 'key', id: entry.id },
    outcome: 'success',
    details: { reason: 'destruction-log-reapplied', destroyedAt: entry.at, purpose: record?.purpose ?? null },
  });
  return true;
}

export async function reapplyDestructionLog(
  shomei: Shomei,
  entries: readonly DestructionEntry[],
  by: string,
): Promise<ReappliedDestructions> {
  const keys: string[] = [];
  for (const entry of entries) {
    if (entry.kind === 'key' && (await reapplyKey(shomei, entry, by))) keys.push(entry.id);
  }
  const documentIds = entries.filter((e) => e.kind === 'document').map((e) => e.id);
  const documents = await shomei.contracts.reapplyShredding(documentIds, { kind: 'user', id: by });
  return { keys, documents };
}
