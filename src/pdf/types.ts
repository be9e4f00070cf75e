/** Public types of the PDF module (used by `src/ades`, `src/validation`, `src/contracts`). */
import type { PdfDict, PdfObject, PdfRef, PdfStream } from './objects.ts';

/** A PDF given by path (read lazily, copied by streaming) or held in memory. */
export type PdfSource = string | Uint8Array;

/** Bounds on what the reader accepts; defaults in `DEFAULT_PDF_LIMITS`. */
export interface PdfReadLimits {
  /** Largest file accepted at all (SHOMEI_PDF_TOO_LARGE). */
  readonly maxFileBytes: number;
  /** Largest number of objects in the cross-reference (sum over revisions). */
  readonly maxObjects: number;
  /** Deepest array/dictionary nesting and deepest chain of references followed. */
  readonly maxDepth: number;
  /** Largest stream the reader loads into memory (xref streams, object streams, DSS entries). */
  readonly maxStreamBytes: number;
  /** Largest decoded size of a stream (guards against decompression bombs). */
  readonly maxDecodedStreamBytes: number;
  /** Most cross-reference sections followed through /Prev. */
  readonly maxRevisions: number;
}

/** [offset1, length1, offset2, length2]: the bytes covered by a signature. */
export type ByteRange = readonly [number, number, number, number];

/** One revision: bytes [0, endOffset) form that version of the document. */
export interface PdfRevision {
  /** 0 for the original document. */
  readonly index: number;
  /** Byte offset just after this revision's `%%EOF` (and its end-of-line). */
  readonly endOffset: number;
  /** Byte offset just after the `%%EOF` marker (before its end-of-line). */
  readonly eofOffset: number;
  /** Offset of this revision's cross-reference section (the `startxref` value). */
  readonly xrefOffset: number;
  readonly xrefKind: 'table' | 'stream';
  /** Object numbers given an entry (added or changed) in this revision's cross-reference section. */
  readonly objectNumbers: readonly number[];
  /** Object numbers freed (entry type f) in this revision, excluding object 0. */
  readonly freedObjectNumbers: readonly number[];
}

export interface PdfPageInfo {
  readonly index: number;
  readonly ref: PdfRef;
  readonly dict: PdfDict;
  /** [llx, lly, urx, ury] from the page or an ancestor. */
  readonly mediaBox: readonly [number, number, number, number];
  readonly cropBox: readonly [number, number, number, number];
  /** /Rotate normalised to 0, 90, 180 or 270. */
  readonly rotation: 0 | 90 | 180 | 270;
}

export interface PdfFormField {
  /** Fully qualified name (`parent.child`). */
  readonly name: string;
  readonly ref: PdfRef | undefined;
  readonly dict: PdfDict;
  /** /FT, inherited from parents. */
  readonly fieldType: string | undefined;
  /** /V when present (resolved). */
  readonly value: PdfObject | undefined;
}

export type SignatureSubFilter = 'ETSI.CAdES.detached' | 'ETSI.RFC3161' | 'adbe.pkcs7.detached';

/** An appearance for a visible signature: a form XObject and the objects its resources refer to. */
export interface SignatureAppearance {
  /** The form XObject (/Type /XObject /Subtype /Form /BBox …). */
  readonly xobject: PdfStream;
  /**
   * Further objects the XObject's resources refer to, by a placeholder reference chosen by the
   * caller (any object numbers); the writer renumbers them into the new revision.
   */
  readonly objects?: readonly { readonly ref: PdfRef; readonly value: PdfObject }[];
}

export interface SignatureFieldOptions {
  /** Field name: a new field, or an existing unsigned /Sig field. */
  readonly fieldName: string;
  /** Zero-based page index for the widget (default 0). */
  readonly pageIndex?: number | undefined;
  /** [x1, y1, x2, y2] in default user space; omitted or all zero means an invisible signature. */
  readonly rect?: readonly [number, number, number, number] | undefined;
  readonly appearance?: SignatureAppearance | undefined;
}

