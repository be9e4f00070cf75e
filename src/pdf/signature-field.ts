/**
 * Finding or creating the signature field and its widget in a new revision: the AcroForm, its
 * /Fields, the page's /Annots and the catalog are changed only as far as needed, and indirect arrays
 * are updated where they live so the revision stays small.
 */
import { pdfFieldInvalid } from './errors.ts';
import type { RevisionBuilder } from './incremental-writer.ts';
import {
  PdfArray,
  PdfDict,
  type PdfObject,
  PdfRef,
  PdfStream,
  PdfString,
  pdfDict,
  pdfName,
  pdfNumber,
  pdfRect,
} from './objects.ts';
import type { PdfReader } from './reader.ts';
import type { SignatureAppearance, SignatureFieldOptions } from './types.ts';

/** Annotation flags Print (4) + Locked (128): shown when printed, not movable. */
const WIDGET_FLAGS = 132;

/** A dictionary that lives either in its own object or directly inside a parent we rewrite. */
interface Editable {
  readonly dict: PdfDict;
  /** Set when the dict is an indirect object (so the revision rewrites that object). */
  readonly ref: PdfRef | undefined;
}

export class CatalogEditor {
  readonly catalog: PdfDict;
  private catalogChanged = false;

  constructor(
    private readonly reader: PdfReader,
    private readonly builder: RevisionBuilder,
  ) {
    this.catalog = reader.catalog.clone();
  }

  /** The value of a catalog entry as an editable dictionary (created when absent). */
  editDict(key: string): PdfDict {
    const value = this.catalog.get(key);
    if (value instanceof PdfRef) {
      const existing = this.builder.get(value);
      if (existing instanceof PdfDict) return existing;
      const dict = this.reader.dict(value)?.clone() ?? new PdfDict();
      this.builder.set(value, dict);
      return dict;
    }
    const dict = value instanceof PdfDict ? value.clone() : new PdfDict();
    this.catalog.set(key, dict);
    this.catalogChanged = true;
    return dict;
  }

  /** Marks the catalog as rewritten (for entries set directly on it). */
  touch(): void {
    this.catalogChanged = true;
  }

  finish(): void {
    if (this.catalogChanged) this.builder.set(this.reader.catalogRef, this.catalog);
  }
}

/** Appends `item` to the array at `owner[key]`, rewriting the array object itself when indirect. */
export function appendToArray(
  reader: PdfReader,
  builder: RevisionBuilder,
  owner: PdfDict,
  key: string,
  item: PdfObject,
): void {
  const value = owner.get(key);
  if (value instanceof PdfRef) {
    const current = builder.get(value) ?? reader.resolve(value);
    const items = current instanceof PdfArray ? [...current.items] : [];
    builder.set(value, new PdfArray([...items, item]));
    return;
  }
  const items = value instanceof PdfArray ? [...value.items] : [];
  owner.set(key, new PdfArray([...items, item]));
}

/** Copies `value`, replacing references found in `map` (appearance objects get new numbers). */
export function renumber(value: PdfObject, map: ReadonlyMap<string, PdfRef>, depth = 0): PdfObject {
  if (depth > 64) throw pdfFieldInvalid('appearance nested too deeply');
  if (value instanceof PdfRef) return map.get(value.key) ?? value;
  if (value instanceof PdfArray)
    return new PdfArray(value.items.map((item) => renumber(item, map, depth + 1)));
  if (value instanceof PdfDict) {
    return new PdfDict([...value.entries].map(([k, v]) => [k, renumber(v, map, depth + 1)] as const));
  }
  if (value instanceof PdfStream)
    return new PdfStream(renumber(value.dict, map, depth + 1) as PdfDict, value.data);
  return value;
}

/** Adds the appearance XObject and its objects; returns the XObject's reference. */
function addAppearance(builder: RevisionBuilder, appearance: SignatureAppearance): PdfRef {
  const map = new Map<string, PdfRef>();
  for (const object of appearance.objects ?? []) map.set(object.ref.key, builder.allocate());
  for (const object of appearance.objects ?? [])
    builder.set(map.get(object.ref.key)!, renumber(object.value, map));
  return builder.add(renumber(appearance.xobject, map));
}

/** An empty appearance: PDF 2.0 and PDF/A want /AP on every visible widget. */
function emptyAppearance(width: number, height: number): PdfStream {
  return new PdfStream(
    pdfDict({
      Type: pdfName('XObject'),
      Subtype: pdfName('Form'),
      BBox: pdfRect(0, 0, width, height),
      Resources: new PdfDict(),
    }),
    new Uint8Array(0),
  );
}

