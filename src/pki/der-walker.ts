/**
 * The one DER element walker and writer (and, for input from other tools, the BER end finder). Written by hand on purpose: CMS signatures, the
 * archive-time-stamp-v3 hash index and "to be signed" parts are defined over the exact bytes of each
 * element as they appear in the file, and ASN.1 libraries re-encode what they parse (which can
 * silently change a foreign certificate or CRL). Here every element keeps the bytes it was read from.
 * Each module reads with its own error (`derReader(adesMalformed)`), so a caller's code stays stable.
 */

export interface DerElement {
  /** The identifier octet (single-byte tags only: everything CMS uses). */
  readonly tag: number;
  /** Tag, length and value, as read. */
  readonly raw: Buffer;
  /** The value octets. */
  readonly value: Buffer;
}

/** Builds the module's own error for malformed input (`what` names the thing, `reason` the fault). */
export type DerFailure = (what: string, reason: string) => Error;

export interface DerReader {
  /** Reads one element at `offset`; definite lengths only (DER). */
  readElement(bytes: Buffer, offset: number, what: string): DerElement;
  /** The whole input must be exactly one element. */
  readSingle(bytes: Uint8Array, what: string): DerElement;
  /** The elements inside a constructed element. */
  children(element: DerElement, what: string, depth?: number): DerElement[];
  /** The dotted form of an OBJECT IDENTIFIER element. */
  readOid(element: DerElement, what: string): string;
}

const MAX_DEPTH = 32;
/** BER nesting allowed when walking indefinite lengths (each level is a recursion). */
const MAX_BER_DEPTH = 64;

/** Where an element's value starts and how long it is (`undefined`: indefinite length, BER only). */
interface ElementHeader {
  readonly valueStart: number;
  readonly length: number | undefined;
}

/** Reads the identifier and length octets at `offset`; a string names what is wrong with them. */
function readHeader(bytes: Uint8Array, offset: number, multiByteTags: boolean): ElementHeader | string {
  if (offset + 2 > bytes.length) return 'truncated element';
  let i = offset + 1;
  if ((bytes[offset]! & 0x1f) === 0x1f) {
    if (!multiByteTags) return 'multi-byte tag';
    // High tag number form: base-128 digits, the last without the top bit.
    while (i < bytes.length && bytes[i]! & 0x80) i++;
    i++;
    if (i >= bytes.length) return 'truncated element';
  }
  const first = bytes[i++]!;
  if (first === 0x80) return { valueStart: i, length: undefined };
  if (first < 0x80) return { valueStart: i, length: first };
  const count = first & 0x7f;
  if (count > 4 || i + count > bytes.length) return 'bad length';
  let length = 0;
  for (let k = 0; k < count; k++) length = length * 256 + bytes[i++]!;
  return { valueStart: i, length };
}

/**
 * The offset just past the BER element at `offset` — definite lengths, or indefinite ones walked to
 * their end-of-contents octets — or undefined when it is not well formed. For values that may come
 * from other signing tools (a PDF's /Contents), where DER cannot be assumed.
 */
export function berElementEnd(bytes: Uint8Array, offset = 0, depth = 0): number | undefined {
  const header = depth > MAX_BER_DEPTH ? 'nesting too deep' : readHeader(bytes, offset, true);
  if (typeof header === 'string') return undefined;
  if (header.length !== undefined) {
    const end = header.valueStart + header.length;
    return end <= bytes.length ? end : undefined;
  }
  if ((bytes[offset]! & 0x20) === 0) return undefined; // indefinite length needs a constructed value
  let i = header.valueStart;
  while (i + 1 < bytes.length) {
    if (bytes[i] === 0 && bytes[i + 1] === 0) return i + 2;
    const next = berElementEnd(bytes, i, depth + 1);
    if (next === undefined) return undefined;
    i = next;
  }
  return undefined;
}

