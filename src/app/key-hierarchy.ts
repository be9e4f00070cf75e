/**
 * Operations on the key hierarchy that span modules (ADR 017): moving documents' keys under the
 * current KEK epoch (migration from per-document token keys, and the second half of a rotation),
 * re-wrapping signing keys, and destroying KEK epochs nothing depends on any more. Every step is
 * idempotent and committed row by row, so a run killed at any point is finished by running again.
 */
import type { AuditActor, AuditTrail } from '../audit/index.ts';
import type { KeyInfo } from '../crypto/index.ts';
import { KEK_PURPOSES, type KekPurpose, kekRegistryPurpose } from '../store/index.ts';
import type { Shomei } from './shomei.ts';

export function kekGenerated(audit: AuditTrail): (key: KeyInfo, purpose: KekPurpose) => Promise<void> {
  return (key, purpose) =>
    audit.append({
      type: 'key.generate',
      actor: { kind: 'process', id: 'key-hierarchy' },
      subject: { kind: 'key', id: key.id },
      outcome: 'success',
      details: { purpose: kekRegistryPurpose(purpose), label: key.label, algorithm: key.algorithm },
    });
}

export interface RekeyReport {
  /** Documents (and template documents) whose content key was sealed again under the current KEK. */
  readonly documentsResealed: number;
  /** Per-document token keys destroyed (migration from before the key hierarchy). */
  readonly documentKeysDestroyed: number;
  readonly signingKeysRewrapped: number;
  /** KEK epochs destroyed because nothing was sealed or wrapped under them any more. */
  readonly epochsDestroyed: readonly string[];
  /** Credentials' signing keys still in the token: generated non-extractable, they cannot be wrapped. */
  readonly tokenSigningKeys: number;
}

const PAGE = 100;
const DOCUMENT_KEY_PURPOSE = 'contract-document';

/**
 * Moves every document key and wrapped signing key under the current KEK of its purpose (after
 * starting new epochs when `rotate`), destroys the per-document token keys this frees and the KEK
 * epochs left protecting nothing. Resumable: run it again after an interruption.
 */
export async function rekey(
  shomei: Shomei,
  actor: AuditActor,
  options: {
    readonly rotate?: boolean;
    /**
     * An old epoch is destroyed only this long after its successor began, so that every running
     * instance has switched to the new epoch (they re-read it every CURRENT_KEK_TTL_MS). Default 900 s.
     */
    readonly epochGraceSeconds?: number;
    readonly onProgress?: (report: RekeyReport) => void;
  } = {},
): Promise<RekeyReport> {
  const { keyHierarchy } = shomei;
  const audit = shomei.audit.trail;
  if (options.rotate === true) {
    for (const purpose of Object.keys(KEK_PURPOSES) as KekPurpose[]) {
      const key = await keyHierarchy.keks.rotate(purpose);
      await kekGenerated(audit)(key, purpose);
      await audit.append({
        type: 'key.rotate',
        actor,
        subject: { kind: 'key', id: key.id },
        outcome: 'success',
        details: { purpose: kekRegistryPurpose(purpose) },
      });
    }
  }
  const report = {
    documentsResealed: 0,
    documentKeysDestroyed: 0,
    signingKeysRewrapped: 0,
    epochsDestroyed: [] as string[],
    tokenSigningKeys: 0,
  };
  await resealDocuments(shomei, actor, report, options.onProgress);
  await destroyOrphanDocumentKeys(shomei, actor, report);
  await rewrapSigningKeys(shomei, report, options.onProgress);
  await destroyEmptyEpochs(shomei, actor, report, options.epochGraceSeconds ?? 900);
  report.tokenSigningKeys = await countTokenSigningKeys(shomei);
  await audit.append({
    type: 'key.rewrap',
    actor,
    outcome: 'success',
    details: { ...report, epochsDestroyed: report.epochsDestroyed.length },
  });
  return report;
}

async function resealDocuments(
  shomei: Shomei,
  actor: AuditActor,
  report: { documentsResealed: number; documentKeysDestroyed: number },
  onProgress: ((report: RekeyReport) => void) | undefined,
): Promise<void> {
  const vault = shomei.contracts.context.vault;
  const current = await shomei.keyHierarchy.keks.currentKek(DOCUMENT_KEY_PURPOSE);
  for (const table of ['contract_documents', 'contract_template_documents'] as const) {
    for (;;) {
      const rows = await vault.rowsToReseal(table, [current], PAGE);
      let moved = 0;
      for (const row of rows) {
        const previous = await vault.reseal(table, row, current);
        if (previous === undefined) continue;
        moved += 1;
        report.documentsResealed += 1;
        if (!(await vault.isKekSealed(previous))) {
          await destroyDocumentKey(shomei, actor, previous, row.id);
          report.documentKeysDestroyed += 1;
        }
      }
      onProgress?.({ ...report, signingKeysRewrapped: 0, epochsDestroyed: [], tokenSigningKeys: 0 });
      // Rows changed under us (deleted meanwhile) are skipped; a page with no progress ends the pass.
      if (rows.length < PAGE || moved === 0) break;
    }
  }
}

