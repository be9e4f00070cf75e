/**
 * The PDF work of completing one document: the certificate of completion attached, validation data
 * for every signature (B-LT), the document timestamp (B-LTA). Pure document assembly apart from the
 * revocation answers and the timestamp, which come from `provider` — on a worker thread the app's
 * work pool passes proxies that ask the main thread, where the CA, TSA and HSM session are (ADR 016).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  addDocumentTimestamp,
  addValidationData,
  type RevocationSource,
  type TimestampAuthority,
} from '../../ades/index.ts';
import { attachCertificate, type CertificateOfCompletion } from './certificate.ts';

export interface CompletionAssemblyInput {
  /** The document as the parties signed it. */
  readonly bytes: Uint8Array;
  readonly certificate: CertificateOfCompletion;
  /** Private work directory of this completion (removed by the caller). */
  readonly directory: string;
  /** Position of the document in the envelope: names its files and archive timestamp field. */
  readonly index: number;
}

export interface CompletionProvider {
  readonly revocationSource: RevocationSource;
  readonly tsa: TimestampAuthority;
}

/** The completed (B-LTA) bytes of one document. */
export async function assembleCompletedDocument(
  input: CompletionAssemblyInput,
  provider: CompletionProvider,
): Promise<Buffer> {
  const attached = path.join(input.directory, `${input.index}.attached.pdf`);
  const longTerm = path.join(input.directory, `${input.index}.lt.pdf`);
  const archived = path.join(input.directory, `${input.index}.lta.pdf`);
  await attachCertificate(input.bytes, attached, input.certificate);
  await addValidationData({ input: attached, output: longTerm, revocationSource: provider.revocationSource });
  await addDocumentTimestamp({
    input: longTerm,
    output: archived,
    tsa: provider.tsa,
    fieldName: `shomei-archive-${input.index}-1`,
  });
  return readFile(archived);
}
