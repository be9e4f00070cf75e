/**
 * What every screen is held to (issue #19): axe-core finds nothing serious or critical, and a Japanese
 * screen's main text has no SHOMEI_ code and no English word outside 「詳細」, code elements, and
 * the names and units allowed below.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';

const AXE = path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js');
const AXE_SOURCE = readFileSync(AXE, 'utf8');

/** axe-core's serious and critical findings (rule and first node); axe is injected once per document. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') stays in force.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE_SOURCE);
  const result = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<unknown> } }).axe;
    // Only the findings are read: passes and inapplicable rules are not collected.
    return axe.run({ resultTypes: ['violations'] });
  })) as { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
}

export async function accessible(page: Page, screen: string): Promise<void> {
  assert.deepEqual(await seriousViolations(page), [], `axe on ${screen}`);
}

/**
 * Words a Japanese business user reads as names, units or marks: file formats, PIN, pt (the seal
 * position's unit), key algorithms offered by name (RSA, EC), the CSV encodings and Excel, and the
 * bulk-send CSV's column names, which are typed as they are.
 */
const ALLOWED = new Set([
  ...['PDF', 'SHA', 'ID', 'IP', 'PIN', 'JST', 'shomei', 'API', 'Webhook', 'CSV', 'URL', 'QR', 'pt'],
  ...['RSA', 'EC', 'UTF', 'BOM', 'Shift', 'JIS', 'Excel'],
  ...['email', 'name', 'company', 'title', 'amount', 'transactionDate', 'counterparty'],
]);

/** The Latin-script words of a Japanese screen's main text that are not allowed there. */
export async function strayLatin(page: Page): Promise<{ codes: boolean; words: string[] }> {
  const text = await page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } }).document;
    const main = doc.querySelector('main') as { cloneNode(deep: boolean): unknown } | null;
    if (main === null) return '';
    const copy = main.cloneNode(true) as {
      querySelectorAll(s: string): { remove(): void }[];
    };
    for (const hidden of copy.querySelectorAll('details, code, pre, .hash, [data-latin-ok]')) hidden.remove();
    // Text node by text node: a cell's last word and the next cell's first word stay apart. (No
    // inner function: the test runner's transform would name it with a helper the page lacks.)
    type Node = { nodeType: number; nodeValue: string | null; childNodes: ArrayLike<unknown> };
    const words: string[] = [];
    const stack = [copy as unknown as Node];
    while (stack.length > 0) {
      const node = stack.pop() as Node;
      if (node.nodeType === 3) words.push(node.nodeValue ?? '');
      stack.push(...(Array.from(node.childNodes) as Node[]).reverse());
    }
    return words.join(' ');
  });
  // Addresses, file names and hashes are not words.
  const words = text
    .replace(/https?:\/\/\S*/g, ' ')
    .replace(/[\w.+-]+@[\w.-]+/g, ' ')
    .replace(/\S+\.(pdf|csv)\b/gi, ' ')
    .replace(/\b[0-9a-f]{64}\b/g, ' ');
  return {
    codes: /SHOMEI_/.test(text),
    words: (words.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !ALLOWED.has(w)),
  };
}

export async function plainJapanese(page: Page, screen: string): Promise<void> {
  const found = await strayLatin(page);
  assert.equal(found.codes, false, `${screen}: no error code in the main text`);
  assert.deepEqual(found.words, [], `${screen}: English fragments in Japanese text`);
}
