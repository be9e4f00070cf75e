/** Per-signature facts of a PDF signature: its byte range, coverage, format and what changed after it. */
import { createHash } from 'node:crypto';
import type { PdfSignatureInfo } from '../pdf/index.ts';
import type { HashName } from './cms.ts';
import { levelRank } from './modifications.ts';
import { reason } from './reasons.ts';
import type { Verdict } from './signature.ts';
import type {
  ModificationAnalysis,
  ModificationLevel,
  Reason,
  ReasonSubject,
  RevisionChange,
  SignatureValidationResult,
} from './types.ts';

export function rangeDigest(bytes: Uint8Array, info: PdfSignatureInfo): (hash: HashName) => Buffer {
  const [a, b, c, d] = info.byteRange as [number, number, number, number];
  const cache = new Map<HashName, Buffer>();
  return (hash) => {
    let value = cache.get(hash);
    if (value === undefined) {
      value = createHash(hash)
        .update(bytes.subarray(a, a + b))
        .update(bytes.subarray(c, c + d))
        .digest();
      cache.set(hash, value);
    }
    return value;
  };
}

export const rangeUsable = (info: PdfSignatureInfo, size: number): boolean => {
  const r = info.byteRange;
  return (
    r !== undefined &&
    r.length === 4 &&
    r.every((n) => Number.isSafeInteger(n) && n >= 0) &&
    r[0]! + r[1]! <= r[2]! &&
    r[2]! + r[3]! <= size
  );
};

export function formatOf(info: PdfSignatureInfo): SignatureValidationResult['format'] {
  if (info.subFilter === 'ETSI.RFC3161') return 'RFC3161';
  if (info.subFilter === 'ETSI.CAdES.detached') return 'PAdES';
  return 'PKCS7';
}

const revisionOf = (info: PdfSignatureInfo): ReasonSubject | undefined =>
  info.revisionIndex === undefined ? undefined : { revision: info.revisionIndex };

export function coverageVerdict(info: PdfSignatureInfo): Verdict | undefined {
  if (info.coversRevision) return undefined;
  return {
    indication: 'TOTAL_FAILED',
    subIndication: 'FORMAT_FAILURE',
    reason: reason('BYTE_RANGE_INVALID', { field: info.fieldName }, { subject: revisionOf(info) }),
  };
}

export function analyse(
  revision: number | undefined,
  changes: readonly RevisionChange[][],
  docTimestampRevisions: ReadonlySet<number>,
  allowed: ModificationLevel,
): ModificationAnalysis | undefined {
  if (revision === undefined) return undefined;
  const later: number[] = [];
  const found: RevisionChange[] = [];
  let level: ModificationLevel = 'NONE';
  for (let k = revision + 1; k < changes.length; k += 1) {
    later.push(k);
    for (const change of changes[k]!) {
      // A document timestamp adds its own field and widget: that is an LTA update (ISO 32000-2 §12.8.2.2.2).
      const effective: ModificationLevel =
        docTimestampRevisions.has(k) && change.level === 'FORM_FILLING' ? 'LTA_UPDATES' : change.level;
      if (levelRank(effective) > levelRank(level)) level = effective;
      found.push({ ...change, level: effective, allowed: levelRank(effective) <= levelRank(allowed) });
    }
  }
  return { laterRevisions: later, level, allowedLevel: allowed, changes: found };
}

/**
 * A change DocMDP does not permit is a failed signature acceptance constraint (ETSI EN 319 102-1
 * §5.2.8, as EU DSS reports it): INDETERMINATE / SIG_CONSTRAINTS_FAILURE. It is never HASH_FAILURE —
 * the signed bytes are intact; what a reader shows now is not what they say.
 */
export function modificationVerdict(analysis: ModificationAnalysis | undefined): Verdict | undefined {
  // The gravest change not permitted explains most (an overlay annotation, not the page list it joined).
  const bad = analysis?.changes
    .filter((c) => !c.allowed)
    .reduce<RevisionChange | undefined>(
      (w, c) => (w && levelRank(w.level) >= levelRank(c.level) ? w : c),
      undefined,
    );
  if (bad === undefined) return undefined;
  const content = bad.level === 'OTHER';
  return {
    indication: 'INDETERMINATE',
    subIndication: 'SIG_CONSTRAINTS_FAILURE',
    reason: reason(
      content ? 'MODIFIED_AFTER_SIGNING' : 'MODIFICATION_NOT_PERMITTED',
      { revision: bad.revision, change: bad.description },
      { subject: { revision: bad.revision } },
    ),
  };
}

/**
 * Bytes after the last %%EOF that a reader could take for a revision (objects, a cross-reference
 * section, a trailer): some viewers show them, so no signature can vouch for what is displayed.
 */
export function trailingDataVerdict(bytes: Uint8Array, end: number): Verdict | undefined {
  if (end >= bytes.length) return undefined;
  const tail = Buffer.from(bytes.subarray(end, end + 1024 * 1024)).toString('latin1');
  if (!/\bobj\b|\bxref\b|\btrailer\b|\bstartxref\b|\bstream\b/.test(tail)) return undefined;
  return {
    indication: 'INDETERMINATE',
    subIndication: 'SIG_CONSTRAINTS_FAILURE',
    reason: reason('UNSIGNED_DATA_AFTER_EOF', { bytes: bytes.length - end }),
  };
}

export function orphanWarning(info: PdfSignatureInfo): Reason {
  return reason('FIELD_NOT_IN_FORM', { field: info.fieldName }, { subject: revisionOf(info) });
}

export function coverage(info: PdfSignatureInfo) {
  return {
    revision: info.revisionIndex,
    ...(info.byteRange ? { byteRange: info.byteRange } : {}),
    coversRevision: info.coversRevision,
    coversWholeFile: info.coversWholeFile,
  };
}

export function formatFailure(info: PdfSignatureInfo, what: string): Verdict {
  return {
    indication: 'TOTAL_FAILED',
    subIndication: 'FORMAT_FAILURE',
    reason: reason('SIGNATURE_UNREADABLE', { field: info.fieldName, what }, { subject: revisionOf(info) }),
  };
}

/** PDF date (D:YYYYMMDDHHmmSSOHH'mm) to a Date; undefined when unreadable. */
export function pdfDate(text: string): Date | undefined {
  const m = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Z+-])?(\d{2})?'?(\d{2})?/.exec(text);
  if (!m) return undefined;
  const [y, mo = '01', da = '01', h = '00', mi = '00', s = '00', sign = 'Z', oh = '00', om = '00'] =
    m.slice(1);
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(s));
  const offset = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === '-' ? -1 : sign === '+' ? 1 : 0);
  const date = new Date(utc - offset);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
