/**
 * Validation of every signature and document timestamp in a PDF (PAdES, ETSI EN 319 142-1; any
 * producer): coverage of the byte range, the CMS checks, document timestamps as proof of existence
 * for what they cover, the achieved baseline level, and what later revisions changed.
 */

import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import {
  type DocumentSecurityStore,
  extractDss,
  listSignatures,
  openPdf,
  type PdfReader,
  type PdfSignatureInfo,
} from '../pdf/index.ts';
import type { ParsedCertificate } from '../pki/index.ts';
import { adobeRevocationValues, type HashName, type ParsedCms, parseCms } from './cms.ts';
import { addRevocation, type ValidationContext } from './context.ts';
import { noSignatures, unusableInput } from './errors.ts';
import { parseCertificateOnce } from './facts.ts';
import { allowedLevel, levelRank, revisionChanges } from './modifications.ts';
import { orphanSignatures } from './orphans.ts';
import { reason } from './reasons.ts';
import { type Verdict, validateCmsSignature } from './signature.ts';
import { validateTimestamp } from './timestamps.ts';
import type {
  AchievedLevel,
  ModificationAnalysis,
  ModificationLevel,
  Reason,
  RevisionChange,
  SignatureValidationResult,
} from './types.ts';

const MAX_SIGNATURES = 64;
const MAX_REVISIONS = 256;