async function destroyDocumentKey(
  shomei: Shomei,
  actor: AuditActor,
  keyId: string,
  documentId: string | undefined,
): Promise<void> {
  const objects = await shomei.crypto.destroyKey(keyId).catch(() => 0);
  // Audit before the registry says destroyed: a run killed in between finds the key still active and
  // records it again (hsmObjectsDestroyed 0), so every destruction is recorded at least once.
  await shomei.audit.trail.append({
    type: 'key.destroy',
    actor,
    subject: { kind: 'key', id: keyId },
    outcome: 'success',
    details: { purpose: DOCUMENT_KEY_PURPOSE, documentId: documentId ?? null, hsmObjectsDestroyed: objects },
  });
  await shomei.keys.markDestroyed(keyId, 'document key moved under the KEK (ADR 017)').catch(() => undefined);
}

/** Per-document keys no document uses: a run killed between re-sealing and destroying left them. */
async function destroyOrphanDocumentKeys(
  shomei: Shomei,
  actor: AuditActor,
  report: { documentKeysDestroyed: number },
): Promise<void> {
  const vault = shomei.contracts.context.vault;
  for (const record of await shomei.keys.findActiveByPurpose(DOCUMENT_KEY_PURPOSE)) {
    if (await vault.sealsAnything(record.key_id)) continue;
    await destroyDocumentKey(shomei, actor, record.key_id, undefined);
    report.documentKeysDestroyed += 1;
  }
}

async function rewrapSigningKeys(
  shomei: Shomei,
  report: RekeyReport & { signingKeysRewrapped: number },
  onProgress: ((report: RekeyReport) => void) | undefined,
): Promise<void> {
  const { keyHierarchy } = shomei;
  const current = await keyHierarchy.keks.currentKek('user-signing');
  for (const epoch of await keyHierarchy.keks.epochs('user-signing')) {
    if (epoch.key_id === current) continue;
    for (;;) {
      const keyIds = await keyHierarchy.keysUnder(epoch.key_id, PAGE);
      if (keyIds.length === 0) break;
      for (const keyId of keyIds) await shomei.crypto.rewrapSigningKey(keyId, current);
      report.signingKeysRewrapped += keyIds.length;
      onProgress?.(report);
    }
  }
}

async function destroyEmptyEpochs(
  shomei: Shomei,
  actor: AuditActor,
  report: { epochsDestroyed: string[] },
  graceSeconds: number,
): Promise<void> {
  const { keyHierarchy } = shomei;
  const cutoff = Date.now() - graceSeconds * 1000;
  const wrapped = await keyHierarchy.countByKek();
  const vault = shomei.contracts.context.vault;
  for (const purpose of Object.keys(KEK_PURPOSES) as KekPurpose[]) {
    const current = await keyHierarchy.keks.currentKek(purpose);
    const epochs = await keyHierarchy.keks.epochs(purpose);
    for (const [index, epoch] of epochs.entries()) {
      const successor = epochs[index + 1];
      if (epoch.key_id === current || successor === undefined) continue;
      if (Date.parse(successor.created_at) > cutoff) continue;
      if ((wrapped.get(epoch.key_id) ?? 0) > 0 || (await vault.sealsAnything(epoch.key_id))) continue;
      await keyHierarchy.keks.destroy(epoch.key_id, 'KEK epoch ended: everything re-wrapped (ADR 017)');
      await shomei.audit.trail.append({
        type: 'key.destroy',
        actor,
        subject: { kind: 'key', id: epoch.key_id },
        outcome: 'success',
        details: { purpose: kekRegistryPurpose(purpose), label: epoch.label },
      });
      report.epochsDestroyed.push(epoch.key_id);
    }
  }
}

async function countTokenSigningKeys(shomei: Shomei): Promise<number> {
  let inToken = 0;
  for (const record of await shomei.keys.findActiveByPurpose('user-signing')) {
    if ((await shomei.keyHierarchy.find(record.key_id)) === undefined) inToken += 1;
  }
  return inToken;
}
