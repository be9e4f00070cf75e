// Draft: implementation follows.
import type { PdfObject, PdfRef } from './objects.ts';
import type { PdfReader } from './reader.ts';
import type { PdfSource, WriteResult } from './types.ts';

export interface IncrementalUpdate {
  /** A new object number in this revision. */
  allocate(): PdfRef;
  /** Adds a new object and returns its reference. */
  add(value: PdfObject): PdfRef;
  /** Replaces an object (existing or allocated) in this revision. */
  set(ref: PdfRef, value: PdfObject): void;
}

export async function appendRevision(
  _source: PdfSource,
  _build: (reader: PdfReader, update: IncrementalUpdate) => void | Promise<void>,
  _options: { output?: string } = {},
): Promise<WriteResult> {
  throw new Error('not implemented yet');
}
