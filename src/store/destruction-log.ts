/**
 * The destruction log (ADR 032): one line per key destroyed or document shredded, appended as it
 * happens to a file outside the data directory (SHOMEI_DESTRUCTION_LOG, kept with the backups on
 * other storage). A restore fills an empty directory from an older backup, so the newer
 * installation's own records are gone by then; this file is what `backup restore` re-applies.
 */
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { shomeiError } from '../errors/index.ts';

const LOG_LIMIT = 64 * 1024 * 1024;

const entrySchema = z
  .object({
    kind: z.enum(['key', 'document']),
    id: z.string().regex(/^[0-9A-Za-z_-]{1,128}$/),
    at: z.string().max(40),
    reason: z.string().max(400),
  })
  .strict();
export type DestructionEntry = z.infer<typeof entrySchema>;

export class DestructionLog {
  constructor(readonly file: string) {}

  /** Appends one line (O_APPEND: concurrent writers never interleave within a line this short). */
  append(entry: DestructionEntry): void {
    appendFileSync(this.file, `${JSON.stringify({ ...entry, reason: entry.reason.slice(0, 400) })}\n`, {
      mode: 0o600,
    });
  }
}

function invalid(line: number): Error {
  return shomeiError(
    'SHOMEI_DESTRUCTION_LOG_INVALID',
    `破棄記録ファイルが読めないか不正です (${line} 行目)。何も復元していません。`,
    `The destruction log is unreadable or invalid (line ${line}); nothing was restored.`,
    { status: 400, details: { line } },
  );
}

/** Reads and checks the whole log before anything is restored; a bad line refuses all of it. */
export function readDestructionLog(file: string): DestructionEntry[] {
  let text: string;
  try {
    if (statSync(file).size > LOG_LIMIT) throw invalid(0);
    text = readFileSync(file, 'utf8');
  } catch {
    throw invalid(0);
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      try {
        return entrySchema.parse(JSON.parse(line));
      } catch {
        throw invalid(i + 1);
      }
    });
}
