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
import { checkIntegrity, INTEGRITY_INDICATION } from './integrity.ts';
import { TIMESTAMP_KIND, tsaIntegrity } from './messages.ts';
import { certificateLabel, dateLabel, reason } from './reasons.ts';
import type { Reason, TimestampKind, TimestampValidationResult } from './types.ts';

export interface TimestampCheck {
  readonly result: TimestampValidationResult;
  /** genTime when the token passed. */
  readonly provenTime: Date | undefined;
  readonly tsaCertificate: ParsedCertificate | undefined;
  readonly revocationComplete: boolean;
}

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

/** The token's CMS and TSTInfo, or nothing when it is not an RFC 3161 token. */
function readToken(token: Uint8Array): { cms: ReturnType<typeof parseCms>; info: TSTInfo } | undefined {
  try {
    const cms = parseCms(token, 'timestamp token');
    const eContent = cms.eContent;
    if (cms.eContentType !== OID.tstInfo || eContent === undefined) return undefined;
    return { cms, info: guarded('TSTInfo', () => decodeAs(eContent, TSTInfo, 'TSTInfo')) };
  } catch {
    return undefined;
  }
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
  const k = TIMESTAMP_KIND[kind];
  const parsed = readToken(token);
  if (parsed === undefined) {
    return failed(kind, 'TOTAL_FAILED', 'FORMAT_FAILURE', [reason('TIMESTAMP_UNREADABLE', { kind: k })]);
  }
  const { cms, info } = parsed;
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
      [reason('TIMESTAMP_IMPRINT_MISMATCH', { kind: k, gen }, { subject: { date: gen.iso } })],
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
    const [indication, sub] = INTEGRITY_INDICATION[integrity.failure];
    return failed(
      kind,
      indication,
      sub,
      [
        reason(
          'TIMESTAMP_INTEGRITY',
          { kind: k, gen, detail: tsaIntegrity(integrity.failure, name) },
          {
            code: `TIMESTAMP_${integrity.failure.toUpperCase().replaceAll('-', '_')}`,
            subject: { date: gen.iso },
          },
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
          { kind: k, tsa: certificateLabel(tsaFacts.subject, tsaFacts.serialNumber) },
          { subject: { certificate: tsaFacts.subject } },
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
            'TIMESTAMP_TSA_CHAIN',
            { kind: k, gen, detail: chain.failure.reason },
            { code: `TIMESTAMP_${chain.failure.reason.code}`, subject: chain.failure.reason.subject },
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
