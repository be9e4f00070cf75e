/**
 * Validation of one CMS signature (PAdES, PKCS#7 or CAdES): integrity, signer certificate, signature
 * timestamps, chain and revocation at the best proven time, giving the indication and the reasons.
 * The PDF- and file-specific parts (coverage, modifications, document timestamps) are passed in.
 */

import { createHash } from 'node:crypto';
import { summarise } from './certificates.ts';
import { validateChain } from './chain-validation.ts';
import { attributeValues, CMS_OID, type HashName, type ParsedCms, signingTimeOf } from './cms.ts';
import type { ValidationContext } from './context.ts';
import { factsOf } from './facts.ts';
import { checkIntegrity, INTEGRITY_INDICATION, type IntegrityOutcome } from './integrity.ts';
import { SIGNER_INTEGRITY } from './messages.ts';
import { sortFindings } from './policy.ts';
import { certificateLabel, dateLabel, reason } from './reasons.ts';
import { validateTimestamp } from './timestamps.ts';
import type {
  AchievedLevel,
  CertificateCheck,
  Indication,
  Reason,
  SignatureValidationResult,
  SubIndication,
  TimestampValidationResult,
} from './types.ts';

export interface Verdict {
  readonly indication: Indication;
  readonly subIndication: SubIndication;
  readonly reason: Reason;
}

export interface CmsSignatureInput {
  readonly cms: ParsedCms;
  readonly contentDigest: (hash: HashName) => Buffer;
  readonly content?: () => Uint8Array;
  /** /M of a PDF signature dictionary, used when the CMS has no signing-time. */
  readonly claimedTimeFallback?: Date;
  /** Times proven by document timestamps covering this signature (already validated). */
  readonly documentPoe: readonly Date[];
  /** When the signature timestamps themselves are proven to exist (a covering document timestamp). */
  readonly timestampPoe: Date;
  /** Verdicts found outside the CMS (coverage, modifications), checked after integrity. */
  readonly structuralVerdicts: readonly Verdict[];
  readonly isPades: boolean;
}

export interface CmsSignatureOutcome {
  readonly indication: Indication;
  readonly subIndication?: SubIndication;
  readonly signer?: SignatureValidationResult['signer'];
  readonly chain: readonly CertificateCheck[];
  readonly claimedSigningTime?: string;
  readonly bestSignatureTime: string;
  readonly digestAlgorithm?: string;
  readonly timestamps: readonly TimestampValidationResult[];
  readonly reasons: readonly Reason[];
  readonly warnings: readonly Reason[];
  readonly information: readonly Reason[];
  /** Structural level reached before the LTA step (decided by the caller with its document timestamps). */
  readonly baseLevel: AchievedLevel;
  readonly embeddedRevocationComplete: boolean;
}

/** The CMS's own integrity (ETSI EN 319 102-1 §5.2.7): a verdict when broken, a warning when unbound. */
function integrityFindings(integrity: IntegrityOutcome): { verdict?: Verdict; warning?: Reason } {
  if (integrity.ok) {
    return integrity.signingCertificateBound ? {} : { warning: reason('NO_SIGNING_CERTIFICATE_V2', {}) };
  }
  const signerFacts = integrity.signer ? factsOf(integrity.signer) : undefined;
  const signer = signerFacts ? certificateLabel(signerFacts.subject, signerFacts.serialNumber) : '';
  const [indication, sub] = INTEGRITY_INDICATION[integrity.failure];
  return {
    verdict: {
      indication,
      subIndication: sub,
      reason: reason(
        'SIGNATURE_INVALID',
        { signer, detail: SIGNER_INTEGRITY[integrity.failure] },
        { code: sub, subject: signerFacts ? { certificate: signerFacts.subject } : undefined },
      ),
    },
  };
}

/** Signature timestamps, over the signature value (RFC 3161 appendix A); at most eight are read. */
async function signatureTimestamps(input: CmsSignatureInput, context: ValidationContext) {
  const signerInfo = input.cms.signerInfo;
  const signatureValue = new Uint8Array(signerInfo.signature.buffer);
  const results: TimestampValidationResult[] = [];
  const proven: Date[] = [];
  const verdicts: Verdict[] = [];
  for (const token of attributeValues(signerInfo.unsignedAttrs, CMS_OID.signatureTimeStampToken).slice(
    0,
    8,
  )) {
    const check = await validateTimestamp(
      token,
      'signature-timestamp',
      (hash) => createHash(hash).update(signatureValue).digest(),
      context,
      input.timestampPoe,
    );
    results.push(check.result);
    if (check.provenTime) {
      proven.push(check.provenTime);
      continue;
    }
    const first = check.result.reasons[0];
    verdicts.push({
      indication: 'INDETERMINATE',
      subIndication: 'SIG_CONSTRAINTS_FAILURE',
      reason: reason('SIGNATURE_TIMESTAMP_INVALID', { detail: first }, { subject: first?.subject }),
    });
  }
  return { results, proven, verdicts };
}

