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
import { checkIntegrity, type IntegrityFailure } from './integrity.ts';
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

/** What each integrity failure means for the signature (ETSI EN 319 102-1 §5.2.7); words in messages.ts. */
const INTEGRITY_VERDICT: Record<IntegrityFailure, readonly [Indication, SubIndication]> = {
  'no-signer-certificate': ['INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND'],
  'signing-certificate-mismatch': ['INDETERMINATE', 'NO_SIGNING_CERTIFICATE_FOUND'],
  'unsupported-digest': ['TOTAL_FAILED', 'FORMAT_FAILURE'],
  'weak-digest': ['INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE'],
  'no-message-digest': ['TOTAL_FAILED', 'FORMAT_FAILURE'],
  'hash-mismatch': ['TOTAL_FAILED', 'HASH_FAILURE'],
  'signature-invalid': ['TOTAL_FAILED', 'SIG_CRYPTO_FAILURE'],
};

export async function validateCmsSignature(
  input: CmsSignatureInput,
  context: ValidationContext,
): Promise<CmsSignatureOutcome> {
  const { cms } = input;
  const warnings: Reason[] = [];
  const verdicts: Verdict[] = [];
  const integrity = checkIntegrity(cms, context.pool.all(), input.contentDigest, input.content);
  const claimed = signingTimeOf(cms.signerInfo) ?? input.claimedTimeFallback;
  const signerFacts = integrity.signer ? factsOf(integrity.signer) : undefined;
  const signerName = signerFacts ? certificateLabel(signerFacts.subject, signerFacts.serialNumber) : '';
  if (!integrity.ok) {
    const [indication, sub] = INTEGRITY_VERDICT[integrity.failure];
    verdicts.push({
      indication,
      subIndication: sub,
      reason: reason(
        'SIGNATURE_INVALID',
        { signer: signerName, detail: SIGNER_INTEGRITY[integrity.failure] },
        { code: sub, subject: signerFacts ? { certificate: signerFacts.subject } : undefined },
      ),
    });
  } else if (!integrity.signingCertificateBound) {
    warnings.push(reason('NO_SIGNING_CERTIFICATE_V2', {}));
  }
  verdicts.push(...input.structuralVerdicts);
  // Signature timestamps: over the signature value (RFC 3161 appendix A).
  const timestamps: TimestampValidationResult[] = [];
  const proven: Date[] = [...input.documentPoe];
  const signatureValue = new Uint8Array(cms.signerInfo.signature.buffer);
  let signatureTimestampOk = false;
  // The signer's own chain explains more than a failed timestamp, so timestamp verdicts come last.
  const timestampVerdicts: Verdict[] = [];
  for (const token of attributeValues(cms.signerInfo.unsignedAttrs, CMS_OID.signatureTimeStampToken).slice(
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
    timestamps.push(check.result);
    if (check.provenTime) {
      proven.push(check.provenTime);
      signatureTimestampOk = true;
    } else {
      timestampVerdicts.push({
        indication: 'INDETERMINATE',
        subIndication: 'SIG_CONSTRAINTS_FAILURE',
        reason: reason(
          'SIGNATURE_TIMESTAMP_INVALID',
          { detail: check.result.reasons[0] },
          { subject: check.result.reasons[0]?.subject },
        ),
      });
    }
  }
  const poe = proven.sort((a, b) => a.getTime() - b.getTime())[0];
  const bestTime =
    poe !== undefined && poe.getTime() < context.validationTime.getTime() ? poe : context.validationTime;
  const tolerance = context.policy.thresholds.claimedTimeToleranceMs;
  if (claimed !== undefined && poe !== undefined && claimed.getTime() > poe.getTime() + tolerance) {
    const c = dateLabel(claimed);
    warnings.push(reason('CLAIMED_TIME_AFTER_TIMESTAMP', { claimed: c }, { subject: { date: c.iso } }));
  }
  let chain: readonly CertificateCheck[] = [];
  let embeddedRevocationComplete = false;
  if (integrity.signer !== undefined && integrity.ok) {
    const verdict = await validateChain(integrity.signer, context, {
      bestTime,
      proven: poe !== undefined,
      ...(claimed ? { claimedTime: claimed } : {}),
      role: 'signer',
    });
    chain = verdict.chain;
    warnings.push(...verdict.warnings);
    if (verdict.failure) verdicts.push(verdict.failure);
    embeddedRevocationComplete =
      verdict.failure === undefined &&
      chain.every(
        (c) =>
          c.revocation === 'trust-anchor' ||
          ((c.revocation === 'good' || c.revocation === 'revoked') && c.revocationOnline === false),
      );
  }
  verdicts.push(...timestampVerdicts);
  const sorted = sortFindings(context.policy, verdicts, warnings);
  const chosen = sorted.verdicts.find((v) => v.indication === 'TOTAL_FAILED') ?? sorted.verdicts[0];
  const others = sorted.verdicts.filter((v) => v !== chosen).map((v) => v.reason);
  // ETSI EN 319 142-1 §6.3 / 319 122-1 §6.3: B-B needs the signer certificate bound by an ESS
  // signing-certificate(-v2) attribute, whatever the SubFilter.
  let baseLevel: AchievedLevel = integrity.ok && integrity.signingCertificateBound ? 'B-B' : 'none';
  if (baseLevel === 'B-B' && (signatureTimestampOk || input.documentPoe.length > 0)) baseLevel = 'B-T';
  if (baseLevel === 'B-T' && embeddedRevocationComplete) baseLevel = 'B-LT';
  return {
    indication: chosen?.indication ?? 'TOTAL_PASSED',
    ...(chosen ? { subIndication: chosen.subIndication } : {}),
    ...(integrity.signer ? { signer: summarise(integrity.signer) } : {}),
    chain,
    ...(claimed ? { claimedSigningTime: claimed.toISOString() } : {}),
    bestSignatureTime: bestTime.toISOString(),
    ...(cms.digestAlgorithm ? { digestAlgorithm: cms.digestAlgorithm } : {}),
    timestamps,
    reasons: chosen ? [chosen.reason, ...others] : [],
    warnings: sorted.warnings,
    information: sorted.information,
    baseLevel,
    embeddedRevocationComplete,
  };
}
