/**
 * The destruction log (ADR 019): keys destroyed in this installation, exported from the key registry
 * (`shomei keys destruction-log -o FILE`) and kept with the backups, so that a restore of a backup
 * taken before a destruction destroys those keys again instead of bringing them back.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { shomeiError } from '../errors/index.ts';
import type { Shomei } from './shomei.ts';

const LOG_LIMIT = 16 * 1024 * 1024;
const entrySchema = z
  .object({
    keyId: z.string().regex(/^[0-9a-f]{2,128}$/),
    destroyedAt: z.string().max(40),
    reason: z.string().max(400).nullable(),
  })
  .strict();
export type DestructionEntry = z.infer<typeof entrySchema>;

export async function writeDestructionLog(shomei: Shomei, file: string): Promise<number> {
  const destroyed = await shomei.keys.list({ status: 'destroyed' });
  const lines = destroyed.map((k) =>
    JSON.stringify({ keyId: k.key_id, destroyedAt: k.destroyed_at ?? '', reason: k.destroy_reason }),
  );
  writeFileSync(file, lines.map((l) => `${l}\n`).join(''), { mode: 0o600, flag: 'wx' });
  return lines.length;
}

export function readDestructionLog(file: string): DestructionEntry[] {
  const invalid = (line: number) =>
    shomeiError(
      'SHOMEI_DESTRUCTION_LOG_INVALID',
      `破棄記録ファイルが不正です (${line} 行目)。何も復元していません。`,
      `The destruction log is invalid (line ${line}); nothing was restored.`,
      { status: 400, details: { line } },
    );
  if (statSync(file).size > LOG_LIMIT) throw invalid(0);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line, i) => {
      try {
        return entrySchema.parse(JSON.parse(line));
      } catch {
        throw invalid(i + 1);
      }
    });
}

/** Destroys again, in the restored token, every key the log says was destroyed; each is audited. */
export async function reapplyDestructionLog(
  shomei: Shomei,
  entries: readonly DestructionEntry[],
  by: string,
): Promise<string[]> {
  const reapplied: string[] = [];
  for (const entry of entries) {
    const inToken = await shomei.crypto.hasKey(entry.keyId);
    const record = await shomei.keys.get(entry.keyId);
    if (!inToken && record?.status !== 'active') continue;
    if (inToken) await shomei.crypto.destroyKey(entry.keyId);
    if (record?.status === 'active') {
      await shomei.keys.markDestroyed(entry.keyId, `re-applied after restore: ${entry.reason ?? ''}`.trim());
    }
    await shomei.audit.trail.append({
      type: 'key.destroy',
      actor: { kind: 'user', id: by },
      subject: { kind: 'key', id: entry.keyId },
      outcome: 'success',
      details: { reason: 'destruction-log-reapplied', destroyedAt: entry.destroyedAt },
    });
    reapplied.push(entry.keyId);
  }
  return reapplied;
}