/** Revocation data for every certificate below the anchor is in the file, so the level can be B-LT. */
const revocationEmbedded = (chain: readonly CertificateCheck[]): boolean =>
  chain.every(
    (c) =>
      c.revocation === 'trust-anchor' ||
      ((c.revocation === 'good' || c.revocation === 'revoked') && c.revocationOnline === false),
  );

/** ETSI EN 319 142-1 §6.3 / 319 122-1 §6.3: B-B needs the signer certificate bound by ESS signing-certificate(-v2). */
function baseLevelOf(
  integrity: IntegrityOutcome,
  timestamped: boolean,
  revocationInFile: boolean,
): AchievedLevel {
  if (!integrity.ok || !integrity.signingCertificateBound) return 'none';
  if (!timestamped) return 'B-B';
  return revocationInFile ? 'B-LT' : 'B-T';
}

export async function validateCmsSignature(
  input: CmsSignatureInput,
  context: ValidationContext,
): Promise<CmsSignatureOutcome> {
  const { cms } = input;
  const integrity = checkIntegrity(cms, context.pool.all(), input.contentDigest, input.content);
  const claimed = signingTimeOf(cms.signerInfo) ?? input.claimedTimeFallback;
  const own = integrityFindings(integrity);
  const verdicts: Verdict[] = [...(own.verdict ? [own.verdict] : []), ...input.structuralVerdicts];
  const warnings: Reason[] = own.warning ? [own.warning] : [];
  const stamps = await signatureTimestamps(input, context);
  const poe = [...input.documentPoe, ...stamps.proven].sort((a, b) => a.getTime() - b.getTime())[0];
  const bestTime =
    poe !== undefined && poe.getTime() < context.validationTime.getTime() ? poe : context.validationTime;
  const tolerance = context.policy.thresholds.claimedTimeToleranceMs;
  if (claimed !== undefined && poe !== undefined && claimed.getTime() > poe.getTime() + tolerance) {
    const c = dateLabel(claimed);
    warnings.push(reason('CLAIMED_TIME_AFTER_TIMESTAMP', { claimed: c }, { subject: { date: c.iso } }));
  }
  let chain: readonly CertificateCheck[] = [];
  let embeddedRevocationComplete = false;
  if (integrity.ok) {
    const verdict = await validateChain(integrity.signer, context, {
      bestTime,
      proven: poe !== undefined,
      ...(claimed ? { claimedTime: claimed } : {}),
      role: 'signer',
    });
    chain = verdict.chain;
    warnings.push(...verdict.warnings);
    if (verdict.failure) verdicts.push(verdict.failure);
    embeddedRevocationComplete = verdict.failure === undefined && revocationEmbedded(chain);
  }
  // The signer's own chain explains more than a failed timestamp, so timestamp verdicts come last.
  verdicts.push(...stamps.verdicts);
  const sorted = sortFindings(context.policy, verdicts, warnings);
  const chosen = sorted.verdicts.find((v) => v.indication === 'TOTAL_FAILED') ?? sorted.verdicts[0];
  const others = sorted.verdicts.filter((v) => v !== chosen).map((v) => v.reason);
  const timestamped = stamps.proven.length > 0 || input.documentPoe.length > 0;
  return {
    indication: chosen?.indication ?? 'TOTAL_PASSED',
    ...(chosen ? { subIndication: chosen.subIndication } : {}),
    ...(integrity.signer ? { signer: summarise(integrity.signer) } : {}),
    chain,
    ...(claimed ? { claimedSigningTime: claimed.toISOString() } : {}),
    bestSignatureTime: bestTime.toISOString(),
    ...(cms.digestAlgorithm ? { digestAlgorithm: cms.digestAlgorithm } : {}),
    timestamps: stamps.results,
    reasons: chosen ? [chosen.reason, ...others] : [],
    warnings: sorted.warnings,
    information: sorted.information,
    baseLevel: baseLevelOf(integrity, timestamped, embeddedRevocationComplete),
    embeddedRevocationComplete,
  };
}
