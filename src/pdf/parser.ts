/**
 * Tokeniser and object parser (ISO 32000-1 §7.2–7.3) over a ByteSource. Written by hand because the
 * parser must read lazily from disk and stop at every limit with a typed error rather than recover
 * silently; every loop advances the position, so time is linear in the bytes looked at.
 */
import type { ByteSource } from './byte-source.ts';
import { pdfLimitExceeded, pdfMalformed } from './errors.ts';
import {
  PdfArray,
  PdfBool,
  PdfDict,
  PdfName,
  PdfNull,
  PdfNumber,
  type PdfObject,
  PdfRef,
  PdfStream,
  PdfString,
} from './objects.ts';

const isWhite = (c: number): boolean =>
  c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0;
const isDelimiter = (c: number): boolean =>
  c === 0x28 ||
  c === 0x29 ||
  c === 0x3c ||
  c === 0x3e ||
  c === 0x5b ||
  c === 0x5d ||
  c === 0x7b ||
  c === 0x7d ||
  c === 0x2f ||
  c === 0x25;
const isRegular = (c: number): boolean => c >= 0 && !isWhite(c) && !isDelimiter(c);
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

const hexValue = (c: number): number => {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
};

/** Far above the 127-byte implementation limit of §C.1; anything longer is hostile. */
const MAX_NAME_BYTES = 4096;

/** Resolves /Length when it is an indirect reference; supplied by the document. */
export type LengthResolver = (ref: PdfRef) => PdfObject | undefined;

export interface ParserLimits {
  readonly maxDepth: number;
  readonly maxStreamBytes: number;
  /** Longest string or name token accepted. */
  readonly maxTokenBytes: number;
}

/** A growing byte buffer: strings may be megabytes long (a /Contents hole), so not a number[]. */
class ByteBuilder {
  private buffer = Buffer.allocUnsafe(64);
  length = 0;

  push(byte: number): void {
    if (this.length === this.buffer.length) {
      const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
      this.buffer.copy(bigger, 0, 0, this.length);
      this.buffer = bigger;
    }
    this.buffer[this.length++] = byte;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.buffer.subarray(0, this.length));
  }
}

/** A keyword or other bare token (obj, endobj, R, stream, xref, trailer…). */
export class Keyword {
  constructor(readonly value: string) {}
}

export class PdfParser {
  position: number;

  constructor(
    readonly source: ByteSource,
    position: number,
    private readonly limits: ParserLimits,
    /** End of the region this parser may read (an object stream's data, or the file). */
    private readonly end = source.size,
  ) {
    this.position = position;
  }

  private peek(offset = 0): number {
    const at = this.position + offset;
    return at < this.end ? this.source.byteAt(at) : -1;
  }

  skipWhitespace(): void {
    for (;;) {
      const c = this.peek();
      if (c === -1) return;
      if (isWhite(c)) this.position++;
      else if (c === 0x25) {
        // A comment runs to the end of the line.
        while (this.peek() !== -1 && this.peek() !== 0x0a && this.peek() !== 0x0d) this.position++;
      } else return;
    }
  }

  atEnd(): boolean {
    this.skipWhitespace();
    return this.peek() === -1;
  }

  /** Reads a bare regular-character token without consuming it when `consume` is false. */
  readRegularToken(): string {
    const start = this.position;
    while (isRegular(this.peek())) {
      this.position++;
      if (this.position - start > 256) throw pdfMalformed('token too long', { offset: start });
    }
    return this.source.slice(start, this.position).toString('latin1');
  }

  /** Tries to read `keyword` at the current position (after whitespace); restores on failure. */
  tryKeyword(keyword: string): boolean {
    const saved = this.position;
    this.skipWhitespace();
    const token = this.readRegularToken();
    if (token === keyword) return true;
    this.position = saved;
    return false;
  }

  expectKeyword(keyword: string): void {
    if (!this.tryKeyword(keyword)) throw pdfMalformed(`expected ${keyword}`, { offset: this.position });
  }

  /** Reads an unsigned integer token or returns undefined (position restored). */
  tryInteger(): number | undefined {
    const saved = this.position;
    this.skipWhitespace();
    const start = this.position;
    while (isDigit(this.peek())) this.position++;
    const length = this.position - start;
    if (length === 0 || length > 15 || isRegular(this.peek())) {
      this.position = saved;
      return undefined;
    }
    return Number(this.source.slice(start, this.position).toString('latin1'));
  }

