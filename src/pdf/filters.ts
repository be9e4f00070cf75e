/**
 * Stream decoding for the streams the reader itself must understand (xref streams, object streams,
 * DSS entries): FlateDecode with PNG/TIFF predictors and ASCIIHexDecode. Output size is capped so a
 * decompression bomb fails with a typed error instead of exhausting memory.
 */
import { constants, inflateSync } from 'node:zlib';
import type { PdfBudget } from './budget.ts';
import { pdfLimitExceeded, pdfMalformed } from './errors.ts';
import { PdfArray, PdfDict, PdfName, type PdfStream } from './objects.ts';

function asList<T>(value: unknown, guard: (v: unknown) => v is T): T[] {
  if (value === undefined) return [];
  if (value instanceof PdfArray) {
    const out: T[] = [];
    for (const item of value.items) if (guard(item)) out.push(item);
    return out;
  }
  return guard(value) ? [value] : [];
}

const isName = (v: unknown): v is PdfName => v instanceof PdfName;
const isDict = (v: unknown): v is PdfDict => v instanceof PdfDict;

/** Decodes a stream within its own cap and what is left of the document's budget (spent here). */
export function decodeStream(stream: PdfStream, maxDecodedBytes: number, budget: PdfBudget): Uint8Array {
  const filterValue = stream.dict.get('Filter');
  const filters = asList(filterValue, isName).map((n) => n.value);
  if (filterValue instanceof PdfArray && filters.length !== filterValue.length)
    throw pdfMalformed('bad /Filter');
  if (filterValue !== undefined && !(filterValue instanceof PdfArray) && !(filterValue instanceof PdfName)) {
    throw pdfMalformed('bad /Filter');
  }
  const parms = asList(stream.dict.get('DecodeParms'), isDict);
  let data: Uint8Array = stream.data;
  budget.checkTime();
  filters.forEach((filter, i) => {
    if (filter === 'FlateDecode' || filter === 'Fl') {
      // Inflating stops where the budget ends, so a bomb never allocates past it.
      const remaining = budget.remainingDecodedBytes;
      if (remaining < maxDecodedBytes) {
        data = inflate(data, remaining, () => budget.spendDecoded(remaining + 1));
      } else data = inflate(data, maxDecodedBytes);
      budget.spendDecoded(data.length);
      data = applyPredictor(data, parms[i]);
    } else if (filter === 'ASCIIHexDecode' || filter === 'AHx') {
      data = asciiHexDecode(data);
    } else {
      throw pdfMalformed(`unsupported filter ${filter}`);
    }
  });
  return data;
}

function inflate(data: Uint8Array, maxDecodedBytes: number, overBudget?: () => void): Uint8Array {
  try {
    // Z_SYNC_FLUSH accepts streams whose end marker is missing, which many producers write.
    return inflateSync(data, { maxOutputLength: maxDecodedBytes, finishFlush: constants.Z_SYNC_FLUSH });
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      overBudget?.();
      throw pdfLimitExceeded('decoded stream length', maxDecodedBytes + 1, maxDecodedBytes);
    }
    throw pdfMalformed('corrupt FlateDecode data');
  }
}

function asciiHexDecode(data: Uint8Array): Uint8Array {
  const text = Buffer.from(data).toString('latin1');
  const end = text.indexOf('>');
  const hex = (end >= 0 ? text.slice(0, end) : text).replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(hex)) throw pdfMalformed('bad ASCIIHexDecode data');
  return new Uint8Array(Buffer.from(hex.length % 2 ? `${hex}0` : hex, 'hex'));
}

function applyPredictor(data: Uint8Array, parms: PdfDict | undefined): Uint8Array {
  const predictor = parms?.number('Predictor') ?? 1;
  if (predictor === 1) return data;
  const colors = parms?.number('Colors') ?? 1;
  const bitsPerComponent = parms?.number('BitsPerComponent') ?? 8;
  const columns = parms?.number('Columns') ?? 1;
  if (![1, 2, 3, 4].includes(colors) || ![1, 2, 4, 8, 16].includes(bitsPerComponent)) {
    throw pdfMalformed('unsupported predictor parameters');
  }
  if (!Number.isInteger(columns) || columns < 1 || columns > 1 << 20)
    throw pdfMalformed('bad predictor /Columns');
  const bytesPerPixel = Math.max(1, Math.ceil((colors * bitsPerComponent) / 8));
  const rowLength = Math.ceil((colors * bitsPerComponent * columns) / 8);
  if (predictor === 2) {
    if (bitsPerComponent !== 8) throw pdfMalformed('unsupported TIFF predictor depth');
    const out = new Uint8Array(data);
    for (let row = 0; row + rowLength <= out.length; row += rowLength) {
      for (let i = bytesPerPixel; i < rowLength; i++)
        out[row + i] = (out[row + i]! + out[row + i - bytesPerPixel]!) & 0xff;
    }
    return out;
  }
  if (predictor < 10 || predictor > 15) throw pdfMalformed('unsupported predictor');
  // PNG predictors: each row starts with its own filter-type byte (§7.4.4.4).
  const rows = Math.floor(data.length / (rowLength + 1));
  const out = new Uint8Array(rows * rowLength);
  let previous = new Uint8Array(rowLength);
  for (let r = 0; r < rows; r++) {
    const inStart = r * (rowLength + 1);
    const type = data[inStart]!;
    const current = out.subarray(r * rowLength, (r + 1) * rowLength);
    for (let i = 0; i < rowLength; i++) {
      const raw = data[inStart + 1 + i]!;
      const left = i >= bytesPerPixel ? current[i - bytesPerPixel]! : 0;
      const up = previous[i]!;
      const upLeft = i >= bytesPerPixel ? previous[i - bytesPerPixel]! : 0;
      let value: number;
      switch (type) {
        case 0:
          value = raw;
          break;
        case 1:
          value = raw + left;
          break;
        case 2:
          value = raw + up;
          break;
        case 3:
          value = raw + ((left + up) >> 1);
          break;
        case 4: {
          const p = left + up - upLeft;
          const pa = Math.abs(p - left);
          const pb = Math.abs(p - up);
          const pc = Math.abs(p - upLeft);
          value = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
          break;
        }
        default:
          throw pdfMalformed('bad PNG predictor row type');
      }
      current[i] = value & 0xff;
    }
    previous = current;
  }
  return out;
}
