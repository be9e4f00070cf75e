/**
 * The evidence package (criterion 2.1.4 (6)): the signed PDFs, the certificate of completion read
 * back from them, the signatures they carry, a validation report per document (src/validation,
 * trusting the provider's root), and the audit records of the envelope.
 */
import type { AuditRecord } from '../../audit/index.ts';
import { listSignatures } from '../../pdf/index.ts';
import { type ValidationReport, validatePdf } from '../../validation/index.ts';
import type { ContractsContext } from '../context.ts';
import { readDocument, toView } from '../envelopes/envelopes.ts';
import type { ContractActor, EnvelopeView } from '../model/model.ts';
import { loadEnvelope } from '../parties/access.ts';
import { type CertificateOfCompletion, extractCertificate } from './certificate.ts';

export interface EvidencePackage {
  readonly format: 'shomei/evidence-package';
  readonly envelope: EnvelopeView;
  readonly documents: readonly {
    readonly id: string;
    readonly name: string;
    readonly sha256: string;
    readonly pdfBase64: string;
    readonly signatures: readonly {
      readonly fieldName: string;
      readonly subFilter: string | undefined;
      readonly name: string | undefined;
      readonly reason: string | undefined;
      readonly signingTime: string | undefined;
    }[];
    /** null when the document could not be validated (the reason is in validationError). */
    readonly validation: ValidationReport | null;
    readonly validationError?: string | undefined;
  }[];
  readonly certificateOfCompletion: CertificateOfCompletion | null;
  readonly audit: readonly AuditRecord[];
}

export async function evidencePackage(
  ctx: ContractsContext,
  actor: ContractActor,
  envelopeId: string,
): Promise<EvidencePackage> {
  const loaded = await loadEnvelope(ctx, actor, envelopeId, 'read');
  const view = await toView(ctx, loaded);
  const documents = [];
  let certificate: CertificateOfCompletion | undefined;
  for (const d of view.documents) {
    if (d.status !== 'active') continue;
    const { bytes } = await readDocument(ctx, actor, envelopeId, d.id);
    certificate ??= await extractCertificate(bytes);
    const signatures = (await listSignatures(bytes)).map((s) => ({
      fieldName: s.fieldName,
      subFilter: s.subFilter,
      name: s.name,
      reason: s.reason,
      signingTime: s.signingTime,
    }));
    let validation: ValidationReport | null = null;
    let validationError: string | undefined;
    if (signatures.length > 0) {
      try {
        validation = await validatePdf(bytes, { trustAnchors: [(await ctx.provider()).root], name: d.name });
      } catch (error) {
        validationError = error instanceof Error ? error.message.slice(0, 200) : 'validation failed';
      }
    }
    documents.push({
      id: d.id,
      name: d.name,
      sha256: d.sha256,
      pdfBase64: bytes.toString('base64'),
      signatures,
      validation,
      validationError,
    });
  }
  const audit =
    ctx.auditSearch === undefined
      ? []
      : (await ctx.auditSearch({ from: loaded.envelope.created_at, limit: 10_000 })).filter(
          (r) =>
            r.subject?.id === envelopeId ||
            (typeof r.details.envelopeId === 'string' && r.details.envelopeId === envelopeId) ||
            view.documents.some((d) => r.subject?.id === d.id),
        );
  return {
    format: 'shomei/evidence-package',
    envelope: view,
    documents,
    certificateOfCompletion: certificate ?? null,
    audit,
  };
}
