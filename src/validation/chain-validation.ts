/**
 * X.509 validation of a signer or TSA certificate (ETSI EN 319 102-1 §5.2.6 with past validation
 * §5.6.2.1): a path to a trust anchor, validity of every certificate at the best proven time, and
 * revocation. A revocation after the proof of existence (a valid timestamp) keeps the signature valid.
 */
import type { ParsedCertificate } from '../pki/index.ts';
import { buildPath, fingerprint, summarise, validAt } from './certificates.ts';
import type { ValidationContext } from './context.ts';
import { factsOf } from './facts.ts';
import { CHAIN_GAP } from './messages.ts';
import { certificateLabel, dateLabel, reason } from './reasons.ts';
import { type RevocationAnswer, revocationStatus } from './revocation.ts';
import type { CertificateCheck, Indication, Reason, SubIndication } from './types.ts';

export interface ChainVerdict {
  readonly chain: readonly CertificateCheck[];
  readonly failure?: {
    readonly indication: Indication;
    readonly subIndication: SubIndication;
    readonly reason: Reason;
  };
  readonly warnings: readonly Reason[];
  /** Every certificate below the anchor has revocation information (needed for B-LT). */
  readonly revocationComplete: boolean;
}

export interface ChainTimes {
  /** When the certificates must have been valid: the proof of existence, or the validation time. */
  readonly bestTime: Date;
  /** True when bestTime comes from a timestamp rather than being the validation time. */
  readonly proven: boolean;
  /** The time the signer claims (signing-time, /M) or the timestamp's genTime. */
  readonly claimedTime?: Date;
  readonly role: 'signer' | 'tsa';
}

const label = (c: ParsedCertificate) => {
  const facts = factsOf(c);
  return certificateLabel(facts.subject, facts.serialNumber);
};

async function cachedRevocation(
  context: ValidationContext,
  certificate: ParsedCertificate,
  issuer: ParsedCertificate,
): Promise<RevocationAnswer> {
  const key = `${fingerprint(certificate.der)}:${fingerprint(issuer.der)}`;
  let pending = context.revocationCache.get(key) as Promise<RevocationAnswer> | undefined;
  if (pending === undefined) {
    pending = revocationStatus(certificate, issuer, context.revocation, context.fetcher);
    context.revocationCache.set(key, pending);
  }
  return pending;
}

/**
 * A "good" answer speaks for the best signature time when it was issued after it (less the policy's
 * allowance for clocks and second-precision times), or when that time lies within the answer's
 * validity (thisUpdate … nextUpdate), as a CRL issued before signing does.
 */
function fresh(answer: RevocationAnswer, at: Date, slackMs: number): boolean {
  if (answer.issuedAt === undefined) return true;
  if (answer.issuedAt.getTime() >= at.getTime() - slackMs) return true;
  return answer.nextUpdate !== undefined && at.getTime() <= answer.nextUpdate.getTime();
}

type Failure = NonNullable<ChainVerdict['failure']>;

/** What one certificate of the path adds to the verdict. */
interface Finding {
  readonly failures: Failure[];
  readonly warnings: Reason[];
  /** False when this certificate's revocation status is not established. */
  revocationKnown: boolean;
}

function noChain(leaf: ParsedCertificate, found: Extract<ReturnType<typeof buildPath>, { found: false }>) {
  const top = found.partial[found.partial.length - 1]!;
  const why =
    CHAIN_GAP[found.reason === 'bad-signature' || found.reason === 'not-a-ca' ? found.reason : 'no-anchor'];
  return {
    chain: found.partial.map((c) => ({ ...summarise(c), revocation: 'not-checked' as const })),
    failure: {
      indication: 'INDETERMINATE',
      subIndication: 'NO_CERTIFICATE_CHAIN_FOUND',
      reason: reason(
        'NO_CERTIFICATE_CHAIN_FOUND',
        { leaf: label(leaf), top: label(top), issuer: factsOf(top).issuer, why },
        { subject: { certificate: factsOf(leaf).subject } },
      ),
    },
    warnings: [],
    revocationComplete: false,
  } satisfies ChainVerdict;
}

/** ETSI EN 319 102-1 §5.2.6: every certificate valid at the best proven time. */
function validityFailure(certificate: ParsedCertificate, times: ChainTimes): Failure | undefined {
  const facts = factsOf(certificate);
  const subject = { certificate: facts.subject };
  const at = dateLabel(times.bestTime);
  const validity = validAt(certificate, times.bestTime);
  if (validity === 'expired') {
    const end = dateLabel(facts.notAfter);
    const about = { subject: { ...subject, date: end.iso } };
    return times.proven
      ? {
          indication: 'TOTAL_FAILED',
          subIndication: 'EXPIRED',
          reason: reason(
            'CERTIFICATE_EXPIRED_BEFORE_POE',
            { certificate: label(certificate), end, at },
            about,
          ),
        }
      : {
          indication: 'INDETERMINATE',
          subIndication: 'OUT_OF_BOUNDS_NO_POE',
          reason: reason('CERTIFICATE_EXPIRED_NO_POE', { certificate: label(certificate), end }, about),
        };
  }
  if (validity !== 'not-yet-valid') return undefined;
  const start = dateLabel(facts.notBefore);
  return {
    indication: 'INDETERMINATE',
    subIndication: 'NOT_YET_VALID',
    reason: reason(
      'CERTIFICATE_NOT_YET_VALID',
      { certificate: label(certificate), start, at },
      { subject: { ...subject, date: start.iso } },
    ),
  };
}

