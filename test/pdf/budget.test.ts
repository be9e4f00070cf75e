/**
 * The per-document decode budget (issue #16 F3): inflated bytes over all streams, objects parsed and
 * wall time, shared by every reader opened in one piece of work. Each stream of the test file stays
 * under the per-stream cap, so only the budget can stop it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isShomeiError } from '../../src/errors/index.ts';
import { DEFAULT_PDF_BUDGET, openPdf, type PdfBudgetLimits, withPdfBudget } from '../../src/pdf/index.ts';
import { objectStreamBomb } from '../helpers/object-stream-bomb.ts';
import { classicPdf } from './fixtures.ts';

const MiB = 1024 * 1024;
// 6 object streams of 4 MiB each: 24 MiB inflated from a few kilobytes.
const bomb = objectStreamBomb({ streams: 6, inflatedBytes: 4 * MiB });

/** Opens, walks the page tree and the form fields (every object stream), closes. */
async function readAll(source: Uint8Array): Promise<number> {
  const reader = await openPdf(source);
  try {
    return reader.pageCount() + reader.formFields().length;
  } finally {
    reader.close();
  }
}

function budgetError(budget: string) {
  return (error: unknown) => {
    assert.ok(isShomeiError(error), `not a typed error: ${String(error)}`);
    assert.equal(error.code, 'SHOMEI_PDF_BUDGET_EXCEEDED');
    assert.equal(error.details.budget, budget);
    assert.ok(error.messages.ja.length > 0 && error.messages.en.length > 0);
    return true;
  };
}

const limits = (over: Partial<PdfBudgetLimits>): PdfBudgetLimits => ({ ...DEFAULT_PDF_BUDGET, ...over });

describe('per-document decode budget', () => {
  test('within the budget the file reads: one page, three signature fields', async () => {
    assert.equal(await withPdfBudget(limits({}), () => readAll(bomb)), 1 + 3);
  });

  test('inflated bytes over all streams: every stream is under its cap, their sum is not', async () => {
    await assert.rejects(
      withPdfBudget(limits({ maxDecodedBytes: 10 * MiB }), () => readAll(bomb)),
      budgetError('decoded bytes'),
    );
  });

  test('one budget for every reader of the same work: the second reading of the file runs out', async () => {
    // 24 MiB per reading: one fits in 40 MiB, two do not.
    await withPdfBudget(limits({ maxDecodedBytes: 40 * MiB }), async () => {
      await readAll(bomb);
      await assert.rejects(readAll(bomb), budgetError('decoded bytes'));
    });
    // Outside any work, each reader starts afresh.
    await readAll(bomb);
    await readAll(bomb);
  });

  test('objects parsed', async () => {
    const many = classicPdf(40);
    assert.equal(await withPdfBudget(limits({}), () => readAll(many)), 40);
    await assert.rejects(
      withPdfBudget(limits({ maxObjectsParsed: 20 }), () => readAll(many)),
      budgetError('objects'),
    );
  });

  test('wall time: a spent time budget stops the next stream decoded', async () => {
    await assert.rejects(
      withPdfBudget(limits({ maxMillis: 0 }), async () => {
        // Let the clock pass the deadline of 0 ms before any stream is decoded.
        await new Promise((resolve) => setTimeout(resolve, 5));
        return readAll(bomb);
      }),
      budgetError('time'),
    );
  });
});
