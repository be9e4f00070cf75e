/**
 * Every visible string of the web UI comes from the catalogues (web/src/i18n/ja.ts and en.ts): JSX text
 * with letters, kana or kanji, and aria-label / placeholder / title / alt string literals, are refused
 * anywhere else. The type check covers keys missing from en.ts; this covers text that never became a key.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const WEB_SRC = path.resolve(import.meta.dirname, '../../web/src');
const LETTERS = /[A-Za-z\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]/;

function tsxFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'i18n' ? [] : tsxFiles(full);
    return entry.name.endsWith('.tsx') ? [full] : [];
  });
}

/** Hard-coded visible text in one TSX source: [line, text] pairs. */
export function hardCodedText(source: string): [number, string][] {
  const found: [number, string][] = [];
  const lineOf = (index: number) => source.slice(0, index).split('\n').length;
  // Comments may mention anything.
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:])\/\/.*$/gm, (m, p: string) => p + ' '.repeat(m.length - p.length));
  // Text between a tag's end (>) and the next tag or expression: JSX text children.
  // Text between a tag's end (>) and the next tag: JSX text children. A hand-written scan (the installed
  // TypeScript 7 has no JS parser API): segments that read as code — arrows (=>), statements (;),
  // assignments and comparisons (=, &&, ||), generic calls f<T>(…) — are not JSX text.
  for (const match of code.matchAll(/(=?)>([^<>{}]+)[<{]/g)) {
    if (match[1] === '=') continue;
    const text = match[2]!.trim();
    if (text === '' || !LETTERS.test(text)) continue;
    if (/[;=`]|&&|\|\||^[(,[\]]/.test(text)) continue;
    found.push([lineOf(match.index), text]);
  }
  for (const match of code.matchAll(
    /\b(aria-label|placeholder|title|alt)=("([^"]*)"|'([^']*)'|\{\s*['"`]([^'"`]*)['"`]\s*\})/g,
  )) {
    const text = match[3] ?? match[4] ?? match[5] ?? '';
    if (LETTERS.test(text)) found.push([lineOf(match.index), `${match[1]}=${text}`]);
  }
  return found;
}

describe('web UI text', () => {
  it('finds hard-coded text when there is some (the scanner itself works)', () => {
    assert.deepEqual(
      hardCodedText('const a = <p>送信する</p>;\nconst b = <input placeholder="Name" />;').map(([, t]) => t),
      ['送信する', 'placeholder=Name'],
    );
    assert.deepEqual(
      hardCodedText('<button type="button">\n  Send\n</button>\n<h1>Hello {name}</h1>').map(([, t]) => t),
      ['Send', 'Hello'],
    );
    assert.deepEqual(hardCodedText("const a = <p>{t('ok')}</p>; // <b>comment</b>"), []);
    assert.deepEqual(hardCodedText('const a = <span aria-hidden="true">〜</span>;'), []);
  });

  it('has no visible string outside the i18n catalogues in web/src/**/*.tsx', () => {
    const files = tsxFiles(WEB_SRC);
    assert.ok(files.length >= 10, 'the screens were found');
    const offending = files.flatMap((file) =>
      hardCodedText(readFileSync(file, 'utf8')).map(
        ([line, text]) => `${path.relative(WEB_SRC, file)}:${line}: ${text}`,
      ),
    );
    assert.deepEqual(offending, []);
  });

  it('has the same keys, all non-empty, in ja and en', async () => {
    const { ja } = await import('../../web/src/i18n/ja.ts');
    const { en } = await import('../../web/src/i18n/en.ts');
    assert.deepEqual(Object.keys(en).sort(), Object.keys(ja).sort());
    for (const [key, value] of [...Object.entries(ja), ...Object.entries(en)]) {
      assert.ok(value.trim().length > 0, `${key} is empty`);
    }
  });
});
