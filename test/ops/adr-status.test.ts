/**
 * The decision records stay readable as history (issue #21 Deliver 5): each ADR has one number,
 * states its status near the top, and every ADR it says it supersedes or supplements exists.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

const ADR_DIR = path.resolve(import.meta.dirname, '../../docs/adr');

interface Adr {
  readonly file: string;
  readonly number: string;
  readonly text: string;
}

function readAdrs(): Adr[] {
  return readdirSync(ADR_DIR)
    .filter((file) => /^\d{3}-.+\.md$/.test(file))
    .map((file) => ({
      file,
      number: file.slice(0, 3),
      text: readFileSync(path.join(ADR_DIR, file), 'utf8'),
    }));
}

describe('architecture decision records', () => {
  const adrs = readAdrs();

  test('numbers are unique and the title starts with the file number', () => {
    const numbers = adrs.map((adr) => adr.number);
    assert.deepEqual(numbers, [...new Set(numbers)].sort());
    for (const adr of adrs) {
      assert.match(adr.text.split('\n')[0] ?? '', new RegExp(`^# (ADR )?${adr.number}\\b`), adr.file);
    }
  });

  test('each states its status in its first ten lines', () => {
    const missing = adrs.filter(
      (adr) => !/^\**Status\**:?\**\s*\S/im.test(adr.text.split('\n').slice(0, 10).join('\n')),
    );
    assert.deepEqual(
      missing.map((adr) => adr.file),
      [],
    );
  });

  test('every ADR named as superseded or supplemented exists', () => {
    const known = new Set(adrs.map((adr) => Number(adr.number)));
    for (const adr of adrs) {
      const head = adr.text.split('\n').slice(0, 10).join('\n');
      for (const match of head.matchAll(/(?:supersed|supplement)\w*\s+(?:by\s+)?ADRs?\s+(\d+)/gi)) {
        assert.ok(known.has(Number(match[1])), `${adr.file} names ADR ${match[1]}`);
      }
    }
  });
});
