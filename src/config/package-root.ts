import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The installed package's root (where package.json, docs/ and web/ live). Found by walking up from
 * this file, so it is right both for the sources (src/config/) and for the bundle (dist/).
 */
export function packageRoot(): string {
  let dir = import.meta.dirname;
  for (let i = 0; i < 6; i += 1) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'docs'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(import.meta.dirname, '../..');
}