/** Missing, unknown or stale revocation data: a failure for a signer, a warning for a TSA. */
function revocationGap(
  answer: RevocationAnswer,
  certificate: ParsedCertificate,
  times: ChainTimes,
  slackMs: number,
): Reason | undefined {
  const subject = { certificate: factsOf(certificate).subject };
  if (answer.status === 'none') {
    return reason(
      'REVOCATION_DATA_MISSING',
      { certificate: label(certificate), problems: answer.fetchProblems },
      { subject },
    );
  }
  if (answer.status === 'unknown') {
    return reason('REVOCATION_STATUS_UNKNOWN', { certificate: label(certificate) }, { subject });
  }
  if (answer.status !== 'good') return undefined;
  if (fresh(answer, times.bestTime, slackMs)) return undefined;
  const issued = dateLabel(answer.issuedAt!);
  return reason(
    'REVOCATION_DATA_NOT_FRESH',
    { certificate: label(certificate), issued, at: dateLabel(times.bestTime) },
    { subject: { ...subject, date: issued.iso } },
  );
}

/** A revoked certificate: fatal before the claimed time, harmless after a proof of existence. */
function revokedFinding(
  answer: RevocationAnswer,
  certificate: ParsedCertificate,
  times: ChainTimes,
  isLeaf: boolean,
): { failure?: Failure; warning?: Reason } {
  const revoked = dateLabel(answer.revocationTime!);
  const about = { subject: { certificate: factsOf(certificate).subject, date: revoked.iso } };
  const claimed = times.claimedTime;
  if (claimed !== undefined && answer.revocationTime!.getTime() <= claimed.getTime()) {
    const params = {
      certificate: label(certificate),
      revoked,
      claimed: dateLabel(claimed),
      role: times.role,
    };
    return {
      failure: {
        indication: 'TOTAL_FAILED',
        subIndication: 'REVOKED',
        reason: reason('REVOKED_BEFORE_SIGNING', params, about),
      },
    };
  }
  if (times.proven && times.bestTime.getTime() < answer.revocationTime!.getTime()) {
    const at = dateLabel(times.bestTime);
    return { warning: reason('REVOKED_AFTER_POE', { certificate: label(certificate), revoked, at }, about) };
  }
  return {
    failure: {
      indication: 'INDETERMINATE',
      subIndication: isLeaf ? 'REVOKED_NO_POE' : 'REVOKED_CA_NO_POE',
      reason: reason('REVOKED_NO_POE', { certificate: label(certificate), revoked }, about),
    },
  };
}

function revocationCheck(certificate: ParsedCertificate, answer: RevocationAnswer): CertificateCheck {
  return {
    ...summarise(certificate),
    revocation: answer.status === 'none' ? 'not-checked' : answer.status,
    ...(answer.revocationTime ? { revocationTime: answer.revocationTime.toISOString() } : {}),
    revocationSource: answer.source,
    revocationOnline: answer.online,
  };
}

const NO_CHECK_NEEDED: RevocationAnswer = {
  status: 'good',
  source: 'none',
  online: false,
  fetchProblems: [],
};

/** Revocation of one certificate below the anchor, added to the finding. */
async function checkRevocation(
  context: ValidationContext,
  path: readonly ParsedCertificate[],
  i: number,
  times: ChainTimes,
  finding: Finding,
): Promise<CertificateCheck> {
  const certificate = path[i]!;
  const answer = factsOf(certificate).ocspNoCheck
    ? NO_CHECK_NEEDED
    : await cachedRevocation(context, certificate, path[i + 1]!);
  const gap = revocationGap(answer, certificate, times, context.policy.thresholds.revocationFreshnessSlackMs);
  if (gap !== undefined) {
    finding.revocationKnown = false;
    if (times.role === 'tsa') finding.warnings.push(gap);
    else finding.failures.push({ indication: 'INDETERMINATE', subIndication: 'TRY_LATER', reason: gap });
  } else if (answer.status === 'revoked') {
    const { failure, warning } = revokedFinding(answer, certificate, times, i === 0);
    if (failure) finding.failures.push(failure);
    if (warning) finding.warnings.push(warning);
  }
  return revocationCheck(certificate, answer);
}

export async function validateChain(
  leaf: ParsedCertificate,
  context: ValidationContext,
  times: ChainTimes,
): Promise<ChainVerdict> {
  const found = buildPath(leaf, context.anchors, context.pool.all());
  if (!found.found) return noChain(leaf, found);
  const path = found.path;
  const finding: Finding = { failures: [], warnings: [], revocationKnown: true };
  const checks: CertificateCheck[] = [];
  for (let i = 0; i < path.length; i += 1) {
    const certificate = path[i]!;
    const invalid = validityFailure(certificate, times);
    if (invalid) finding.failures.push(invalid);
    if (context.anchors.some((a) => a.der.equals(certificate.der))) {
      checks.push({ ...summarise(certificate), revocation: 'trust-anchor' });
      continue;
    }
    checks.push(await checkRevocation(context, path, i, times, finding));
  }
  const failure = finding.failures.find((f) => f.indication === 'TOTAL_FAILED') ?? finding.failures[0];
  return {
    chain: checks,
    ...(failure ? { failure } : {}),
    warnings: finding.warnings,
    revocationComplete: finding.revocationKnown,
  };
}
