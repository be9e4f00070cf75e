import { deflateSync } from 'node:zlib';

/**
 * The PDF object model (ISO 32000-1 §7.3) shared by the reader, the incremental writer, the signature
 * code in `src/ades` and the seal appearance drawing. Objects are plain immutable-ish values; a
 * dictionary keeps insertion order so that what we write is stable and reviewable.
 */

/** A name object (`/Type`); `value` is the decoded name without the slash (`#xx` escapes resolved). */
export class PdfName {
  constructor(readonly value: string) {}
}

/** A string object: raw bytes plus how it was (or should be) written. */
export class PdfString {
  constructor(
    readonly bytes: Uint8Array,
    readonly encoding: 'literal' | 'hex' = 'literal',
  ) {}

  /** A text string (§7.9.2.2): PDFDocEncoding when the text is ASCII, otherwise UTF-16BE with BOM. */
  static fromText(text: string): PdfString {
    if (/^[\x20-\x7e\t\n\r]*$/.test(text)) return new PdfString(new Uint8Array(Buffer.from(text, 'latin1')));
    const utf16 = Buffer.alloc(2 + text.length * 2);
    utf16[0] = 0xfe;
    utf16[1] = 0xff;
    for (let i = 0; i < text.length; i++) utf16.writeUInt16BE(text.charCodeAt(i), 2 + i * 2);
    return new PdfString(new Uint8Array(utf16), 'hex');
  }

  static hex(bytes: Uint8Array): PdfString {
    return new PdfString(bytes, 'hex');
  }

  /** Decodes a text string: UTF-16BE (BOM), UTF-8 (BOM, PDF 2.0) or PDFDocEncoding (Latin-1 approximation). */
  text(): string {
    const b = this.bytes;
    if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
      let out = '';
      for (let i = 2; i + 1 < b.length; i += 2) out += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
      return out;
    }
    if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
      return Buffer.from(b.subarray(3)).toString('utf8');
    }
    return Buffer.from(b).toString('latin1');
  }
}

/** A number; integers are written without a decimal point, reals with at most 6 decimals. */
export class PdfNumber {
  constructor(readonly value: number) {}
}

export class PdfBool {
  constructor(readonly value: boolean) {}
}

export class PdfNull {
  static readonly instance = new PdfNull();
  private constructor() {}
}

/** An indirect reference `n g R`. */
export class PdfRef {
  constructor(
    readonly objectNumber: number,
    readonly generation = 0,
  ) {}

  get key(): string {
    return `${this.objectNumber} ${this.generation}`;
  }

  equals(other: PdfRef): boolean {
    return this.objectNumber === other.objectNumber && this.generation === other.generation;
  }
}

export class PdfArray {
  readonly items: PdfObject[];
  constructor(items: PdfObject[] = []) {
    this.items = items;
  }

  get length(): number {
    return this.items.length;
  }

  get(index: number): PdfObject | undefined {
    return this.items[index];
  }

  push(...values: PdfObject[]): void {
    this.items.push(...values);
  }
}

/** A dictionary; keys are names without the slash. */
export class PdfDict {
  readonly entries: Map<string, PdfObject>;
  constructor(entries?: Iterable<readonly [string, PdfObject]>) {
    this.entries = new Map(entries);
  }

  get(key: string): PdfObject | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: PdfObject): this {
    this.entries.set(key, value);
    return this;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  /** The value as a name string when it is a direct name. */
  name(key: string): string | undefined {
    const value = this.entries.get(key);
    return value instanceof PdfName ? value.value : undefined;
  }

  /** The value as a number when it is a direct number. */
  number(key: string): number | undefined {
    const value = this.entries.get(key);
    return value instanceof PdfNumber ? value.value : undefined;
  }

  /** A shallow copy: a changed object in a new revision starts from the old one. */
  clone(): PdfDict {
    return new PdfDict(this.entries);
  }
}

/**
 * A stream: its dictionary and its data exactly as stored (still encoded by /Filter). The writer
 * sets /Length from `data`, so callers never keep /Length in step by hand.
 */
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    readonly data: Uint8Array,
  ) {}
}

/** A stream whose data is compressed with FlateDecode (appearance content, DSS entries). */
export function flateStream(dict: PdfDict, data: Uint8Array): PdfStream {
  return new PdfStream(
    dict.clone().set('Filter', new PdfName('FlateDecode')),
    new Uint8Array(deflateSync(data)),
  );
}

export type PdfObject =
  | PdfName
  | PdfString
  | PdfNumber
  | PdfBool
  | PdfNull
  | PdfRef
  | PdfArray
  | PdfDict
  | PdfStream;

