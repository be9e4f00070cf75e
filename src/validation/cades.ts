/**
 * Validation of a detached CAdES signature (ETSI EN 319 122-1) over a separate data file: the same
 * CMS checks as for PAdES, revocation values carried in the CMS, and archive-time-stamp-v3 as the
 * proof of existence for B-LTA.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import {
  archiveTimestampInput,
  atsHashIndexV3,
  parseSignedData,
  type SignedDataParts,
} from '../ades/index.ts';
import type { ParsedCertificate } from '../pki/index.ts';
import { attributeValues, CMS_OID, guarded, parseCms } from './cms.ts';
import { addRevocation, type ValidationContext } from './context.ts';
import { validateCmsSignature } from './signature.ts';
import { validateTimestamp } from './timestamps.ts';
import type { SignatureValidationResult, TimestampValidationResult } from './types.ts';

/** The archive timestamps (ATSv3) with the imprint each must have, oldest first. */
function archiveTimestamps(der: Uint8Array, contentSha256: Buffer): { token: Buffer; expected: Buffer }[] {
  const parts = guarded('CAdES signature', () => parseSignedData(der));
  const signer = parts.signerInfos[0];
  if (signer === undefined) return [];
  const out: { token: Buffer; expected: Buffer }[] = [];
  signer.unsignedAttributes.forEach((raw, index) => {
    const token = archiveTokenOf(raw);
    if (token === undefined) return;
    // The hash index covers the unsigned attributes present when the archive timestamp was added.
    const before: SignedDataParts = {
      ...parts,
      signerInfos: [{ ...signer, unsignedAttributes: signer.unsignedAttributes.slice(0, index) }],
    };
    try {
      const input = archiveTimestampInput(before, contentSha256, atsHashIndexV3(before));
      out.push({ token, expected: createHash('sha256').update(input).digest() });
    } catch {
      out.push({ token, expected: Buffer.alloc(32) });
    }
  });
  return out;
}

function archiveTokenOf(attribute: Buffer): Buffer | undefined {
  try {
    const parsed = asn1js.fromBER(new Uint8Array(attribute)).result;
    const [type, values] = (parsed as asn1js.Sequence).valueBlock.value;
    if (
      !(type instanceof asn1js.ObjectIdentifier) ||
      type.valueBlock.toString() !== CMS_OID.archiveTimestampV3
    )
      return undefined;
    const first = (values as asn1js.Set).valueBlock.value[0];
    return first === undefined ? undefined : Buffer.from(first.valueBeforeDecodeView);
  } catch {
    return undefined;
  }
}

export async function validateCadesSignature(
  signature: Uint8Array,
  data: Uint8Array,
  context: ValidationContext,
): Promise<SignatureValidationResult> {
  const cms = parseCms(signature, 'CAdES signature');
  context.pool.add(...(cms.certificates as ParsedCertificate[]));
  addRevocation(context, cms);
  const contentSha256 = createHash('sha256').update(data).digest();
  const archives: TimestampValidationResult[] = [];
  const proven: Date[] = [];
  const hasArchive = attributeValues(cms.signerInfo.unsignedAttrs, CMS_OID.archiveTimestampV3).length > 0;
  if (hasArchive) {
    const list = archiveTimestamps(signature, contentSha256).reverse();
    let poe = context.validationTime;
    for (const item of list) {
      const check = await validateTimestamp(
        item.token,
        'archive-timestamp',
        () => item.expected,
        context,
        poe,
      );
      archives.unshift(check.result);
      if (check.provenTime) {
        proven.push(check.provenTime);
        poe = check.provenTime;
      }
    }
  }
  const earliest = proven.sort((a, b) => a.getTime() - b.getTime())[0];
  const outcome = await validateCmsSignature(
    {
      cms,
      contentDigest: (hash) => createHash(hash).update(data).digest(),
      content: () => data,
      documentPoe: [],
      timestampPoe: earliest ?? context.validationTime,
      structuralVerdicts: [],
      isPades: false,
    },
    context,
  );
  let level = outcome.baseLevel;
  if (level === 'B-LT' && earliest !== undefined) level = 'B-LTA';
  const archiveFailure = archives.find((a) => a.indication !== 'TOTAL_PASSED');
  return {
    id: 'S1',
    kind: 'signature',
    format: 'CAdES',
    indication: outcome.indication,
    ...(outcome.subIndication ? { subIndication: outcome.subIndication } : {}),
    level,
    ...(outcome.signer ? { signer: outcome.signer } : {}),
    chain: outcome.chain,
    ...(outcome.claimedSigningTime ? { claimedSigningTime: outcome.claimedSigningTime } : {}),
    bestSignatureTime: outcome.bestSignatureTime,
    ...(outcome.digestAlgorithm ? { digestAlgorithm: outcome.digestAlgorithm } : {}),
    timestamps: [...outcome.timestamps, ...archives],
    reasons: outcome.reasons,
    warnings: [...outcome.warnings, ...(archiveFailure ? archiveFailure.reasons : [])],
    ...(outcome.information.length > 0 ? { information: outcome.information } : {}),
  };
}
