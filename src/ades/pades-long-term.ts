/**
 * PAdES B-LT and B-LTA: validation data in the Document Security Store (with a VRI entry per
 * signature) and the ETSI.RFC3161 document timestamp, each in its own incremental revision so
 * that every earlier signature keeps covering exactly the bytes it signed.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import {
  appendDocumentSecurityStore,
  embedSignatureContents,
  listSignatures,
  prepareSignatureRevision,
  type VriEntryInput,
} from '../pdf/index.ts';
import { signatureCertificates } from './cms-inspection.ts';
import { validationDataUnavailable } from './errors.ts';
import { temporaryPathFor } from './files.ts';
import { digestRangesAfterPrefix, type PrefixDigest } from './prefix-digest.ts';
import { requestTimestamp, type TimestampAuthority } from './timestamp.ts';
import { gatherValidationData, type RevocationCache, type RevocationSource } from './validation-data.ts';

export interface AddValidationDataOptions {
  readonly input: string;
  readonly output: string;
  readonly revocationSource: RevocationSource;
  /**
   * Which signatures to cover: every signature and document timestamp (default), the last one
   * (the one whose byte range reaches furthest), or the signature fields named here.
   */
  readonly scope?: 'all' | 'last' | { readonly fieldNames: readonly string[] };
}

/** B-LT: appends a /DSS revision with certificates, CRLs and OCSP responses, and a /VRI per signature. */
export async function addValidationData(options: AddValidationDataOptions): Promise<{ output: string }> {
  const signatures = (await listSignatures(options.input)).filter((s) => s.cms.length > 0);
  if (signatures.length === 0) throw validationDataUnavailable('the PDF has no signature');
  const reach = (s: (typeof signatures)[number]): number => (s.byteRange?.[2] ?? 0) + (s.byteRange?.[3] ?? 0);
  const scope = options.scope ?? 'all';
  const covered =
    scope === 'all'
      ? signatures
      : scope === 'last'
        ? [signatures.reduce((a, b) => (reach(b) > reach(a) ? b : a))]
        : signatures.filter((s) => scope.fieldNames.includes(s.fieldName));
  if (covered.length === 0) throw validationDataUnavailable('no signature with that field name');
  const certificates: Buffer[] = [];
  const crls: Buffer[] = [];
  const ocspResponses: Buffer[] = [];
  const vri: VriEntryInput[] = [];
  const time = new Date();
  const cache: RevocationCache = new Map();
  const addUnique = (list: Buffer[], items: readonly Buffer[]): void => {
    for (const item of items) if (!list.some((x) => x.equals(item))) list.push(item);
  };
  for (const signature of covered) {
    const carried = signatureCertificates(signature.cms);
    const material = await gatherValidationData(
      carried.signers,
      carried.pool,
      options.revocationSource,
      cache,
    );
    addUnique(certificates, material.certificates);
    addUnique(crls, material.crls);
    addUnique(ocspResponses, material.ocspResponses);
    vri.push({
      signature: signature.cms,
      certificates: material.certificates,
      crls: material.crls,
      ocspResponses: material.ocspResponses,
      time,
    });
  }
  const temporary = temporaryPathFor(options.output);
  try {
    await appendDocumentSecurityStore(
      options.input,
      { certificates, crls, ocspResponses, vri },
      { output: temporary },
    );
    await rename(temporary, options.output);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { output: options.output };
}

export interface AddDocumentTimestampOptions {
  readonly input: string;
  readonly output: string;
  readonly tsa: TimestampAuthority;
  readonly fieldName?: string;
  /** Bytes reserved for the token; default 16 KiB. */
  readonly contentsSize?: number;
  /** SHA-256 state of a leading part of `input` that the caller hashed already. */
  readonly prefix?: PrefixDigest;
}

/** B-LTA: appends a document timestamp (/Type /DocTimeStamp, /SubFilter /ETSI.RFC3161). */
export async function addDocumentTimestamp(
  options: AddDocumentTimestampOptions,
): Promise<{ output: string; token: Buffer }> {
  const temporary = temporaryPathFor(options.output);
  try {
    const prepared = await prepareSignatureRevision(options.input, {
      fieldName: options.fieldName ?? `DocTimeStamp-${randomBytes(6).toString('hex')}`,
      subFilter: 'ETSI.RFC3161',
      contentsSize: options.contentsSize ?? 16 * 1024,
      output: temporary,
    });
    const digest =
      options.prefix?.algorithm === 'sha256'
        ? await digestRangesAfterPrefix(temporary, prepared.byteRange, options.prefix)
        : await prepared.digestByteRange('sha256');
    const token = await requestTimestamp(options.tsa, digest, 'SHA-256');
    await embedSignatureContents(temporary, prepared.placeholder, token.der);
    await rename(temporary, options.output);
    return { output: options.output, token: token.der };
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