  /** Parses one object; `n g R` becomes a PdfRef. Keywords come back as Keyword. */
  parse(depth = 0): PdfObject | Keyword {
    if (depth > this.limits.maxDepth) throw pdfLimitExceeded('nesting depth', depth, this.limits.maxDepth);
    this.skipWhitespace();
    const start = this.position;
    const c = this.peek();
    if (c === -1) throw pdfMalformed('unexpected end of data', { offset: start });
    if (c === 0x2f) return this.parseName();
    if (c === 0x28) return this.parseLiteralString();
    if (c === 0x3c) {
      if (this.peek(1) === 0x3c) return this.parseDict(depth);
      return this.parseHexString();
    }
    if (c === 0x5b) {
      this.position++;
      const items: PdfObject[] = [];
      for (;;) {
        this.skipWhitespace();
        if (this.peek() === 0x5d) {
          this.position++;
          return new PdfArray(items);
        }
        if (this.peek() === -1) throw pdfMalformed('unterminated array', { offset: start });
        const item = this.parse(depth + 1);
        if (item instanceof Keyword)
          throw pdfMalformed(`unexpected ${item.value} in array`, { offset: start });
        items.push(item);
      }
    }
    if (isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) {
      const number = this.parseNumber();
      // `n g R`: look ahead for an integer generation and R without committing.
      if (Number.isInteger(number) && number >= 0 && isDigit(this.peekAfterWhitespace())) {
        const saved = this.position;
        const generation = this.tryInteger();
        if (generation !== undefined && this.tryKeyword('R')) return new PdfRef(number, generation);
        this.position = saved;
      }
      return new PdfNumber(number);
    }
    if (isRegular(c)) {
      const token = this.readRegularToken();
      if (token === 'true') return new PdfBool(true);
      if (token === 'false') return new PdfBool(false);
      if (token === 'null') return PdfNull.instance;
      return new Keyword(token);
    }
    throw pdfMalformed('unexpected character', { offset: start, byte: c });
  }

  private peekAfterWhitespace(): number {
    const saved = this.position;
    this.skipWhitespace();
    const c = this.peek();
    this.position = saved;
    return c;
  }

  /** Parses an object that must not be a keyword. */
  parseObject(depth = 0): PdfObject {
    const value = this.parse(depth);
    if (value instanceof Keyword)
      throw pdfMalformed(`unexpected keyword ${value.value}`, { offset: this.position });
    return value;
  }

  private parseNumber(): number {
    const start = this.position;
    if (this.peek() === 0x2b || this.peek() === 0x2d) this.position++;
    while (isDigit(this.peek()) || this.peek() === 0x2e) {
      this.position++;
      if (this.position - start > 40) throw pdfMalformed('number too long', { offset: start });
    }
    const text = this.source.slice(start, this.position).toString('latin1');
    const value = Number(text === '-' || text === '+' || text === '.' ? 'NaN' : text);
    if (!Number.isFinite(value)) throw pdfMalformed('bad number', { offset: start });
    return value;
  }

  private parseName(): PdfName {
    const start = this.position;
    this.position++;
    const bytes: number[] = [];
    while (isRegular(this.peek())) {
      const c = this.peek();
      if (c === 0x23 && hexValue(this.peek(1)) >= 0 && hexValue(this.peek(2)) >= 0) {
        bytes.push(hexValue(this.peek(1)) * 16 + hexValue(this.peek(2)));
        this.position += 3;
      } else {
        bytes.push(c);
        this.position++;
      }
      if (bytes.length > MAX_NAME_BYTES) throw pdfMalformed('name too long', { offset: start });
    }
    return new PdfName(Buffer.from(bytes).toString('latin1'));
  }

  private parseLiteralString(): PdfString {
    const start = this.position;
    this.position++;
    const out = new ByteBuilder();
    let nesting = 1;
    for (;;) {
      const c = this.peek();
      if (c === -1) throw pdfMalformed('unterminated string', { offset: start });
      if (out.length > this.limits.maxTokenBytes) throw pdfMalformed('string too long', { offset: start });
      this.position++;
      if (c === 0x5c) {
        const e = this.peek();
        this.position++;
        if (e === 0x6e) out.push(0x0a);
        else if (e === 0x72) out.push(0x0d);
        else if (e === 0x74) out.push(0x09);
        else if (e === 0x62) out.push(0x08);
        else if (e === 0x66) out.push(0x0c);
        else if (e === 0x0d) {
          if (this.peek() === 0x0a) this.position++;
        } else if (e === 0x0a) {
          // line continuation
        } else if (e >= 0x30 && e <= 0x37) {
          let value = e - 0x30;
          for (let i = 0; i < 2 && this.peek() >= 0x30 && this.peek() <= 0x37; i++) {
            value = value * 8 + (this.peek() - 0x30);
            this.position++;
          }
          out.push(value & 0xff);
        } else if (e === -1) throw pdfMalformed('unterminated string', { offset: start });
        else out.push(e);
      } else if (c === 0x28) {
        nesting++;
        out.push(c);
      } else if (c === 0x29) {
        nesting--;
        if (nesting === 0) return new PdfString(out.bytes(), 'literal');
        out.push(c);
      } else out.push(c);
    }
  }

