// Bad input gives typed errors that name what is wrong; nothing is drawn from it.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isShomeiError, type ShomeiError } from '../../src/errors/index.ts';
import {
  buildSealAppearance,
  DEFAULT_SEAL_FONT,
  MAX_HORIZONTAL_NAME,
  MAX_VERTICAL_NAME,
  type SealAppearanceInput,
  sealFontPath,
} from '../../src/seal/index.ts';

const base: SealAppearanceInput = {
  name: '山田',
  signingTime: new Date('2026-11-21T06:04:00Z'),
  width: 200,
  height: 80,
};

function fails(
  input: Partial<SealAppearanceInput>,
  code: string,
  options: { fontPath?: string } = {},
): ShomeiError {
  let caught: unknown;
  try {
    buildSealAppearance({ ...base, ...input } as SealAppearanceInput, options);
  } catch (error) {
    caught = error;
  }
  assert.ok(isShomeiError(caught), `expected ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.ok(caught.messages.ja.length > 0 && caught.messages.en.length > 0);
  return caught;
}

describe('seal input', () => {
  it('rejects an empty or blank name', () => {
    for (const name of ['', '   ', '\u3000\u3000']) fails({ name }, 'SHOMEI_SEAL_NAME_EMPTY');
  });

  it('rejects names too long to read in a seal, with the limit in the error', () => {
    const kanji = fails({ name: '山'.repeat(MAX_VERTICAL_NAME + 1) }, 'SHOMEI_SEAL_NAME_TOO_LONG');
    assert.deepEqual(kanji.details, { field: 'name', length: MAX_VERTICAL_NAME + 1, max: MAX_VERTICAL_NAME });
    fails({ name: 'a'.repeat(MAX_HORIZONTAL_NAME + 1) }, 'SHOMEI_SEAL_NAME_TOO_LONG');
    // At the limits the seal is still drawn (smaller).
    assert.ok(buildSealAppearance({ ...base, name: '山'.repeat(MAX_VERTICAL_NAME) }).layout.nameSize > 0);
    assert.ok(buildSealAppearance({ ...base, name: 'a'.repeat(MAX_HORIZONTAL_NAME) }).layout.nameSize > 0);
  });

  it('names the character the font lacks (SHOMEI_SEAL_GLYPH_MISSING)', () => {
    // 𠮷 (tsuchiyoshi, U+20BB7) is a real surname character outside IPAex Mincho's repertoire.
    const error = fails({ name: '𠮷野' }, 'SHOMEI_SEAL_GLYPH_MISSING');
    assert.equal(error.details.character, '𠮷');
    assert.equal(error.details.codePoint, 'U+20BB7');
    assert.equal(error.details.field, 'name');
    assert.match(error.messages.ja, /𠮷/);
    const inTitle = fails({ title: '部長😀' }, 'SHOMEI_SEAL_GLYPH_MISSING');
    assert.equal(inTitle.details.character, '😀');
    const inOrganisation = fails({ organisation: 'บริษัท' }, 'SHOMEI_SEAL_GLYPH_MISSING');
    assert.equal(inOrganisation.details.field, 'organisation');
  });

  it('rejects values of the wrong type, as a JSON body might carry them', () => {
    assert.equal(fails({ name: 42 as unknown as string }, 'SHOMEI_SEAL_INPUT_INVALID').details.field, 'name');
    const organisation = fails({ organisation: ['x'] as unknown as string }, 'SHOMEI_SEAL_INPUT_INVALID');
    assert.equal(organisation.details.field, 'organisation');
    const time = fails({ signingTime: '2026-11-21' as unknown as Date }, 'SHOMEI_SEAL_INPUT_INVALID');
    assert.equal(time.details.field, 'signingTime');
  });

  it('rejects control and invisible format characters', () => {
    fails({ name: '山\u0000田' }, 'SHOMEI_SEAL_TEXT_INVALID');
    fails({ name: '山田\u202e' }, 'SHOMEI_SEAL_TEXT_INVALID');
    const error = fails({ organisation: 'A\u200bB' }, 'SHOMEI_SEAL_TEXT_INVALID');
    assert.equal(error.details.field, 'organisation');
  });

  it('rejects over-long organisation or title', () => {
    const error = fails({ organisation: '株'.repeat(61) }, 'SHOMEI_SEAL_TEXT_TOO_LONG');
    assert.equal(error.details.field, 'organisation');
    fails({ title: 'x'.repeat(61) }, 'SHOMEI_SEAL_TEXT_TOO_LONG');
  });

  it('rejects sizes, times and options it cannot draw', () => {
    for (const width of [0, -10, 10, Number.NaN, Number.POSITIVE_INFINITY, 20000]) {
      assert.equal(fails({ width }, 'SHOMEI_SEAL_INPUT_INVALID').details.field, 'width');
    }
    fails({ height: 5 }, 'SHOMEI_SEAL_INPUT_INVALID');
    assert.equal(
      fails({ signingTime: new Date('nope') }, 'SHOMEI_SEAL_INPUT_INVALID').details.field,
      'signingTime',
    );
    fails({ environmentMark: 'PROD' as 'TEST' }, 'SHOMEI_SEAL_INPUT_INVALID');
    fails({ lang: 'fr' as 'ja' }, 'SHOMEI_SEAL_INPUT_INVALID');
  });

  it('reports a missing font naming the SHOMEI_SEAL_FONT setting', () => {
    const missing = path.join(tmpdir(), 'shomei-no-such-font.ttf');
    const error = fails({}, 'SHOMEI_SEAL_FONT_MISSING', { fontPath: missing });
    assert.deepEqual(error.details, { setting: 'SHOMEI_SEAL_FONT', path: missing });
    assert.match(error.messages.en, /SHOMEI_SEAL_FONT/);
    assert.match(error.messages.ja, /SHOMEI_SEAL_FONT/);
    assert.equal(error.status, 500);
  });

  it('reports a file that is not a TrueType font as unusable', () => {
    const notAFont = path.join(tmpdir(), `shomei-not-a-font-${process.pid}.ttf`);
    writeFileSync(notAFont, 'this is not a font');
    try {
      const error = fails({}, 'SHOMEI_SEAL_FONT_INVALID', { fontPath: notAFont });
      assert.equal(error.details.setting, 'SHOMEI_SEAL_FONT');
    } finally {
      rmSync(notAFont, { force: true });
    }
  });

  it('takes the font from SHOMEI_SEAL_FONT, else the Debian IPAex Mincho path', () => {
    assert.equal(sealFontPath(undefined, {}), DEFAULT_SEAL_FONT);
    assert.equal(sealFontPath(undefined, { SHOMEI_SEAL_FONT: '' }), DEFAULT_SEAL_FONT);
    assert.equal(sealFontPath(undefined, { SHOMEI_SEAL_FONT: '/opt/fonts/x.ttf' }), '/opt/fonts/x.ttf');
    assert.equal(sealFontPath('/explicit.ttf', { SHOMEI_SEAL_FONT: '/opt/fonts/x.ttf' }), '/explicit.ttf');
  });
});