export function validateFieldName(name: string): void {
  if (name.length === 0 || name.length > 256 || name.includes('.')) {
    throw pdfFieldInvalid('field names must be 1–256 characters without a period', { fieldName: name });
  }
}

export interface PlacedField {
  readonly fieldName: string;
  /** The field dictionary to which /V is added (already registered in the builder). */
  readonly field: PdfDict;
}

/**
 * Places a signature field whose /V will be `signatureRef`: fills an existing empty /Sig field, or
 * creates a field+widget on the page and registers it in /AcroForm /Fields and the page's /Annots.
 */
export function placeSignatureField(
  reader: PdfReader,
  builder: RevisionBuilder,
  editor: CatalogEditor,
  options: SignatureFieldOptions,
  signatureRef: PdfRef,
): PlacedField {
  validateFieldName(options.fieldName);
  const acroForm = editor.editDict('AcroForm');
  const sigFlags = acroForm.number('SigFlags') ?? 0;
  acroForm.set('SigFlags', pdfNumber((Number.isInteger(sigFlags) ? sigFlags : 0) | 3));
  const existing = reader.formFields().find((field) => field.name === options.fieldName);
  if (existing) {
    if (existing.fieldType !== 'Sig')
      throw pdfFieldInvalid('the field is not a signature field', { fieldName: options.fieldName });
    if (existing.value !== undefined)
      throw pdfFieldInvalid('the field is already signed', { fieldName: options.fieldName });
    if (!existing.ref)
      throw pdfFieldInvalid('the field is not an indirect object', { fieldName: options.fieldName });
    const field = existing.dict.clone();
    field.set('V', signatureRef);
    builder.set(existing.ref, field);
    if (options.appearance) {
      const apRef = addAppearance(builder, options.appearance);
      const widget = findWidget(reader, builder, existing.ref, field);
      widget.dict.set('AP', pdfDict({ N: apRef }));
      if (widget.ref && !widget.ref.equals(existing.ref)) builder.set(widget.ref, widget.dict);
    }
    return { fieldName: options.fieldName, field };
  }
  const pageIndex = options.pageIndex ?? 0;
  const page = reader.page(pageIndex);
  const rect = options.rect ?? [0, 0, 0, 0];
  if (rect.length !== 4 || !rect.every((n) => Number.isFinite(n))) throw pdfFieldInvalid('bad rectangle');
  const visible = rect[2] !== rect[0] && rect[3] !== rect[1];
  const field = pdfDict({
    FT: pdfName('Sig'),
    T: PdfString.fromText(options.fieldName),
    V: signatureRef,
    Type: pdfName('Annot'),
    Subtype: pdfName('Widget'),
    Rect: pdfRect(...(rect as [number, number, number, number])),
    F: pdfNumber(WIDGET_FLAGS),
    P: page.ref,
  });
  if (options.appearance) field.set('AP', pdfDict({ N: addAppearance(builder, options.appearance) }));
  else if (visible) {
    const width = Math.abs(rect[2] - rect[0]);
    const height = Math.abs(rect[3] - rect[1]);
    field.set('AP', pdfDict({ N: builder.add(emptyAppearance(width, height)) }));
  }
  const fieldRef = builder.add(field);
  appendToArray(reader, builder, acroForm, 'Fields', fieldRef);
  const pageDict = (builder.get(page.ref) as PdfDict | undefined) ?? page.dict.clone();
  appendToArray(reader, builder, pageDict, 'Annots', fieldRef);
  builder.set(page.ref, pageDict);
  return { fieldName: options.fieldName, field };
}

/** The widget of a field: the field itself when merged, else its first kid. */
function findWidget(reader: PdfReader, builder: RevisionBuilder, fieldRef: PdfRef, field: PdfDict): Editable {
  if (field.name('Subtype') === 'Widget') return { dict: field, ref: fieldRef };
  const kids = reader.resolve(field.get('Kids'));
  const first = kids instanceof PdfArray ? kids.get(0) : undefined;
  if (first instanceof PdfRef) {
    const dict = (builder.get(first) as PdfDict | undefined) ?? reader.dict(first)?.clone();
    if (dict) return { dict, ref: first };
  }
  throw pdfFieldInvalid('the field has no widget annotation');
}