export interface SignaturePlaceholderOptions extends SignatureFieldOptions {
  /** Default `ETSI.CAdES.detached`; `ETSI.RFC3161` makes a document timestamp (/Type /DocTimeStamp). */
  readonly subFilter?: SignatureSubFilter;
  /** /M: the claimed signing time (not for document timestamps). */
  readonly signingTime?: Date | undefined;
  readonly reason?: string | undefined;
  readonly location?: string | undefined;
  readonly contactInfo?: string | undefined;
  readonly signerName?: string | undefined;
  /** Bytes reserved for the DER CMS (the hole holds twice as many hex digits). Default 16384. */
  readonly contentsSize?: number;
  /** DocMDP certification: 1 no changes, 2 form filling and signing, 3 also annotations. */
  readonly docMdpPermissions?: 1 | 2 | 3 | undefined;
  /** Where to write the prepared PDF; without it the result is returned in memory. */
  readonly output?: string;
}

/** Where the signature value goes: a hex string hole of `capacity` bytes at `contentsOffset`. */
export interface SignaturePlaceholder {
  readonly byteRange: ByteRange;
  /** Offset of the `<` that opens the /Contents hex string. */
  readonly contentsOffset: number;
  /** Capacity in DER bytes (the hole has 2 × capacity hex digits). */
  readonly capacity: number;
}

export interface PreparedSignature {
  /** The prepared file when `output` was given. */
  readonly path: string | undefined;
  /** The prepared document when no `output` was given. */
  readonly bytes: Uint8Array | undefined;
  readonly placeholder: SignaturePlaceholder;
  readonly byteRange: ByteRange;
  readonly fieldName: string;
  /** Streams the covered ranges of the prepared document through node:crypto. */
  digestByteRange(algorithm: 'sha256' | 'sha384' | 'sha512'): Promise<Buffer>;
}

export interface WriteResult {
  readonly path: string | undefined;
  readonly bytes: Uint8Array | undefined;
}

export interface DssMaterial {
  readonly certificates?: readonly Uint8Array[];
  readonly crls?: readonly Uint8Array[];
  readonly ocspResponses?: readonly Uint8Array[];
  /** Per-signature entries (/VRI), keyed as `vriKey` describes. */
  readonly vri?: readonly VriEntryInput[];
}

export interface VriEntryInput {
  /**
   * The signature's /Contents string exactly as stored, zero padding included
   * (`PdfSignatureInfo.contents`), or its SHA-1 as 40 hex digits. ISO 32000-2 §12.8.4.4 keys /VRI by
   * the SHA-1 of the /Contents value; Adobe and pyHanko hash the whole string, padding and all.
   */
  readonly signature: Uint8Array | string;
  readonly certificates?: readonly Uint8Array[];
  readonly crls?: readonly Uint8Array[];
  readonly ocspResponses?: readonly Uint8Array[];
  /** /TU: when the validation data was gathered. */
  readonly time?: Date;
}

export interface VriEntry {
  readonly key: string;
  readonly certificates: readonly Uint8Array[];
  readonly crls: readonly Uint8Array[];
  readonly ocspResponses: readonly Uint8Array[];
  readonly time: string | undefined;
}

export interface DocumentSecurityStore {
  readonly certificates: readonly Uint8Array[];
  readonly crls: readonly Uint8Array[];
  readonly ocspResponses: readonly Uint8Array[];
  readonly vri: readonly VriEntry[];
}

export interface PdfSignatureInfo {
  readonly fieldName: string;
  /** /Type of the value dictionary: `Sig` or `DocTimeStamp` (absent in some files). */
  readonly type: string | undefined;
  readonly filter: string | undefined;
  readonly subFilter: string | undefined;
  readonly byteRange: readonly number[] | undefined;
  /** The /Contents string as stored (DER padded with zeros to the hole size); hash this for /VRI keys. */
  readonly contents: Uint8Array;
  /** /Contents up to the end of its first BER element (definite or indefinite lengths): the padding removed. */
  readonly cms: Uint8Array;
  readonly signingTime: string | undefined;
  readonly reason: string | undefined;
  readonly location: string | undefined;
  readonly contactInfo: string | undefined;
  readonly name: string | undefined;
  /** Index of the revision whose end the ByteRange reaches (undefined when it matches none). */
  readonly revisionIndex: number | undefined;
  /** True when the ByteRange starts at 0 and covers the whole file except exactly the /Contents string. */
  readonly coversWholeFile: boolean;
  /** True when the ByteRange covers exactly its revision except the /Contents string. */
  readonly coversRevision: boolean;
  /** The DocMDP permission when this signature is a certification signature. */
  readonly docMdpPermissions: 1 | 2 | 3 | undefined;
}
