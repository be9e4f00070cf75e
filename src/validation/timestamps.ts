/**
 * Validation of an RFC 3161 timestamp token (ETSI EN 319 102-1 §5.4): the message imprint over the
 * stamped data, the token's own CMS integrity and ESS binding, the TSA certificate's timeStamping
 * EKU, and its chain at the time the token is proven to exist.
 */
import { createHash } from 'node:crypto';
import { TSTInfo } from '@peculiar/asn1-tsp';
import { decodeAs, OID, type ParsedCertificate } from '../pki/index.ts';
import { summarise } from './certificates.ts';
import { validateChain } from './chain-validation.ts';
import { guarded, type HashName, hashNameOf, parseCms } from './cms.ts';
import type { ValidationContext } from './context.ts';
import { factsOf } from './facts.ts';
import { checkIntegrity } from './integrity.ts';
import { certificateLabel, dateLabel, reason } from './reasons.ts';
import type { Reason, TimestampKind, TimestampValidationResult } from './types.ts';

export interface TimestampCheck {
  readonly result: TimestampValidationResult;
  /** genTime when the token passed. */
  readonly provenTime: Date | undefined;
  readonly tsaCertificate: ParsedCertificate | undefined;
  readonly revocationComplete: boolean;
}

const KIND_TEXT: Record<TimestampKind, { ja: string; en: string }> = {
  'signature-timestamp': { ja: '署名タイムスタンプ', en: 'signature timestamp' },
  'document-timestamp': { ja: '文書タイムスタンプ', en: 'document timestamp' },
  'archive-timestamp': { ja: 'アーカイブタイムスタンプ', en: 'archive timestamp' },
};

function failed(
  kind: TimestampKind,
  indication: TimestampValidationResult['indication'],
  subIndication: NonNullable<TimestampValidationResult['subIndication']>,
  reasons: Reason[],
  extra: Partial<TimestampValidationResult> = {},
): TimestampCheck {
  return {
    result: { kind, indication, subIndication, reasons, ...extra },
    provenTime: undefined,
    tsaCertificate: undefined,
    revocationComplete: false,
  };
}

/**
 * `stampedDigest(hash)` is the digest of what the token must cover; `poeTime` is when the token is
 * itself proven to exist (a later timestamp's time, or the validation time).
 */
