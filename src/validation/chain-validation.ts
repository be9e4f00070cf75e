/**
 * X.509 validation of a signer or TSA certificate (ETSI EN 319 102-1 §5.2.6 with past validation
 * §5.6.2.1): a path to a trust anchor, validity of every certificate at the best proven time, and
 * revocation. A revocation after the proof of existence (a valid timestamp) keeps the signature valid.
 */
import type { ParsedCertificate } from '../pki/index.ts';
import { buildPath, fingerprint, summarise, validAt } from './certificates.ts';
import type { ValidationContext } from './context.ts';
import { factsOf } from './facts.ts';
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

export async function validateChain(
  leaf: ParsedCertificate,
  context: ValidationContext,
  times: ChainTimes,
): Promise<ChainVerdict> {
  const found = buildPath(leaf, context.anchors, context.pool.all());
  if (!found.found) {
    const top = found.partial[found.partial.length - 1]!;
    const topFacts = factsOf(top);
    const why =
      found.reason === 'bad-signature'
        ? { ja: '発行者の署名を検証できません', en: 'the issuer signature does not verify' }
        : found.reason === 'not-a-ca'
          ? { ja: '発行者が CA 証明書ではありません', en: 'the issuer is not a CA certificate' }
          : {
              ja: '信頼するルート証明書に到達しません',
              en: 'it does not lead to a trusted root certificate',
            };
    return {
      chain: found.partial.map((c) => ({ ...summarise(c), revocation: 'not-checked' as const })),
      failure: {
        indication: 'INDETERMINATE',
        subIndication: 'NO_CERTIFICATE_CHAIN_FOUND',
        reason: reason(
          'NO_CERTIFICATE_CHAIN_FOUND',
          `証明書 ${label(leaf)} の証明書チェーンを構築できません。${label(top)} の発行者「${topFacts.issuer}」は信頼するトラストアンカーにありません（${why.ja}）。`,
          `No certificate chain could be built for ${label(leaf)}: the issuer "${topFacts.issuer}" of ${label(top)} is not among the trusted anchors (${why.en}).`,
          { certificate: factsOf(leaf).subject },
        ),
      },
      warnings: [],
      revocationComplete: false,
    };
  }
  const path = found.path;
  const failures: NonNullable<ChainVerdict['failure']>[] = [];
  const warnings: Reason[] = [];
  const checks: CertificateCheck[] = [];
  let revocationComplete = true;
  const at = dateLabel(times.bestTime);
  for (let i = 0; i < path.length; i += 1) {
    const certificate = path[i]!;
    const facts = factsOf(certificate);
    const subject = { certificate: facts.subject };
    const isAnchor = context.anchors.some((a) => a.der.equals(certificate.der));
    const validity = validAt(certificate, times.bestTime);
    if (validity === 'expired') {
      const end = dateLabel(facts.notAfter);
      failures.push(
        times.proven
          ? {
              indication: 'TOTAL_FAILED',
              subIndication: 'EXPIRED',
              reason: reason(
                'CERTIFICATE_EXPIRED_BEFORE_POE',
                `証明書 ${label(certificate)} は ${end.ja} に有効期間が満了しており、タイムスタンプが示す時刻 ${at.ja} にはすでに失効していました。`,
                `Certificate ${label(certificate)} expired on ${end.en}, before the time proven by the timestamp (${at.en}).`,
                { ...subject, date: end.iso },
              ),
            }
          : {
              indication: 'INDETERMINATE',
              subIndication: 'OUT_OF_BOUNDS_NO_POE',
              reason: reason(
                'CERTIFICATE_EXPIRED_NO_POE',
                `証明書 ${label(certificate)} の有効期間は ${end.ja} に満了しています。それより前に署名が存在したことを示すタイムスタンプがないため、署名の有効性を判断できません。`,
                `Certificate ${label(certificate)} expired on ${end.en}, and no timestamp proves that the signature existed before then.`,
                { ...subject, date: end.iso },
              ),
            },
      );
    } else if (validity === 'not-yet-valid') {
      const start = dateLabel(facts.notBefore);
      failures.push({
        indication: 'INDETERMINATE',
        subIndication: 'NOT_YET_VALID',
        reason: reason(
          'CERTIFICATE_NOT_YET_VALID',
          `証明書 ${label(certificate)} の有効期間は ${start.ja} からで、署名時刻 ${at.ja} にはまだ有効ではありません。`,
          `Certificate ${label(certificate)} is valid only from ${start.en}, after the signature time ${at.en}.`,
          { ...subject, date: start.iso },
        ),
      });
    }
    if (isAnchor) {
      checks.push({ ...summarise(certificate), revocation: 'trust-anchor' });
      continue;
    }
    const issuer = path[i + 1]!;
    const answer = facts.ocspNoCheck
      ? ({ status: 'good', source: 'none', online: false, fetchProblems: [] } as RevocationAnswer)
      : await cachedRevocation(context, certificate, issuer);
    checks.push({
      ...summarise(certificate),
      revocation: answer.status === 'none' ? 'not-checked' : answer.status,
      ...(answer.revocationTime ? { revocationTime: answer.revocationTime.toISOString() } : {}),
      revocationSource: answer.source,
      revocationOnline: answer.online,
    });
    if (answer.status === 'none' || answer.status === 'unknown') {
      revocationComplete = false;
      const fetched = answer.fetchProblems.length > 0 ? `（${answer.fetchProblems.join('; ')}）` : '';
      const text = reason(
        answer.status === 'none' ? 'REVOCATION_DATA_MISSING' : 'REVOCATION_STATUS_UNKNOWN',
        answer.status === 'none'
          ? `証明書 ${label(certificate)} の失効情報（CRL・OCSP）が文書に含まれておらず、取得もできませんでした${fetched}。失効していないことを確認できません。`
          : `証明書 ${label(certificate)} について OCSP 応答者が状態「不明」と回答しました。`,
        answer.status === 'none'
          ? `No revocation information (CRL or OCSP) for certificate ${label(certificate)} is embedded in the document or could be fetched${fetched ? ` (${answer.fetchProblems.join('; ')})` : ''}; it cannot be confirmed that it was not revoked.`
          : `The OCSP responder answered "unknown" for certificate ${label(certificate)}.`,
        subject,
      );
      if (times.role === 'tsa') warnings.push(text);
      else failures.push({ indication: 'INDETERMINATE', subIndication: 'TRY_LATER', reason: text });
      continue;
    }
    if (
      answer.status === 'good' &&
      !fresh(answer, times.bestTime, context.policy.thresholds.revocationFreshnessSlackMs)
    ) {
      const issued = dateLabel(answer.issuedAt!);
      const text = reason(
        'REVOCATION_DATA_NOT_FRESH',
        `証明書 ${label(certificate)} の失効情報は ${issued.ja} に発行されたもので、署名時刻 ${at.ja} の時点の状態を示していません。`,
        `The revocation information for certificate ${label(certificate)} was issued on ${issued.en} and does not cover the signature time ${at.en}.`,
        { ...subject, date: issued.iso },
      );
      revocationComplete = false;
      if (times.role === 'tsa') warnings.push(text);
      else failures.push({ indication: 'INDETERMINATE', subIndication: 'TRY_LATER', reason: text });
      continue;
    }
    if (answer.status !== 'revoked') continue;
    const revokedAt = dateLabel(answer.revocationTime!);
    const claimed = times.claimedTime;
    if (claimed !== undefined && answer.revocationTime!.getTime() <= claimed.getTime()) {
      const when = dateLabel(claimed);
      failures.push({
        indication: 'TOTAL_FAILED',
        subIndication: 'REVOKED',
        reason: reason(
          'REVOKED_BEFORE_SIGNING',
          `証明書 ${label(certificate)} は ${revokedAt.ja} に失効しており、${times.role === 'tsa' ? 'タイムスタンプの時刻' : '署名時刻'} ${when.ja} より前です。`,
          `Certificate ${label(certificate)} was revoked on ${revokedAt.en}, before the ${times.role === 'tsa' ? 'timestamp time' : 'signing time'} ${when.en}.`,
          { ...subject, date: revokedAt.iso },
        ),
      });
    } else if (times.proven && times.bestTime.getTime() < answer.revocationTime!.getTime()) {
      warnings.push(
        reason(
          'REVOKED_AFTER_POE',
          `証明書 ${label(certificate)} は ${revokedAt.ja} に失効しましたが、署名はそれより前の ${at.ja} に存在したことがタイムスタンプで証明されているため有効です。`,
          `Certificate ${label(certificate)} was revoked on ${revokedAt.en}, but a timestamp proves the signature existed earlier (${at.en}), so it stays valid.`,
          { ...subject, date: revokedAt.iso },
        ),
      );
    } else {
      failures.push({
        indication: 'INDETERMINATE',
        subIndication: i === 0 ? 'REVOKED_NO_POE' : 'REVOKED_CA_NO_POE',
        reason: reason(
          'REVOKED_NO_POE',
          `証明書 ${label(certificate)} は ${revokedAt.ja} に失効しています。署名がそれより前に存在したことを示すタイムスタンプがありません。`,
          `Certificate ${label(certificate)} was revoked on ${revokedAt.en}, and no timestamp proves that the signature existed before then.`,
          { ...subject, date: revokedAt.iso },
        ),
      });
    }
  }
  const failure = failures.find((f) => f.indication === 'TOTAL_FAILED') ?? failures[0];
  return { chain: checks, ...(failure ? { failure } : {}), warnings, revocationComplete };
}
