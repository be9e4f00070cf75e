/**
 * One decode budget per document (issue #16 F3): total inflated bytes over every stream decoded,
 * indirect objects parsed, and wall time. Per-stream caps alone let a 2 MB file of 20 object streams
 * (each inflating to 100 MiB, under the cap) cost 2 GiB and half a minute. Every reader opened inside
 * `withPdfBudget` (e.g. validation, which opens each revision again) spends from the same budget;
 * a reader opened outside one gets a fresh budget of the process defaults.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { type ShomeiError, shomeiError } from '../errors/index.ts';

export interface PdfBudgetLimits {
  /** Bytes decoded (inflated) over all streams of the document. */
  readonly maxDecodedBytes: number;
  /** Indirect objects parsed (a re-read after cache eviction counts again: it is work done again). */
  readonly maxObjectsParsed: number;
  /** Wall time spent reading the document, milliseconds. */
  readonly maxMillis: number;
}

export const DEFAULT_PDF_BUDGET: PdfBudgetLimits = {
  maxDecodedBytes: 128 * 1024 * 1024,
  maxObjectsParsed: 1_000_000,
  maxMillis: 30_000,
};

let processDefaults: PdfBudgetLimits = DEFAULT_PDF_BUDGET;

/** The settings (SHOMEI_PDF_…) of this process; the composition root and each worker set them once. */
export function setPdfBudgetDefaults(limits: PdfBudgetLimits): void {
  processDefaults = limits;
}

export function pdfBudgetDefaults(): PdfBudgetLimits {
  return processDefaults;
}

export function pdfBudgetExceeded(budget: 'decoded bytes' | 'objects' | 'time', max: number): ShomeiError {
  return shomeiError(
    'SHOMEI_PDF_BUDGET_EXCEEDED',
    `PDFの読み込みに必要な処理量が上限を超えました（${budget === 'decoded bytes' ? '展開後のデータ量' : budget === 'objects' ? 'オブジェクト数' : '処理時間'}: 上限 ${max}）。`,
    `Reading the PDF needs more work than allowed (${budget}: limit ${max}).`,
    { status: 422, details: { budget, max } },
  );
}

export class PdfBudget {
  private decoded = 0;
  private objects = 0;
  private readonly deadline: number;

  constructor(readonly limits: PdfBudgetLimits = processDefaults) {
    this.deadline = performance.now() + limits.maxMillis;
  }

  /** Bytes a stream may still inflate to: the caller caps its output here. */
  get remainingDecodedBytes(): number {
    return Math.max(0, this.limits.maxDecodedBytes - this.decoded);
  }

  spendDecoded(bytes: number): void {
    this.decoded += bytes;
    if (this.decoded > this.limits.maxDecodedBytes)
      throw pdfBudgetExceeded('decoded bytes', this.limits.maxDecodedBytes);
    this.checkTime();
  }

  spendObject(): void {
    this.objects += 1;
    if (this.objects > this.limits.maxObjectsParsed)
      throw pdfBudgetExceeded('objects', this.limits.maxObjectsParsed);
    // Reading the clock for every object would cost more than many objects: every 256th.
    if ((this.objects & 0xff) === 0) this.checkTime();
  }

  checkTime(): void {
    if (performance.now() > this.deadline) throw pdfBudgetExceeded('time', this.limits.maxMillis);
  }
}

const ambient = new AsyncLocalStorage<PdfBudget>();

/** Runs `work` with one budget shared by every PDF reader it opens. */
export function withPdfBudget<T>(limits: PdfBudgetLimits, work: () => Promise<T>): Promise<T> {
  return ambient.run(new PdfBudget(limits), work);
}

/**
 * The budget of the surrounding `withPdfBudget`, or a fresh one for a reader opened on its own. The
 * latter has no wall-time limit: such readers hold our own documents on the signing path and may wait
 * for the HSM or a TSA between reads; untrusted input is read inside `withPdfBudget`.
 */
export function currentPdfBudget(): PdfBudget {
  return ambient.getStore() ?? new PdfBudget({ ...processDefaults, maxMillis: Number.POSITIVE_INFINITY });
}