export async function validateTimestamp(
  token: Uint8Array,
  kind: TimestampKind,
  stampedDigest: (hash: HashName) => Buffer,
  context: ValidationContext,
  poeTime: Date,
): Promise<TimestampCheck> {
  const k = KIND_TEXT[kind];
  let cms: ReturnType<typeof parseCms>;
  let info: TSTInfo;
  try {
    cms = parseCms(token, 'timestamp token');
    if (cms.eContentType !== OID.tstInfo || cms.eContent === undefined) throw new Error('not a TSTInfo');
    const eContent = cms.eContent;
    info = guarded('TSTInfo', () => decodeAs(eContent, TSTInfo, 'TSTInfo'));
  } catch {
    return failed(kind, 'TOTAL_FAILED', 'FORMAT_FAILURE', [
      reason(
        'TIMESTAMP_UNREADABLE',
        `${k.ja}を読み取れません（RFC 3161 のトークンではありません）。`,
        `The ${k.en} cannot be read (not an RFC 3161 token).`,
      ),
    ]);
  }
  const genTime = info.genTime;
  const gen = dateLabel(genTime);
  const at = { genTime: gen.iso };
  const imprintHash = hashNameOf(info.messageImprint.hashAlgorithm.algorithm);
  const imprint = Buffer.from(info.messageImprint.hashedMessage.buffer);
  if (imprintHash === undefined || !stampedDigest(imprintHash).equals(imprint)) {
    return failed(
      kind,
      'TOTAL_FAILED',
      'HASH_FAILURE',
      [
        reason(
          'TIMESTAMP_IMPRINT_MISMATCH',
          `${gen.ja} の${k.ja}のメッセージインプリントが、対象データのハッシュ値と一致しません。`,
          `The message imprint of the ${k.en} of ${gen.en} does not match the hash of the data it should cover.`,
          { date: gen.iso },
        ),
      ],
      at,
    );
  }
  const eContent = cms.eContent!;
  const integrity = checkIntegrity(cms, context.pool.all(), (hash) =>
    createHash(hash).update(eContent).digest(),
  );
  if (!integrity.ok) {
    const tsa = integrity.signer ? factsOf(integrity.signer) : undefined;
    const name = tsa ? certificateLabel(tsa.subject, tsa.serialNumber) : '';
    const byFailure = {
      'no-signer-certificate': [
        'INDETERMINATE',
        'NO_SIGNING_CERTIFICATE_FOUND',
        'TSA 証明書が見つかりません',
        'the TSA certificate is not found',
      ],
      'signing-certificate-mismatch': [
        'INDETERMINATE',
        'NO_SIGNING_CERTIFICATE_FOUND',
        `TSA 証明書 ${name} が signing-certificate 属性と一致しません`,
        `the TSA certificate ${name} does not match its signing-certificate attribute`,
      ],
      'unsupported-digest': [
        'TOTAL_FAILED',
        'FORMAT_FAILURE',
        '対応していないハッシュアルゴリズムです',
        'its digest algorithm is not supported',
      ],
      'weak-digest': [
        'INDETERMINATE',
        'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
        'SHA-1 のハッシュは現在の暗号要件を満たしません',
        'its SHA-1 digest no longer meets the cryptographic constraints',
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
        'TSTInfo のハッシュ値が一致しません',
        'the hash of its TSTInfo does not match',
      ],
      'signature-invalid': [
        'TOTAL_FAILED',
        'SIG_CRYPTO_FAILURE',
        `TSA ${name} の署名値を検証できません`,
        `the signature value of the TSA ${name} does not verify`,
      ],
    } as const;
    const [indication, sub, ja, en] = byFailure[integrity.failure];
    return failed(
      kind,
      indication,
      sub,
      [
        reason(
          `TIMESTAMP_${integrity.failure.toUpperCase().replaceAll('-', '_')}`,
          `${gen.ja} の${k.ja}が無効です: ${ja}。`,
          `The ${k.en} of ${gen.en} is not valid: ${en}.`,
          { date: gen.iso },
        ),
      ],
      at,
    );
  }
  const tsa = integrity.signer;
  const tsaFacts = factsOf(tsa);
  const tsaSummary = summarise(tsa);
  if (!tsaFacts.extendedKeyUsage.includes(OID.kpTimeStamping)) {
    return failed(
      kind,
      'INDETERMINATE',
      'CHAIN_CONSTRAINTS_FAILURE',
      [
        reason(
          'TSA_NOT_TIMESTAMPING',
          `${k.ja}の TSA 証明書 ${certificateLabel(tsaFacts.subject, tsaFacts.serialNumber)} にタイムスタンプ用途（id-kp-timeStamping）がありません。`,
          `The TSA certificate ${certificateLabel(tsaFacts.subject, tsaFacts.serialNumber)} of the ${k.en} lacks the timeStamping extended key usage.`,
          { certificate: tsaFacts.subject },
        ),
      ],
      { ...at, tsa: tsaSummary },
    );
  }
  const poe = poeTime.getTime() < genTime.getTime() ? genTime : poeTime;
  const chain = await validateChain(tsa, context, {
    bestTime: poe,
    proven: poe.getTime() !== context.validationTime.getTime(),
    claimedTime: genTime,
    role: 'tsa',
  });
  const warnings = chain.warnings;
  if (chain.failure) {
    return {
      ...failed(
        kind,
        chain.failure.indication,
        chain.failure.subIndication,
        [
          reason(
            `TIMESTAMP_${chain.failure.reason.code}`,
            `${gen.ja} の${k.ja}の TSA 証明書を検証できません: ${chain.failure.reason.ja}`,
            `The TSA certificate of the ${k.en} of ${gen.en} cannot be validated: ${chain.failure.reason.en}`,
            chain.failure.reason.subject,
          ),
          ...warnings,
        ],
        { ...at, tsa: tsaSummary },
      ),
      tsaCertificate: tsa,
    };
  }
  return {
    result: { kind, indication: 'TOTAL_PASSED', genTime: gen.iso, tsa: tsaSummary, reasons: warnings },
    provenTime: genTime,
    tsaCertificate: tsa,
    revocationComplete: chain.revocationComplete,
  };
}
