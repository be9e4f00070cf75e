/**
 * Validation of every signature and document timestamp in a PDF (PAdES, ETSI EN 319 142-1; any
 * producer): coverage of the byte range, the CMS checks, document timestamps as proof of existence
 * for what they cover, the achieved baseline level, and what later revisions changed.
 */

import { isShomeiError } from '../errors/index.ts';
import {
  type DocumentSecurityStore,
  extractDss,
  listSignatures,
  openPdf,
  type PdfReader,
  type PdfSignatureInfo,
} from '../pdf/index.ts';
import type { ParsedCertificate } from '../pki/index.ts';
import { adobeRevocationValues, type ParsedCms, parseCms } from './cms.ts';
import { addRevocation, type ValidationContext } from './context.ts';
import { noSignatures, unusableInput } from './errors.ts';
import { parseCertificateOnce } from './facts.ts';
import { vanishedSignatures, vanishedWarning } from './history.ts';
import { allowedLevel, levelRank, revisionChanges } from './modifications.ts';
import { orphanSignatures } from './orphans.ts';
import {
  analyse,
  coverage,
  coverageVerdict,
  formatFailure,
  formatOf,
  modificationVerdict,
  orphanWarning,
  pdfDate,
  rangeDigest,
  rangeUsable,
  trailingDataVerdict,
} from './pdf-facts.ts';
import { reason } from './reasons.ts';
import { type Verdict, validateCmsSignature } from './signature.ts';
import { validateTimestamp } from './timestamps.ts';
import type {
  AchievedLevel,
  ModificationLevel,
  Reason,
  RevisionChange,
  SignatureValidationResult,
} from './types.ts';

const MAX_SIGNATURES = 64;
const MAX_REVISIONS = 256;

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

interface Entry {
  readonly info: PdfSignatureInfo;
  readonly cms: ParsedCms | undefined;
  readonly cmsError: string | undefined;
}

/** What every signature of one file is judged against. */
interface FileScope {
  readonly bytes: Uint8Array;
  readonly context: ValidationContext;
  readonly changes: Awaited<ReturnType<typeof revisionChanges>>;
  readonly docTsRevisions: ReadonlySet<number>;
  readonly allowed: ModificationLevel;
  /** Valid document timestamps: the revision they sit in and their time. */
  readonly provenBy: { revision: number; time: Date }[];
  readonly results: Map<Entry, SignatureValidationResult>;
}

const poeFor = (scope: FileScope, revision: number | undefined): Date[] =>
  revision === undefined ? [] : scope.provenBy.filter((p) => p.revision > revision).map((p) => p.time);

const earliest = (scope: FileScope, dates: Date[]): Date =>
  dates.sort((a, b) => a.getTime() - b.getTime())[0] ?? scope.context.validationTime;

/** Every signature a reader could meet: in the form, only on a page, or only in an earlier revision. */
async function findSignatures(bytes: Uint8Array, reader: PdfReader) {
  const listed = await listSignatures(bytes);
  const orphans = orphanSignatures(reader, listed);
  const vanished = await vanishedSignatures(bytes, reader, [...listed, ...orphans]);
  const signatures = [...listed, ...orphans, ...vanished].sort(
    (x, y) => (x.revisionIndex ?? 0) - (y.revisionIndex ?? 0),
  );
  if (signatures.length === 0) throw noSignatures();
  if (signatures.length > MAX_SIGNATURES) throw unusableInput(`more than ${MAX_SIGNATURES} signatures`);
  // Each revision is compared with the one before it: bounded so that a crafted file cannot make this quadratic work huge.
  if (reader.revisions.length > MAX_REVISIONS) throw unusableInput(`more than ${MAX_REVISIONS} revisions`);
  return { signatures, orphans, vanished };
}

/** Parses each CMS once and pools its certificates and revocation data for every chain. */
function parseEntries(signatures: readonly PdfSignatureInfo[], context: ValidationContext): Entry[] {
  return signatures.map((info) => {
    try {
      // info.cms is /Contents up to where its first BER element ends (pdf's stripPadding walks
      // indefinite lengths too, so an NSS CMS keeps its end-of-contents octets): no second parse here.
      const cms = parseCms(info.cms);
      context.pool.add(...(cms.certificates as ParsedCertificate[]));
      addRevocation(context, cms);
      addRevocation(context, adobeRevocationValues(cms.signerInfo));
      return { info, cms, cmsError: undefined };
    } catch (error) {
      return { info, cms: undefined, cmsError: (error as Error).message };
    }
  });
}

export async function validatePdfSignatures(
  bytes: Uint8Array,
  context: ValidationContext,
): Promise<{ results: SignatureValidationResult[]; revisions: number }> {
  const reader: PdfReader = await openPdf(bytes);
  try {
    const { signatures, orphans, vanished } = await findSignatures(bytes, reader);
    const dssWarnings = await loadDssSafely(context, bytes);
    const trailing = trailingDataVerdict(bytes, reader.revisions.at(-1)!.endOffset);
    const entries = parseEntries(signatures, context);
    const certification = signatures.find((s) => s.docMdpPermissions !== undefined)?.docMdpPermissions;
    const docTs = entries
      .filter((e) => formatOf(e.info) === 'RFC3161')
      .sort((x, y) => (y.info.revisionIndex ?? -1) - (x.info.revisionIndex ?? -1));
    const scope: FileScope = {
      bytes,
      context,
      changes: await revisionChanges(bytes, reader),
      docTsRevisions: new Set(
        docTs.map((e) => e.info.revisionIndex).filter((r): r is number => r !== undefined),
      ),
      allowed: allowedLevel(certification, context.policy.modifications.withoutCertification),
      provenBy: [],
      results: new Map(),
    };
    // Newest first: each document timestamp proves the existence of everything before it.
    let tIndex = docTs.length;
    for (const entry of docTs) await validateDocumentTimestamp(scope, entry, `T${tIndex--}`);
    let sIndex = 0;
    for (const entry of entries) {
      if (formatOf(entry.info) === 'RFC3161') continue;
      sIndex += 1;
      const note = orphans.includes(entry.info)
        ? orphanWarning(entry.info)
        : vanished.includes(entry.info)
          ? vanishedWarning(entry.info)
          : undefined;
      await validateSignature(scope, entry, `S${sIndex}`, note);
    }
    const all = entries.map((e) => withWarnings(withVerdict(scope.results.get(e)!, trailing), dssWarnings));
    return { results: all, revisions: reader.revisions.length };
  } finally {
    reader.close();
  }
}

