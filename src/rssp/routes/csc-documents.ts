/** signDoc's entries as sent (csc-shapes.ts) → the typed entries of DocumentSigningService: level, envelope, decoded documents. */
import type { z } from 'zod';
import type { SignatureLevel } from '../../ades/index.ts';
import { type DocumentDigestRequest, type DocumentRequest, documentsTooLarge } from '../documents.ts';
import { CSC, invalidRequest } from '../errors.ts';
import type { documentDigestSchema, documentSchema } from './csc-shapes.ts';

const LEVELS: Record<string, SignatureLevel> = {
  'ades-b-b': 'B-B',
  'ades-b-t': 'B-T',
  'ades-b-lt': 'B-LT',
  'ades-b-lta': 'B-LTA',
};

type DigestEntry = z.output<typeof documentDigestSchema>;
type DocumentEntry = z.output<typeof documentSchema>;

/** conformance_level and signed_envelope_property of one entry (the shape checked their types). */
function entryOptions(entry: DigestEntry | DocumentEntry): {
  format: 'P' | 'C';
  level: SignatureLevel;
  certification: boolean;
} {
  const format = entry.signature_format;
  const raw = entry.conformance_level;
  let level: SignatureLevel = 'B-B';
  if (raw !== undefined && raw !== null) {
    const found = LEVELS[raw.toLowerCase()];
    if (found === undefined) throw CSC.invalidParameter('conformance_level');
    level = found;
  }
  const envelope = entry.signed_envelope_property;
  // CAdES: only detached signatures are produced (absent means Detached here).
  const envelopes = format === 'P' ? ['Certification', 'Revision'] : ['Detached'];
  if (envelope !== undefined && envelope !== null && !envelopes.includes(envelope)) {
    throw CSC.invalidParameter('signed_envelope_property');
  }
  return { format, level, certification: envelope === 'Certification' };
}

/** The algorithm fields of one entry, without the absent ones. */
function algorithmOf(entry: DigestEntry | DocumentEntry) {
  return {
    signAlgo: entry.signAlgo,
    ...(entry.hashAlgorithmOID == null ? {} : { hashAlgorithmOid: entry.hashAlgorithmOID }),
    ...(entry.signAlgoParams == null ? {} : { signAlgoParams: entry.signAlgoParams }),
  };
}

/** documentDigests of signDoc. */
function documentDigestsOf(entries: readonly DigestEntry[]): DocumentDigestRequest[] {
  return entries.map((entry) => {
    const { format, level } = entryOptions(entry);
    return { hashes: entry.hashes, signatureFormat: format, level, ...algorithmOf(entry) };
  });
}

/** documents of signDoc: strict Base64 (the shape), decoded size limited per request. */
function documentsOf(entries: readonly DocumentEntry[], maxBytes: number): DocumentRequest[] {
  let total = 0;
  return entries.map((entry) => {
    const { format, level, certification } = entryOptions(entry);
    total += (entry.document.length / 4) * 3;
    if (total > maxBytes + 2) throw documentsTooLarge(maxBytes);
    return {
      document: Buffer.from(entry.document, 'base64'),
      signatureFormat: format,
      level,
      ...(certification ? { certification } : {}),
      ...algorithmOf(entry),
    };
  });
}

/** Both lists as sent: at least one entry, in one of them (the shape refused both or neither). */
export function signDocEntries(
  body: {
    documentDigests?: readonly DigestEntry[] | null | undefined;
    documents?: readonly DocumentEntry[] | null | undefined;
  },
  maxBytes: number,
): { documentDigests?: DocumentDigestRequest[]; documents?: DocumentRequest[] } {
  const hasDigests = body.documentDigests != null;
  const hasDocuments = body.documents != null;
  if (hasDigests && hasDocuments)
    throw invalidRequest('Both documentDigests and documents parameters passed');
  if (!hasDigests && !hasDocuments) throw invalidRequest('Empty documentDigests and documents objects');
  const documentDigests = documentDigestsOf(body.documentDigests ?? []);
  const documents = documentsOf(body.documents ?? [], maxBytes);
  if (documentDigests.length + documents.length === 0)
    throw invalidRequest('Empty documentDigests and documents objects');
  return hasDigests ? { documentDigests } : { documents };
}