// Short constructors keep object-building code (appearances, signature dictionaries) readable.
export const pdfName = (value: string): PdfName => new PdfName(value);
export const pdfNumber = (value: number): PdfNumber => new PdfNumber(value);
export const pdfBool = (value: boolean): PdfBool => new PdfBool(value);
export const pdfNull = (): PdfNull => PdfNull.instance;
export const pdfText = (text: string): PdfString => PdfString.fromText(text);
export const pdfArray = (...items: PdfObject[]): PdfArray => new PdfArray(items);
export const pdfDict = (entries: Record<string, PdfObject | undefined>): PdfDict =>
  new PdfDict(Object.entries(entries).filter((e): e is [string, PdfObject] => e[1] !== undefined));
export const pdfRect = (x1: number, y1: number, x2: number, y2: number): PdfArray =>
  pdfArray(pdfNumber(x1), pdfNumber(y1), pdfNumber(x2), pdfNumber(y2));

/** A PDF date string (§7.9.4) in UTC: `D:YYYYMMDDHHmmSSZ`. */
export function pdfDate(date: Date): PdfString {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const text = `D:${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}${p(
    date.getUTCHours(),
  )}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`;
  return PdfString.fromText(text);
}

// ---- Serializer (§7.3). Output is ASCII apart from string bytes, which are escaped. ----

const DELIMITER_OR_SPACE = new Set([...'()<>[]{}/%#'].map((c) => c.charCodeAt(0)));

function serializeName(name: string): string {
  let out = '/';
  for (const byte of Buffer.from(name, 'latin1')) {
    if (byte < 0x21 || byte > 0x7e || DELIMITER_OR_SPACE.has(byte)) {
      out += `#${byte.toString(16).padStart(2, '0')}`;
    } else out += String.fromCharCode(byte);
  }
  return out;
}

export function formatPdfNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite PDF number: ${value}`);
  if (Number.isInteger(value)) return String(value);
  const fixed = value.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
  return fixed === '-0' ? '0' : fixed;
}

function serializeLiteralString(bytes: Uint8Array): Buffer {
  const out: number[] = [0x28];
  for (const byte of bytes) {
    if (byte === 0x28 || byte === 0x29 || byte === 0x5c) out.push(0x5c, byte);
    else if (byte === 0x0d) out.push(0x5c, 0x72);
    else if (byte === 0x0a) out.push(0x5c, 0x6e);
    else out.push(byte);
  }
  out.push(0x29);
  return Buffer.from(out);
}

/** Appends the serialization of `value` to `out` (chunks are concatenated once by the caller). */
export function serializePdfObject(value: PdfObject, out: Buffer[]): void {
  if (value instanceof PdfName) out.push(Buffer.from(serializeName(value.value), 'latin1'));
  else if (value instanceof PdfNumber) out.push(Buffer.from(formatPdfNumber(value.value), 'latin1'));
  else if (value instanceof PdfBool) out.push(Buffer.from(value.value ? 'true' : 'false', 'latin1'));
  else if (value instanceof PdfNull) out.push(Buffer.from('null', 'latin1'));
  else if (value instanceof PdfRef)
    out.push(Buffer.from(`${value.objectNumber} ${value.generation} R`, 'latin1'));
  else if (value instanceof PdfString) {
    if (value.encoding === 'hex')
      out.push(Buffer.from(`<${Buffer.from(value.bytes).toString('hex')}>`, 'latin1'));
    else out.push(serializeLiteralString(value.bytes));
  } else if (value instanceof PdfArray) {
    out.push(Buffer.from('[', 'latin1'));
    value.items.forEach((item, i) => {
      if (i > 0) out.push(Buffer.from(' ', 'latin1'));
      serializePdfObject(item, out);
    });
    out.push(Buffer.from(']', 'latin1'));
  } else if (value instanceof PdfDict) {
    out.push(Buffer.from('<<', 'latin1'));
    for (const [key, item] of value.entries) {
      out.push(Buffer.from(`${serializeName(key)} `, 'latin1'));
      serializePdfObject(item, out);
      out.push(Buffer.from('\n', 'latin1'));
    }
    out.push(Buffer.from('>>', 'latin1'));
  } else if (value instanceof PdfStream) {
    const dict = value.dict.clone().set('Length', new PdfNumber(value.data.length));
    serializePdfObject(dict, out);
    out.push(
      Buffer.from('\nstream\n', 'latin1'),
      Buffer.from(value.data),
      Buffer.from('\nendstream', 'latin1'),
    );
  } else {
    throw new TypeError('not a PDF object');
  }
}

/** The bytes of one object (a convenience for tests and small objects). */
export function serializePdf(value: PdfObject): Buffer {
  const out: Buffer[] = [];
  serializePdfObject(value, out);
  return Buffer.concat(out);
}

/** `n g obj … endobj` with a trailing newline. */
export function serializeIndirectObject(ref: PdfRef, value: PdfObject): Buffer {
  const out: Buffer[] = [Buffer.from(`${ref.objectNumber} ${ref.generation} obj\n`, 'latin1')];
  serializePdfObject(value, out);
  out.push(Buffer.from('\nendobj\n', 'latin1'));
  return Buffer.concat(out);
}