async function validateDocumentTimestamp(scope: FileScope, entry: Entry, id: string): Promise<void> {
  const { info } = entry;
  const { bytes, context } = scope;
  const analysis = analyse(info.revisionIndex, scope.changes, scope.docTsRevisions, scope.allowed);
  const base = {
    id,
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
    scope.results.set(entry, {
      ...base,
      indication: verdict.indication,
      subIndication: verdict.subIndication,
      bestSignatureTime: context.validationTime.toISOString(),
      timestamps: [],
      reasons: [verdict.reason],
      warnings: [],
    });
    return;
  }
  const poe = earliest(scope, poeFor(scope, info.revisionIndex));
  const check = await perSignature(info, () =>
    validateTimestamp(info.cms, 'document-timestamp', rangeDigest(bytes, info), context, poe),
  );
  if ('failure' in check) {
    scope.results.set(entry, { ...base, ...failedResult(check.failure, context) });
    return;
  }
  if (check.provenTime && info.revisionIndex !== undefined)
    scope.provenBy.push({ revision: info.revisionIndex, time: check.provenTime });
  const passed = check.result.indication === 'TOTAL_PASSED';
  scope.results.set(entry, {
    ...base,
    indication: check.result.indication,
    ...(check.result.subIndication ? { subIndication: check.result.subIndication } : {}),
    ...(check.tsaCertificate ? { signer: check.result.tsa } : {}),
    bestSignatureTime: (check.provenTime ?? context.validationTime).toISOString(),
    timestamps: [check.result],
    reasons: passed ? [] : check.result.reasons,
    warnings: passed ? check.result.reasons : [],
  });
}

async function validateSignature(scope: FileScope, entry: Entry, id: string, note: Reason | undefined) {
  const { context } = scope;
  const poe = poeFor(scope, entry.info.revisionIndex);
  const outcome = await perSignature(entry.info, () =>
    validateSignatureEntry(
      entry,
      id,
      scope.bytes,
      context,
      scope.changes,
      scope.docTsRevisions,
      scope.allowed,
      poe,
      earliest(scope, [...poe]),
    ),
  );
  const result: SignatureValidationResult =
    'failure' in outcome
      ? {
          id,
          kind: 'signature',
          format: formatOf(entry.info),
          fieldName: entry.info.fieldName,
          coverage: coverage(entry.info),
          ...failedResult(outcome.failure, context),
        }
      : outcome;
  scope.results.set(entry, note ? { ...result, warnings: [...result.warnings, note] } : result);
}

/** A thrown error while validating one signature becomes that signature's FORMAT_FAILURE, not the document's. */
async function perSignature<T extends object>(
  info: PdfSignatureInfo,
  fn: () => Promise<T>,
): Promise<T | { failure: Verdict }> {
  try {
    return await fn();
  } catch (error) {
    const what = isShomeiError(error) ? error.code : ((error as Error)?.name ?? 'error');
    return { failure: formatFailure(info, what) };
  }
}

function failedResult(verdict: Verdict, context: ValidationContext) {
  return {
    indication: verdict.indication,
    subIndication: verdict.subIndication,
    level: 'none' as const,
    chain: [],
    bestSignatureTime: context.validationTime.toISOString(),
    timestamps: [],
    reasons: [verdict.reason],
    warnings: [],
  };
}

const RANK = { TOTAL_PASSED: 0, INDETERMINATE: 1, TOTAL_FAILED: 2 } as const;

/** Adds a verdict found outside the signature (data after %%EOF); the worse indication wins. */
function withVerdict(
  result: SignatureValidationResult,
  verdict: Verdict | undefined,
): SignatureValidationResult {
  if (verdict === undefined) return result;
  if (RANK[verdict.indication] <= RANK[result.indication] && result.indication !== 'TOTAL_PASSED')
    return { ...result, reasons: [...result.reasons, verdict.reason] };
  return {
    ...result,
    indication: verdict.indication,
    subIndication: verdict.subIndication,
    reasons: [verdict.reason, ...result.reasons],
  };
}

const withWarnings = (result: SignatureValidationResult, extra: readonly Reason[]) =>
  extra.length === 0 ? result : { ...result, warnings: [...result.warnings, ...extra] };

/** A damaged DSS loses its validation data, not the document: each signature then says what it misses. */
async function loadDssSafely(context: ValidationContext, bytes: Uint8Array): Promise<Reason[]> {
  try {
    loadDss(context, await extractDss(bytes));
    return [];
  } catch (error) {
    const code = isShomeiError(error) ? error.code : ((error as Error)?.name ?? 'error');
    return [reason('DSS_UNREADABLE', { code })];
  }
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
          { revisions: analysis.laterRevisions, level: highest },
          { subject: { revision: analysis.laterRevisions[0]! } },
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
    ...(outcome.information.length > 0 ? { information: outcome.information } : {}),
  };
}
