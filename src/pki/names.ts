/**
 * Distinguished names: building them with UTF8String values (Japanese names such as
 * O=株式会社サンプル, CN=山田 太郎) and printing them as RFC 4514 strings in UTF-8.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { shomeiError } from '../errors/index.ts';
import { derReader } from './der-walker.ts';
import { malformed } from './errors.ts';

/** Attribute types shomei writes and prints by short name (RFC 4514 section 3 plus common extras). */
export const NAME_ATTRIBUTES = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  serialNumber: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  STREET: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  title: '2.5.4.12',
  GN: '2.5.4.42',
  organizationIdentifier: '2.5.4.97',
  emailAddress: '1.2.840.113549.1.9.1',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
} as const;

export type NameAttributeType = keyof typeof NAME_ATTRIBUTES;

export interface NameAttribute {
  readonly type: NameAttributeType;
  readonly value: string;
}

const SHORT_NAMES = new Map<string, string>(Object.entries(NAME_ATTRIBUTES).map(([k, v]) => [v, k]));
const MAX_VALUE_LENGTH = 256;

function invalidName(reason: string): Error {
  return shomeiError(
    'SHOMEI_PKI_NAME_INVALID',
    `名前が不正です: ${reason}`,
    `The name is invalid: ${reason}`,
    {
      status: 400,
      details: { reason },
    },
  );
}

function attributeValue(type: NameAttributeType, value: string): AttributeValue {
  if (value.length === 0 || value.length > MAX_VALUE_LENGTH) throw invalidName(`${type} length`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we refuse
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalidName(`${type} contains control characters`);
  if (type === 'C') {
    if (!/^[A-Z]{2}$/.test(value)) throw invalidName('C must be two capital letters');
    return new AttributeValue({ printableString: value });
  }
  if (type === 'serialNumber') {
    if (!/^[A-Za-z0-9 '()+,\-./:=?]+$/.test(value)) throw invalidName('serialNumber must be printable');
    return new AttributeValue({ printableString: value });
  }
  if (type === 'emailAddress' || type === 'DC') {
    if (!/^[\x20-\x7e]+$/.test(value)) throw invalidName(`${type} must be ASCII`);
    return new AttributeValue({ ia5String: value });
  }
  return new AttributeValue({ utf8String: value });
}

/** A Name with one attribute per RDN, in the order given (most significant first, e.g. C, O, CN). */
export function buildName(attributes: readonly NameAttribute[]): Name {
  if (attributes.length === 0 || attributes.length > 16) throw invalidName('1 to 16 attributes');
  return new Name(
    attributes.map((a) => {
      const oid = NAME_ATTRIBUTES[a.type];
      if (oid === undefined) throw invalidName(`unknown attribute ${String(a.type)}`);
      return new RelativeDistinguishedName([
        new AttributeTypeAndValue({ type: oid, value: attributeValue(a.type, a.value) }),
      ]);
    }),
  );
}

/** The attributes of a name we understand, most significant first; unknown types are skipped. */
export function nameAttributes(name: Name): NameAttribute[] {
  const out: NameAttribute[] = [];
  for (const rdn of name) {
    for (const atv of rdn) {
      const short = SHORT_NAMES.get(atv.type);
      const text = stringValue(atv.value);
      if (short !== undefined && text !== undefined)
        out.push({ type: short as NameAttributeType, value: text });
    }
  }
  return out;
}

function stringValue(value: AttributeValue): string | undefined {
  const v =
    value.utf8String ??
    value.printableString ??
    value.ia5String ??
    value.bmpString ??
    value.universalString ??
    value.teletexString;
  return v;
}

function escapeValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: RFC 4514 escapes NUL
  out = out.replace(/\u0000/g, '\\00');
  if (out.startsWith('#') || out.startsWith(' ')) out = `\\${out}`;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

/** RFC 4514 string (least significant RDN first), UTF-8; unknown attribute types as OID=#hex. */
export function nameToString(name: Name): string {
  const rdns: string[] = [];
  for (const rdn of name) {
    const parts: string[] = [];
    for (const atv of rdn) {
      const short = SHORT_NAMES.get(atv.type);
      const text = stringValue(atv.value);
      if (short !== undefined && text !== undefined) {
        parts.push(`${short}=${escapeValue(text)}`);
      } else {
        const der = Buffer.from(AsnConvert.serialize(atv.value));
        parts.push(`${atv.type}=#${der.toString('hex')}`);
      }
    }
    rdns.push(parts.join('+'));
  }
  return rdns.reverse().join(',');
}

/** DER of a name, for comparing names exactly. */
export function nameDer(name: Name): Buffer {
  return Buffer.from(AsnConvert.serialize(name));
}

export function namesEqual(a: Name, b: Name): boolean {
  return nameDer(a).equals(nameDer(b));
}

const nameWalker = derReader(malformed);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** UTF8String, PrintableString and IA5String as the schema decodes them; undefined for other types. */
function derStringValue(tag: number, value: Buffer): string | undefined {
  if (tag === 0x0c) {
    try {
      return strictUtf8.decode(value);
    } catch {
      return undefined;
    }
  }
  if (tag === 0x13 || tag === 0x16) return value.toString('latin1');
  return undefined;
}

/**
 * nameToString of a Name given as DER, read with the DER walker when every attribute is a known
 * type with a UTF8String, PrintableString or IA5String value (every name shomei writes); any other
 * name takes the schema parse and nameToString, so the text is the same either way (ADR 051).
 */
export function nameDerToString(der: Uint8Array): string {
  const rdns: string[] = [];
  const name = nameWalker.readSingle(der, 'name');
  if (name.tag !== 0x30) return nameToString(AsnConvert.parse(der, Name));
  for (const rdn of nameWalker.children(name, 'name')) {
    const parts: string[] = [];
    for (const atv of rdn.tag === 0x31 ? nameWalker.children(rdn, 'name') : []) {
      const [type, value, ...rest] = atv.tag === 0x30 ? nameWalker.children(atv, 'name') : [];
      const short = type?.tag === 0x06 ? SHORT_NAMES.get(nameWalker.readOid(type, 'name')) : undefined;
      const text = value === undefined ? undefined : derStringValue(value.tag, value.value);
      if (short === undefined || text === undefined || rest.length > 0) {
        return nameToString(AsnConvert.parse(der, Name));
      }
      parts.push(`${short}=${escapeValue(text)}`);
    }
    if (parts.length === 0) return nameToString(AsnConvert.parse(der, Name));
    rdns.push(parts.join('+'));
  }
  return rdns.reverse().join(',');
}
