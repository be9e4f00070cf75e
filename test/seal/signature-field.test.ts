// The seal as the /AP /N of a real signature field, written by the pdf module's incremental writer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prepareSignatureRevision } from '../../src/pdf/index.ts';
import { buildSealAppearance } from '../../src/seal/index.ts';
import { run } from '../helpers/run.ts';
import { pageWithAppearance, renderPdf } from './pdf-helper.ts';

describe('seal in a signature field', () => {
  it('shows the seal at the widget rectangle of a prepared signature revision', async () => {
    const page = { pageWidth: 595, pageHeight: 842, x: 0, y: 0 };
    const blank = pageWithAppearance(undefined, page);
    const rect = [300, 100, 540, 190] as const;
    const appearance = buildSealAppearance({
      name: '長谷川',
      organisation: '株式会社サンプル',
      title: '部長',
      signingTime: new Date('2026-11-21T06:04:00Z'),
      width: rect[2] - rect[0],
      height: rect[3] - rect[1],
      environmentMark: 'TEST',
    });
    const prepared = await prepareSignatureRevision(blank, {
      fieldName: 'Signature1',
      rect,
      appearance,
      signingTime: new Date('2026-11-21T06:04:00Z'),
      signerName: '長谷川',
    });
    assert.ok(prepared.bytes);
    const rendered = renderPdf(prepared.bytes, page, 'signature-field');

    const { cx, cy, r } = appearance.layout.seal;
    const [sx, sy] = [rect[0] + cx, rect[1] + cy];
    assert.ok(
      rendered.raster.redPixels(sx - r, sy - r, sx + r, sy + r) > (2 * r) ** 2 * 0.08,
      'seal drawn in the field',
    );
    // Nothing red outside the widget rectangle.
    const all = rendered.raster.redPixels(0, 0, page.pageWidth, page.pageHeight);
    assert.equal(rendered.raster.redPixels(rect[0], rect[1], rect[2], rect[3]), all);
    assert.equal(rendered.textIn(sx - r, sy - r, 2 * r, 2 * r).trim(), '長谷川');
    assert.match(rendered.text, /部長 長谷川/);
    assert.match(rendered.fonts[0]!, /CID TrueType\s+Identity-H\s+yes yes yes/);

    const check = run('qpdf', ['--check', rendered.pdf]);
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });
});