function rangeDigest(bytes: Uint8Array, info: PdfSignatureInfo): (hash: HashName) => Buffer {
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

const rangeUsable = (info: PdfSignatureInfo, size: number): boolean => {
  const r = info.byteRange;
  return (
    r !== undefined &&
    r.length === 4 &&
    r.every((n) => Number.isSafeInteger(n) && n >= 0) &&
    r[0]! + r[1]! <= r[2]! &&
    r[2]! + r[3]! <= size
  );
};

function formatOf(info: PdfSignatureInfo): SignatureValidationResult['format'] {
  if (info.subFilter === 'ETSI.RFC3161') return 'RFC3161';
  if (info.subFilter === 'ETSI.CAdES.detached') return 'PAdES';
  return 'PKCS7';
}

function coverageVerdict(info: PdfSignatureInfo): Verdict | undefined {
  if (info.coversRevision) return undefined;
  return {
    indication: 'TOTAL_FAILED',
    subIndication: 'FORMAT_FAILURE',
    reason: reason(
      'BYTE_RANGE_INVALID',
      `署名欄「${info.fieldName}」の /ByteRange が、ファイルの先頭から署名値（/Contents）以外のすべてを覆っていません。署名されていない部分が隠れている可能性があります。`,
      `The /ByteRange of field "${info.fieldName}" does not cover everything from the start of the file except the signature value (/Contents); unsigned bytes may be hidden.`,
      info.revisionIndex === undefined ? undefined : { revision: info.revisionIndex },
    ),
  };
}

function analyse(
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

function modificationVerdict(analysis: ModificationAnalysis | undefined): Verdict | undefined {
  const bad =
    analysis?.changes.find((c) => !c.allowed && c.level === 'OTHER') ??
    analysis?.changes.find((c) => !c.allowed);
  if (bad === undefined) return undefined;
  const content = bad.level === 'OTHER';
  return {
    indication: content ? 'TOTAL_FAILED' : 'INDETERMINATE',
    subIndication: content ? 'HASH_FAILURE' : 'SIG_CONSTRAINTS_FAILURE',
    reason: reason(
      content ? 'MODIFIED_AFTER_SIGNING' : 'MODIFICATION_NOT_PERMITTED',
      `署名後の改訂 ${bad.revision}（増分更新）で${bad.description.ja}。${content ? '表示される文書は署名された内容と異なります。' : 'この変更は文書の変更許可（DocMDP）で認められていません。'}`,
      `Revision ${bad.revision} (an incremental update after signing): ${bad.description.en}. ${content ? 'The document as displayed is not the signed content.' : 'This change is not permitted by the document modification permissions (DocMDP).'}`,
      { revision: bad.revision },
    ),
  };
}

function loadDss(context: ValidationContext, dss: DocumentSecurityStore): void {
  const certificates = [...dss.certificates, ...dss.vri.flatMap((v) => v.certificates)];
  for (const der of certificates.slice(0, 1024)) {
    try {
      context.pool.add(parseCertificateOnce(der));
    } catch {
      // An unreadable DSS certificate is ignored; the chain will say what is missing.
    }
  }
  addRevocation(context, {
    crls: [...dss.crls, ...dss.vri.flatMap((v) => v.crls)],
    ocspResponses: [...dss.ocspResponses, ...dss.vri.flatMap((v) => v.ocspResponses)],
  });
}

/**
 * The CMS inside /Contents without its zero padding. pdf's `cms` strips trailing zeros, which also
 * strips the end-of-contents octets of a BER indefinite-length CMS (NSS, so pdfsig, writes those);
 * asn1js tells where the first element really ends.
 */
function cmsBytes(info: PdfSignatureInfo): Uint8Array {
  try {
    const parsed = asn1js.fromBER(new Uint8Array(info.contents));
    if (parsed.offset > 0 && parsed.offset <= info.contents.length)
      return info.contents.subarray(0, parsed.offset);
  } catch {
    // Fall back to the stripped value; parseCms reports what is wrong with it.
  }
  return info.cms;
}

interface Entry {
  readonly info: PdfSignatureInfo;
  readonly cms: ParsedCms | undefined;
  readonly cmsError: string | undefined;
}

export async function validatePdfSignatures(
  bytes: Uint8Array,
  context: ValidationContext,
): Promise<{ results: SignatureValidationResult[]; revisions: number }> {
  const reader: PdfReader = await openPdf(bytes);
  try {
    const listed = await listSignatures(bytes);
    const orphans = orphanSignatures(reader, listed);
    const signatures = [...listed, ...orphans].sort(
      (x, y) => (x.revisionIndex ?? 0) - (y.revisionIndex ?? 0),
    );
    if (signatures.length === 0) throw noSignatures();
    if (signatures.length > MAX_SIGNATURES) throw unusableInput(`more than ${MAX_SIGNATURES} signatures`);
    // Each revision is compared with the one before it: bounded so that a crafted file cannot make this quadratic work huge.
    if (reader.revisions.length > MAX_REVISIONS) throw unusableInput(`more than ${MAX_REVISIONS} revisions`);
    loadDss(context, await extractDss(bytes));
    const entries: Entry[] = signatures.map((info) => {
      try {
        const cms = parseCms(cmsBytes(info));
        context.pool.add(...(cms.certificates as ParsedCertificate[]));
        addRevocation(context, cms);
        addRevocation(context, adobeRevocationValues(cms.signerInfo));
        return { info, cms, cmsError: undefined };
      } catch (error) {
        return { info, cms: undefined, cmsError: (error as Error).message };
      }
    });
    const changes = await revisionChanges(bytes, reader);
    const certification = signatures.find((s) => s.docMdpPermissions !== undefined)?.docMdpPermissions;
    const allowed = allowedLevel(certification);
    const docTs = entries
      .filter((e) => formatOf(e.info) === 'RFC3161')
      .sort((x, y) => (y.info.revisionIndex ?? -1) - (x.info.revisionIndex ?? -1));
    const docTsRevisions = new Set(
      docTs.map((e) => e.info.revisionIndex).filter((r): r is number => r !== undefined),
    );
    const results = new Map<Entry, SignatureValidationResult>();
    /** Valid document timestamps: revision they sit in and their time. */
    const provenBy: { revision: number; time: Date }[] = [];
    const poeFor = (revision: number | undefined): Date[] =>
      revision === undefined ? [] : provenBy.filter((p) => p.revision > revision).map((p) => p.time);
    const earliest = (dates: Date[]): Date =>
      dates.sort((a, b) => a.getTime() - b.getTime())[0] ?? context.validationTime;
    let tIndex = docTs.length;
    for (const entry of docTs) {
      const { info } = entry;
      const analysis = analyse(info.revisionIndex, changes, docTsRevisions, allowed);
      const base = {
        id: `T${tIndex--}`,
        kind: 'document-timestamp' as const,
        format: 'RFC3161' as const,
        fieldName: info.fieldName,
        level: 'none' as AchievedLevel,
        chain: [],
        coverage: coverage(info),
        ...(analysis ? { modifications: analysis } : {}),
      };
      const structural = coverageVerdict(info);
      if (structural || !rangeUsable(info, bytes.length)) {
        const verdict = structural ?? formatFailure(info, 'byte range');
        results.set(entry, {
          ...base,
          indication: verdict.indication,
          subIndication: verdict.subIndication,
          bestSignatureTime: context.validationTime.toISOString(),
          timestamps: [],
          reasons: [verdict.reason],
          warnings: [],
        });
        continue;
      }
      const check = await validateTimestamp(
        cmsBytes(info),
        'document-timestamp',
        rangeDigest(bytes, info),
        context,
        earliest(poeFor(info.revisionIndex)),
      );
      if (check.provenTime && info.revisionIndex !== undefined)
        provenBy.push({ revision: info.revisionIndex, time: check.provenTime });
      results.set(entry, {
        ...base,
        indication: check.result.indication,
        ...(check.result.subIndication ? { subIndication: check.result.subIndication } : {}),
        ...(check.tsaCertificate ? { signer: check.result.tsa } : {}),
        bestSignatureTime: (check.provenTime ?? context.validationTime).toISOString(),
        timestamps: [check.result],
        reasons: check.result.indication === 'TOTAL_PASSED' ? [] : check.result.reasons,
        warnings: check.result.indication === 'TOTAL_PASSED' ? check.result.reasons : [],
      });
    }
    let sIndex = 0;
    for (const entry of entries) {
      if (formatOf(entry.info) === 'RFC3161') continue;
      sIndex += 1;
      const result = await validateSignatureEntry(
        entry,
        `S${sIndex}`,
        bytes,
        context,
        changes,
        docTsRevisions,
        allowed,
        poeFor(entry.info.revisionIndex),
        earliest(poeFor(entry.info.revisionIndex)),
      );
      results.set(
        entry,
        orphans.includes(entry.info)
          ? { ...result, warnings: [...result.warnings, orphanWarning(entry.info)] }
          : result,
      );
    }
    return { results: entries.map((e) => results.get(e)!), revisions: reader.revisions.length };
  } finally {
    reader.close();
  }
}

function orphanWarning(info: PdfSignatureInfo): Reason {
  return reason(
    'FIELD_NOT_IN_FORM',
    `署名欄「${info.fieldName}」はページの注釈にはありますが、フォーム（AcroForm /Fields）に登録されていません。表示ソフトによってはこの署名が表示されません。`,
    `Signature field "${info.fieldName}" is in a page's annotations but not in the form (AcroForm /Fields); some viewers will not show this signature.`,
    info.revisionIndex === undefined ? undefined : { revision: info.revisionIndex },
  );
}

function coverage(info: PdfSignatureInfo) {
  return {
    ...(info.revisionIndex === undefined ? {} : { revision: info.revisionIndex }),
    ...(info.byteRange ? { byteRange: info.byteRange } : {}),
    coversRevision: info.coversRevision,
    coversWholeFile: info.coversWholeFile,
  };
}

function formatFailure(info: PdfSignatureInfo, what: string): Verdict {
  return {
    indication: 'TOTAL_FAILED',
    subIndication: 'FORMAT_FAILURE',
    reason: reason(
      'SIGNATURE_UNREADABLE',
      `署名欄「${info.fieldName}」の署名を読み取れません（${what}）。`,
      `The signature in field "${info.fieldName}" cannot be read (${what}).`,
      info.revisionIndex === undefined ? undefined : { revision: info.revisionIndex },
    ),
  };
}

async function validateSignatureEntry(
  entry: Entry,
  id: string,
  bytes: Uint8Array,
  context: ValidationContext,
  changes: readonly RevisionChange[][],
  docTsRevisions: ReadonlySet<number>,
  allowed: ModificationLevel,
  documentPoe: Date[],
  timestampPoe: Date,
): Promise<SignatureValidationResult> {
  const { info, cms } = entry;
  const analysis = analyse(info.revisionIndex, changes, docTsRevisions, allowed);
  const base = {
    id,
    kind: 'signature' as const,
    format: formatOf(info),
    fieldName: info.fieldName,
    coverage: coverage(info),
    ...(analysis ? { modifications: analysis } : {}),
  };
  if (cms === undefined || !rangeUsable(info, bytes.length)) {
    const verdict =
      coverageVerdict(info) ??
      formatFailure(info, cms === undefined ? (entry.cmsError ?? 'CMS') : 'byte range');
    return {
      ...base,
      indication: verdict.indication,
      subIndication: verdict.subIndication,
      level: 'none',
      chain: [],
      bestSignatureTime: context.validationTime.toISOString(),
      timestamps: [],
      reasons: [verdict.reason],
      warnings: [],
    };
  }
  const structural = [coverageVerdict(info), modificationVerdict(analysis)].filter(
    (v): v is Verdict => v !== undefined,
  );
  const [a, b, c, d] = info.byteRange as [number, number, number, number];
  const claimedFallback = info.signingTime ? pdfDate(info.signingTime) : undefined;
  const outcome = await validateCmsSignature(
    {
      cms,
      contentDigest: rangeDigest(bytes, info),
      content: () => Buffer.concat([bytes.subarray(a, a + b), bytes.subarray(c, c + d)]),
      ...(claimedFallback ? { claimedTimeFallback: claimedFallback } : {}),
      documentPoe,
      timestampPoe,
      structuralVerdicts: structural,
      isPades: info.subFilter === 'ETSI.CAdES.detached',
    },
    context,
  );
  const warnings: Reason[] = [...outcome.warnings];
  if (analysis && analysis.changes.length > 0 && !structural.some((v) => v.reason.code.startsWith('MODIF'))) {
    const highest = analysis.level;
    if (levelRank(highest) > levelRank('LTA_UPDATES')) {
      warnings.push(
        reason(
          'PERMITTED_CHANGES',
          `署名後の改訂 ${analysis.laterRevisions.join(', ')} に許可された変更（${highest}）があります。`,
          `Revisions ${analysis.laterRevisions.join(', ')} after signing contain permitted changes (${highest}).`,
          { revision: analysis.laterRevisions[0]! },
        ),
      );
    }
  }
  let level = outcome.baseLevel;
  if (level === 'B-LT' && documentPoe.length > 0) level = 'B-LTA';
  return {
    ...base,
    indication: outcome.indication,
    ...(outcome.subIndication ? { subIndication: outcome.subIndication } : {}),
    level,
    ...(outcome.signer ? { signer: outcome.signer } : {}),
    chain: outcome.chain,
    ...(outcome.claimedSigningTime ? { claimedSigningTime: outcome.claimedSigningTime } : {}),
    bestSignatureTime: outcome.bestSignatureTime,
    ...(outcome.digestAlgorithm ? { digestAlgorithm: outcome.digestAlgorithm } : {}),
    timestamps: outcome.timestamps,
    reasons: outcome.reasons,
    warnings,
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
