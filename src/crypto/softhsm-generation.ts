/**
 * SoftHSM2's file store re-reads the token directory only when the token's `generation` file changed
 * since this process last looked. But when a process writes an object it stores the on-disk
 * generation as its own, so objects another process wrote just before are never indexed here (until a
 * later change by someone else): with several instances on one token directory a key made by one
 * instance can stay "not found" on the other. There is no PKCS#11 call to re-index, so after a miss
 * the generation is bumped on disk, which makes the next lookup re-read the directory.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The token directories of a SoftHSM2 file store, or none for any other module or store. */
function tokenDirectories(modulePath: string): string[] {
  const conf = process.env.SOFTHSM2_CONF;
  if (!/softhsm/i.test(modulePath) || conf === undefined || !existsSync(conf)) return [];
  const text = readFileSync(conf, 'utf8');
  const backend = /^\s*objectstore\.backend\s*=\s*(\S+)/m.exec(text)?.[1] ?? 'file';
  const tokendir = /^\s*directories\.tokendir\s*=\s*(.+?)\s*$/m.exec(text)?.[1];
  if (backend !== 'file' || tokendir === undefined || !existsSync(tokendir)) return [];
  return readdirSync(tokendir).map((entry) => path.join(tokendir, entry));
}

/** Bumps each token's generation counter (8 bytes, big-endian); true when there was one to bump. */
export function bumpSoftHsmGeneration(modulePath: string): boolean {
  let bumped = false;
  for (const dir of tokenDirectories(modulePath)) {
    const file = path.join(dir, 'generation');
    try {
      const current = readFileSync(file);
      if (current.length !== 8) continue;
      const next = Buffer.alloc(8);
      // Any different value makes the other readers re-index; a concurrent increment by SoftHSM2
      // itself (under its own lock) loses nothing that matters, since both values differ from theirs.
      next.writeBigUInt64BE(current.readBigUInt64BE(0) + 1n);
      writeFileSync(file, next);
      bumped = true;
    } catch {
      // Not a token directory (or no permission): nothing to refresh there.
    }
  }
  return bumped;
}
