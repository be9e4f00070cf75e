/**
 * `shomei keys compromise`'s one entry (ADR 035): asks for `key.compromise` once per key, and on a
 * later run reports where that request stands — still waiting for the second person, done (a no-op),
 * or cut short after approval, in which case the remaining steps run now (DualControl.resume).
 */
import type { ApprovalRequest, AuthenticatedOperator } from '../admin/index.ts';
import { operatorConsole } from './console.ts';
import { KEY_COMPROMISE_KIND, resolveCompromisedKey } from './key-compromise.ts';
import type { Shomei } from './shomei.ts';

export type CompromiseState = 'requested' | 'waiting-for-approval' | 'resumed' | 'done';

export interface CompromiseProgress {
  readonly state: CompromiseState;
  readonly request: ApprovalRequest;
}

const LIVE = new Set(['pending', 'executing', 'failed', 'approved']);

/** The newest live request about this key (by id; by id, label or credential once the key is gone). */
async function existingRequest(
  shomei: Shomei,
  target: string,
  keyId: string | undefined,
): Promise<ApprovalRequest | undefined> {
  const requests = await shomei.admin.dualControl.list();
  return requests.find((r) => {
    if (r.kind !== KEY_COMPROMISE_KIND || !LIVE.has(r.status)) return false;
    const p = r.payload;
    return keyId !== undefined
      ? p.keyId === keyId
      : p.keyId === target || p.label === target || p.credentialId === target;
  });
}

export async function reportKeyCompromise(
  shomei: Shomei,
  operator: AuthenticatedOperator,
  target: string,
  reason: string,
): Promise<CompromiseProgress> {
  operatorConsole(shomei);
  const control = shomei.admin.dualControl;
  const resolved = await resolveCompromisedKey(shomei, target).catch(() => undefined);
  const existing = await existingRequest(shomei, target, resolved?.keyId);
  if (existing?.status === 'pending') return { state: 'waiting-for-approval', request: existing };
  if (existing?.status === 'approved') return { state: 'done', request: existing };
  if (existing !== undefined) {
    return { state: 'resumed', request: await control.resume(existing.id, operator.userId, operator.source) };
  }
  // Not known: resolving again gives the typed "not found" for an unknown target.
  const key = resolved ?? (await resolveCompromisedKey(shomei, target));
  const request = await control.request(
    KEY_COMPROMISE_KIND,
    { ...key, reason },
    operator.userId,
    operator.source,
  );
  return { state: 'requested', request };
}
