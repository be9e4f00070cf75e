/**
 * Signatures that an earlier revision shows but the current one no longer does — a later revision
 * pointed /Root at another catalog or dropped the field. They are still validated (and their
 * modification analysis names what replaced them), never silently lost from the report.
 */
import { listSignatures, type PdfReader, type PdfSignatureInfo } from '../pdf/index.ts';
import { reason } from './reasons.ts';
import type { Reason } from './types.ts';

const identity = (info: PdfSignatureInfo): string =>
  info.byteRange === undefined ? `field:${info.fieldName}` : `range:${info.byteRange.join(',')}`;

export async function vanishedSignatures(
  bytes: Uint8Array,
  reader: PdfReader,
  listed: readonly PdfSignatureInfo[],
): Promise<PdfSignatureInfo[]> {
  const seen = new Set(listed.map(identity));
  const out: PdfSignatureInfo[] = [];
  for (const revision of reader.revisions.slice(0, -1)) {
    let found: PdfSignatureInfo[];
    try {
      found = await listSignatures(bytes.subarray(0, revision.endOffset));
    } catch {
      continue; // An unreadable earlier revision is reported by the modification analysis.
    }
    for (const info of found) {
      if (seen.has(identity(info))) continue;
      seen.add(identity(info));
      out.push({ ...info, coversWholeFile: false });
    }
  }
  return out;
}

export function vanishedWarning(info: PdfSignatureInfo): Reason {
  return reason(
    'SIGNATURE_NOT_IN_CURRENT_REVISION',
    { field: info.fieldName },
    { subject: info.revisionIndex === undefined ? undefined : { revision: info.revisionIndex } },
  );
}
