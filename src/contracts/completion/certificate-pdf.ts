/**
 * The certificate of completion as a download of its own: the certificate attached to the completed
 * PDF (JSON, covered by the archive timestamp) read back and set as the same A4 PDF that is attached
 * beside it, so that a party can file or print it without a viewer that opens attachments.
 */

import type { ContractsContext } from '../context.ts';
import { readDocument } from '../envelopes/envelopes.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import { loadEnvelope } from '../parties/access.ts';
import { extractCertificate } from './certificate.ts';
import { certificatePdf } from './certificate-layout.ts';

export { CERTIFICATE_TITLE } from './certificate-layout.ts';

export interface CertificateDownload {
  readonly bytes: Buffer;
  /** 合意締結証明書-<envelope id>.pdf */
  readonly name: string;
  /** The ASCII fallback for clients that ignore filename*. */
  readonly asciiName: string;
}

export async function certificateOfCompletionPdf(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
): Promise<CertificateDownload> {
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'read');
  if (loaded.envelope.status !== 'completed')
    throw contractErrors.certificateNotAvailable(loaded.envelope.status);
  const documents = await ctx.db
    .selectFrom('contract_documents')
    .select(['id'])
    .where('envelope_id', '=', envelopeId)
    .where('status', '=', 'active')
    .orderBy('position')
    .execute();
  for (const document of documents) {
    const { bytes } = await readDocument(ctx, actor, envelopeId, document.id);
    const certificate = await extractCertificate(bytes);
    if (certificate === undefined) continue;
    return {
      bytes: certificatePdf(certificate),
      name: `合意締結証明書-${envelopeId}.pdf`,
      asciiName: `certificate-of-completion-${envelopeId}.pdf`,
    };
  }
  throw contractErrors.certificateNotAvailable(loaded.envelope.status);
}
