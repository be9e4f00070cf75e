/** How the CLI speaks: Japanese or English by SHOMEI_LANG/LANG, errors with their stable code. */
import { describeError } from '../errors/index.ts';

export type Lang = 'ja' | 'en';

export function cliLang(env: NodeJS.ProcessEnv = process.env): Lang {
  const chosen = env.SHOMEI_LANG ?? env.LC_ALL ?? env.LANG ?? '';
  return chosen.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export function printError(error: unknown, lang: Lang = cliLang()): void {
  const described = describeError(error);
  process.stderr.write(`shomei: ${described.code}: ${described.message[lang]}\n`);
  if (described.code === 'SHOMEI_INTERNAL' && process.env.SHOMEI_DEBUG === '1') {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
