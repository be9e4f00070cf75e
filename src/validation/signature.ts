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
import { checkIntegrity } from './integrity.ts';
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

const INTEGRITY_VERDICT = {
  'no-signer-certificate': [
    'INDETERMINATE',
    'NO_SIGNING_CERTIFICATE_FOUND',
    '署名者証明書が署名にも文書にも含まれていません',
    'the signer certificate is neither in the signature nor in the document',
  ],
  'signing-certificate-mismatch': [
    'INDETERMINATE',
    'NO_SIGNING_CERTIFICATE_FOUND',
    '署名者証明書が signing-certificate-v2 属性のハッシュ値と一致しません',
    'the signer certificate does not match the hash in the signing-certificate-v2 attribute',
  ],
  'unsupported-digest': [
    'TOTAL_FAILED',
    'FORMAT_FAILURE',
    '対応していないアルゴリズムです',
    'its algorithm is not supported',
  ],
  'weak-digest': [
    'INDETERMINATE',
    'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
    'SHA-1 のダイジェストは現在の暗号要件を満たさず、それより前に署名されたことの証明もありません',
    'its SHA-1 digest no longer meets the cryptographic constraints and nothing proves it was made before',
  ],
  'no-message-digest': [
    'TOTAL_FAILED',
    'FORMAT_FAILURE',
    'message-digest 属性がありません',
    'it has no message-digest attribute',
  ],
  'hash-mismatch': [
    'TOTAL_FAILED',
    'HASH_FAILURE',
    '署名対象データのハッシュ値が署名内の値（message-digest）と一致しません。署名後にデータが改変されています',
    'the hash of the signed data does not match the message-digest in the signature: the data was changed after signing',
  ],
  'signature-invalid': [
    'TOTAL_FAILED',
    'SIG_CRYPTO_FAILURE',
    '署名値を署名者の公開鍵で検証できません',
    "the signature value does not verify with the signer's public key",
  ],
} as const;

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
    const [indication, sub, ja, en] = INTEGRITY_VERDICT[integrity.failure];
    verdicts.push({
      indication,
      subIndication: sub,
      reason: reason(
        sub,
        `署名${signerName ? `（署名者 ${signerName}）` : ''}が無効です: ${ja}。`,
        `The signature${signerName ? ` by ${signerName}` : ''} is not valid: ${en}.`,
        signerFacts ? { certificate: signerFacts.subject } : undefined,
      ),
    });
  } else if (!integrity.signingCertificateBound) {
    warnings.push(
      reason(
        'NO_SIGNING_CERTIFICATE_V2',
        '署名に signing-certificate(-v2) 属性がないため、ベースラインの B-B レベルに達していません（ETSI EN 319 142-1 / 319 122-1）。',
        'The signature has no signing-certificate(-v2) attribute, so it does not reach the baseline B-B level (ETSI EN 319 142-1 / 319 122-1).',
      ),
    );
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
          `署名タイムスタンプが無効なため、署名時刻を証明できません: ${check.result.reasons[0]?.ja ?? ''}`,
          `The signature timestamp is not valid, so the signing time is not proven: ${check.result.reasons[0]?.en ?? ''}`,
          check.result.reasons[0]?.subject,
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
    warnings.push(
      reason(
        'CLAIMED_TIME_AFTER_TIMESTAMP',
        `署名者が主張する署名時刻 ${c.ja} がタイムスタンプの時刻より後です。`,
        `The signing time claimed by the signer (${c.en}) is after the timestamp time.`,
        { date: c.iso },
      ),
    );
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
