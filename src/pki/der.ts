/**
 * Reading DER or PEM from outside with a size limit, strictly: the input must be one complete
 * ASN.1 element (no trailing bytes), and parsing failures become SHOMEI_PKI_MALFORMED.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import * as asn1js from 'asn1js';
import { derReader } from './der-walker.ts';
import { inputTooLarge, malformed } from './errors.ts';

/** Upper bounds for things read from outside (bytes of DER, or of PEM text). */
export const PKI_LIMITS = {
  certificate: 64 * 1024,
  csr: 64 * 1024,
  crl: 8 * 1024 * 1024,
  ocspRequest: 16 * 1024,
  ocspResponse: 256 * 1024,
  timestampQuery: 16 * 1024,
  timestampReply: 256 * 1024,
  certificateBundle: 1024 * 1024,
} as const;

export type PkiInput = Uint8Array | string;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** The DER bytes of each PEM block with one of the given labels, in order. */
export function pemBlocks(text: string, labels: readonly string[], what: string): Buffer[] {
  const out: Buffer[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const label = match[1] ?? '';
    if (!labels.includes(label)) continue;
    const body = (match[2] ?? '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw malformed(what, 'invalid base64 in PEM');
    out.push(Buffer.from(body, 'base64'));
  }
  return out;
}

export function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** DER from DER bytes or a PEM text/bytes with one of the labels; limited to maxBytes. */
export function derFrom(input: PkiInput, labels: readonly string[], what: string, maxBytes: number): Buffer {
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > maxBytes) throw inputTooLarge(what, size, maxBytes);
  if (size === 0) throw malformed(what, 'empty input');
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
  if (bytes[0] === 0x30) return bytes;
  const text = bytes.toString('utf8');
  if (!text.includes('-----BEGIN ')) throw malformed(what, 'neither DER nor PEM');
  const blocks = pemBlocks(text, labels, what);
  if (blocks.length === 0) throw malformed(what, `no PEM block labelled ${labels.join(' or ')}`);
  return blocks[0]!;
}

/** Checks that `der` is exactly one BER/DER element and returns its asn1js form. */
export function asn1Element(der: Uint8Array, what: string): asn1js.AsnType {
  const view = new Uint8Array(der);
  const parsed = asn1js.fromBER(view);
  if (parsed.offset === -1) throw malformed(what, parsed.result.error || 'not ASN.1');
  if (parsed.offset !== view.byteLength) throw malformed(what, 'trailing bytes after the ASN.1 element');
  return parsed.result;
}

const reader = derReader(malformed);

/**
 * Checks from the header alone that `der` is exactly one definite-length element, so that the one
 * full parse (AsnConvert) is not preceded by a second one; multi-byte tags and indefinite lengths
 * (BER) get the full check.
 */
function checkSingleElement(der: Uint8Array, what: string): void {
  if (der.byteLength < 2) throw malformed(what, 'too short');
  if ((der[0]! & 0x1f) === 0x1f || der[1] === 0x80) asn1Element(der, what);
  else reader.readSingle(der, what);
}

/** Parses DER into an @peculiar/asn1-* schema class, mapping every failure to SHOMEI_PKI_MALFORMED. */
export function decodeAs<T>(der: Uint8Array, type: new () => T, what: string): T {
  checkSingleElement(der, what);
  try {
    return AsnConvert.parse(new Uint8Array(der), type);
  } catch (error) {
    throw malformed(what, 'does not match the ASN.1 structure', error);
  }
}

/**
 * The exact encoding of the first element inside a SEQUENCE (the "to be signed" part of a
 * certificate, CSR, CRL or OCSP response). Signatures are checked over these original bytes, not
 * a re-encoding, so that non-canonical input cannot pass verification by accident of re-encoding.
 * Every caller has decoded the whole element already (decodeAs), so the DER walker finds the bytes
 * from the headers alone; BER forms it refuses (indefinite lengths, multi-byte tags) get asn1js's
 * whole parse, as before, which also names what is wrong with anything else.
 */
export function firstElementBytes(der: Uint8Array, what: string): Buffer {
  const walked = firstChildWalked(der, what);
  if (walked !== undefined) return walked;
  const element = asn1Element(der, what);
  if (!(element instanceof asn1js.Sequence)) throw malformed(what, 'not a SEQUENCE');
  const first = element.valueBlock.value[0];
  if (first === undefined) throw malformed(what, 'empty SEQUENCE');
  return Buffer.from(first.valueBeforeDecodeView);
}

/** The first child of a definite-length SEQUENCE, found by the DER walker; undefined when it cannot. */
function firstChildWalked(der: Uint8Array, what: string): Buffer | undefined {
  try {
    const element = reader.readSingle(der, what);
    const first = element.tag === 0x30 ? reader.children(element, what)[0] : undefined;
    return first === undefined ? undefined : Buffer.from(first.raw);
  } catch {
    return undefined;
  }
}

export function encode(value: object): Buffer {
  return Buffer.from(AsnConvert.serialize(value));
}