/**
 * The elements inside the constructed BER element at `offset` (definite or indefinite length), each
 * with the bytes it was read from — an indefinite-length child keeps its end-of-contents octets in
 * `raw`, its `value` stops before them — and without the parent's end-of-contents; undefined when it
 * is not well formed. Only headers are read: what is inside each child is left to its own decoder.
 */
export function berChildren(bytes: Uint8Array, offset = 0): DerElement[] | undefined {
  const header = readHeader(bytes, offset, true);
  if (typeof header === 'string' || (bytes[offset]! & 0x20) === 0) return undefined;
  const end = header.length === undefined ? bytes.length : header.valueStart + header.length;
  if (end > bytes.length) return undefined;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const children: DerElement[] = [];
  let i = header.valueStart;
  while (i < end) {
    if (header.length === undefined && bytes[i] === 0 && bytes[i + 1] === 0) return children;
    const child = readHeader(bytes, i, true);
    const next = berElementEnd(bytes, i);
    if (typeof child === 'string' || next === undefined || next > end) return undefined;
    const valueEnd = child.length === undefined ? next - 2 : next;
    children.push({
      tag: bytes[i]!,
      raw: buffer.subarray(i, next),
      value: buffer.subarray(child.valueStart, valueEnd),
    });
    i = next;
  }
  return header.length === undefined ? undefined : children;
}

export function derReader(fail: DerFailure): DerReader {
  const readElement = (bytes: Buffer, offset: number, what: string): DerElement => {
    const header = readHeader(bytes, offset, false);
    if (typeof header === 'string') throw fail(what, header);
    if (header.length === undefined) throw fail(what, 'indefinite length');
    const end = header.valueStart + header.length;
    if (end > bytes.length) throw fail(what, 'truncated element');
    return {
      tag: bytes[offset]!,
      raw: bytes.subarray(offset, end),
      value: bytes.subarray(header.valueStart, end),
    };
  };
  return {
    readElement,
    readSingle(bytes, what) {
      const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const element = readElement(buffer, 0, what);
      if (element.raw.length !== buffer.length) throw fail(what, 'trailing bytes');
      return element;
    },
    children(element, what, depth = 0) {
      if (depth > MAX_DEPTH) throw fail(what, 'nesting too deep');
      if ((element.tag & 0x20) === 0) throw fail(what, 'expected a constructed element');
      const out: DerElement[] = [];
      let offset = 0;
      while (offset < element.value.length) {
        const child = readElement(element.value, offset, what);
        out.push(child);
        offset += child.raw.length;
      }
      return out;
    },
    readOid(element, what) {
      if (element.tag !== 0x06 || element.value.length === 0) throw fail(what, 'expected an OID');
      return oidArcs(element.value).join('.');
    },
  };
}

function oidArcs(bytes: Buffer): number[] {
  const first = bytes[0]!;
  const arcs = [first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80];
  let value = 0;
  for (let i = 1; i < bytes.length; i++) {
    value = value * 128 + (bytes[i]! & 0x7f);
    if ((bytes[i]! & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  return arcs;
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Tag + length + the concatenated parts. */
export function tlv(tag: number, ...parts: readonly Uint8Array[]): Buffer {
  const value = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), encodeLength(value.length), value]);
}

export function derInteger(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest & 0xff);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  if ((bytes[0]! & 0x80) !== 0) bytes.unshift(0);
  return tlv(0x02, Buffer.from(bytes));
}

export function derOid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const body: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const chunk = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) {
      chunk.unshift(0x80 | (rest & 0x7f));
    }
    body.push(...chunk);
  }
  return tlv(0x06, Buffer.from(body));
}

/** DER SET OF: elements sorted by their encodings (X.690 11.6). */
export function derSetOf(elements: readonly Uint8Array[], tag = 0x31): Buffer {
  const sorted = [...elements].map((e) => Buffer.from(e)).sort(Buffer.compare);
  return tlv(tag, ...sorted);
}