  private parseHexString(): PdfString {
    const start = this.position;
    const plain = this.plainHexString(start);
    if (plain !== undefined) return plain;
    this.position++;
    const out = new ByteBuilder();
    let high = -1;
    for (;;) {
      const c = this.peek();
      if (c === -1) throw pdfMalformed('unterminated hex string', { offset: start });
      this.position++;
      if (c === 0x3e) break;
      if (isWhite(c)) continue;
      const v = hexValue(c);
      if (v < 0) throw pdfMalformed('bad hex string', { offset: start });
      if (high < 0) high = v;
      else {
        out.push(high * 16 + v);
        high = -1;
      }
      if (out.length > this.limits.maxTokenBytes) throw pdfMalformed('string too long', { offset: start });
    }
    if (high >= 0) out.push(high * 16);
    return new PdfString(out.bytes(), 'hex');
  }

  /**
   * The usual hex string — a signature's /Contents is tens of kilobytes of digits and nothing else —
   * found with one native search and decoded by Buffer in one step, instead of a call per digit (the
   * loop below, cold in a one-shot command, was most of reading a signature dictionary). Anything
   * else (whitespace, an odd count, a bad digit, past the token limit, unterminated) returns
   * undefined and takes the loop, so every error and odd form reads as before.
   */
  private plainHexString(start: number): PdfString | undefined {
    const cap = 2 * this.limits.maxTokenBytes;
    for (let window = 256; ; window *= 8) {
      const digits = this.source.slice(start + 1, Math.min(this.end, start + 1 + Math.min(window, cap) + 1));
      const close = digits.indexOf(0x3e);
      if (close < 0) {
        if (window >= cap || start + 1 + window >= this.end) return undefined;
        continue;
      }
      const text = digits.toString('latin1', 0, close);
      if (close % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(text)) return undefined;
      this.position = start + 1 + close + 1;
      return new PdfString(new Uint8Array(Buffer.from(text, 'hex')), 'hex');
    }
  }

  private parseDict(depth: number): PdfDict {
    const start = this.position;
    this.position += 2;
    const dict = new PdfDict();
    for (;;) {
      this.skipWhitespace();
      const c = this.peek();
      if (c === 0x3e && this.peek(1) === 0x3e) {
        this.position += 2;
        return dict;
      }
      if (c === -1) throw pdfMalformed('unterminated dictionary', { offset: start });
      if (c !== 0x2f) throw pdfMalformed('dictionary key is not a name', { offset: this.position });
      const key = this.parseName().value;
      const value = this.parse(depth + 1);
      if (value instanceof Keyword)
        throw pdfMalformed(`unexpected ${value.value} in dictionary`, { offset: start });
      // A null value means the key is absent (§7.3.7).
      if (!(value instanceof PdfNull)) dict.set(key, value);
    }
  }

  /**
   * Parses `n g obj … endobj` at the current position. Stream data is read only after /Length is
   * checked against the file and the limit, so a hostile /Length never allocates.
   */
  parseIndirectObject(
    expected: PdfRef | undefined,
    resolveLength: LengthResolver,
  ): { ref: PdfRef; value: PdfObject; dataOffset?: number } {
    const offset = this.position;
    const objectNumber = this.tryInteger();
    const generation = objectNumber === undefined ? undefined : this.tryInteger();
    if (objectNumber === undefined || generation === undefined || !this.tryKeyword('obj')) {
      throw pdfMalformed('no object at cross-reference offset', { offset });
    }
    if (expected && (expected.objectNumber !== objectNumber || expected.generation !== generation)) {
      throw pdfMalformed('cross-reference points at another object', { offset, expected: expected.key });
    }
    const ref = new PdfRef(objectNumber, generation);
    const value = this.parseObject(0);
    if (value instanceof PdfDict && this.tryKeyword('stream')) {
      // The keyword is followed by CRLF or LF (a lone CR is tolerated).
      if (this.peek() === 0x0d) this.position++;
      if (this.peek() === 0x0a) this.position++;
      const dataOffset = this.position;
      let lengthValue = value.get('Length');
      if (lengthValue instanceof PdfRef) lengthValue = resolveLength(lengthValue);
      const length = lengthValue instanceof PdfNumber ? lengthValue.value : Number.NaN;
      if (!Number.isInteger(length) || length < 0)
        throw pdfMalformed('stream without a valid /Length', { offset });
      if (length > this.limits.maxStreamBytes) {
        throw pdfLimitExceeded('stream length', length, this.limits.maxStreamBytes);
      }
      if (dataOffset + length > this.end)
        throw pdfMalformed('stream /Length runs past the end of file', { offset });
      const data = this.source.slice(dataOffset, dataOffset + length);
      this.position = dataOffset + length;
      if (!this.tryKeyword('endstream'))
        throw pdfMalformed('stream /Length does not end at endstream', { offset });
      return {
        ref,
        value: new PdfStream(value, new Uint8Array(data.buffer, data.byteOffset, data.length)),
        dataOffset,
      };
    }
    return { ref, value };
  }
}
