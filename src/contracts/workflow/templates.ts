/**
 * Envelope templates (テンプレート) of a tenant: title, PDFs (encrypted like envelope documents, one
 * HSM key each, shredded when the template is deleted), party slots labelled 甲/乙/丙 with role,
 * signing mode, order and seal placement, expiry, reminders and internal approvers. Readable and
 * usable by the tenant's users and envelopes:read keys; changed or deleted only by the template's
 * owner or a tenant administrator (or a write key acting as one); other tenants get "not found".
 */
import { randomUUID } from 'node:crypto';
import type { ContractsContext } from '../context.ts';
import { checkPdf } from '../envelopes/envelopes.ts';
import { contractErrors } from '../model/errors.ts';
import type { ContractActor } from '../model/model.ts';
import { type TemplateDefinition, type TemplateView, templateSchema } from '../model/template-model.ts';
import { parseWith, workflowErrors } from '../model/workflow-errors.ts';
import { auditActorOf } from '../parties/access.ts';
import { workflowDb } from '../parties/internal-approval-gate.ts';
import { hasPermission } from '../parties/permissions.ts';
import type { DocumentTable, DocumentVersionTable } from '../store/tables.ts';
import type { PreparedVersion } from '../store/vault.ts';
import type { TemplateDocumentTable, TemplateTable } from '../store/workflow-tables.ts';

export type { TemplateView };

export interface LoadedTemplate {
  readonly row: TemplateTable;
  readonly definition: TemplateDefinition;
  readonly documents: readonly TemplateDocumentTable[];
}

/** The tenant and acting user, when the actor may read (or change) the tenant's templates. */
export function templateActor(
  actor: ContractActor,
  need: 'read' | 'write',
): { tenantId: string; userId: string } {
  if (actor.kind === 'party') throw contractErrors.forbidden();
  if (
    actor.kind === 'api-key' &&
    !actor.scopes.includes(need === 'read' ? 'envelopes:read' : 'envelopes:write')
  ) {
    // A write key may also read.
    if (!(need === 'read' && actor.scopes.includes('envelopes:write'))) throw contractErrors.forbidden();
  }
  return { tenantId: actor.tenantId, userId: actor.userId };
}

/**
 * Changing or deleting a template is for its owner or a tenant administrator (a key acting as one of
 * them); the tenant's other users use and read it. Others get "forbidden": they can see it anyway.
 */
async function requireTemplateEditor(
  ctx: ContractsContext,
  editor: { tenantId: string; userId: string },
  template: LoadedTemplate,
): Promise<void> {
  if (template.row.created_by === editor.userId) return;
  if (await hasPermission(ctx.db, editor.tenantId, editor.userId, ['tenant.admin'])) return;
  throw contractErrors.forbidden();
}

export async function loadTemplate(
  ctx: ContractsContext,
  tenantId: string,
  id: string,
): Promise<LoadedTemplate> {
  if (id.length > 100) throw workflowErrors.templateNotFound();
  const db = workflowDb(ctx);
  const row = await db
    .selectFrom('contract_templates')
    .selectAll()
    .where('id', '=', id)
    .where('tenant_id', '=', tenantId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (row === undefined) throw workflowErrors.templateNotFound();
  const documents = await db
    .selectFrom('contract_template_documents')
    .selectAll()
    .where('template_id', '=', id)
    .where('status', '=', 'active')
    .orderBy('position')
    .execute();
  return { row, definition: JSON.parse(row.definition) as TemplateDefinition, documents };
}

function toView(t: LoadedTemplate): TemplateView {
  return {
    id: t.row.id,
    name: t.row.name,
    definition: t.definition,
    documents: t.documents.map((d) => ({ id: d.id, name: d.name, sha256: d.sha256, size: Number(d.size) })),
    createdBy: t.row.created_by,
    createdAt: t.row.created_at,
    updatedAt: t.row.updated_at,
  };
}

/** Fixed parties and approvers must be active accounts; approvers must belong to the tenant. */
async function checkPeople(
  ctx: ContractsContext,
  tenantId: string,
  definition: TemplateDefinition,
): Promise<void> {
  for (const [index, slot] of definition.slots.entries()) {
    if (slot.userId === undefined) continue;
    const user = await ctx.users(slot.userId);
    if (user === undefined || user.status !== 'active')
      throw workflowErrors.templateInvalid(`slots.${index}.userId`, 'no active account');
  }
  for (const [index, approver] of (definition.internalApprovers ?? []).entries()) {
    const user = await ctx.users(approver);
    if (user === undefined || user.status !== 'active' || user.tenantId !== tenantId)
      throw workflowErrors.templateInvalid(`internalApprovers.${index}`, 'no active account of this tenant');
  }
}

async function audit(
  ctx: ContractsContext,
  actor: ContractActor,
  type: string,
  templateId: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await ctx.audit.append({
    type,
    actor: auditActorOf(actor),
    subject: { kind: 'contract-template', id: templateId },
    outcome: 'success',
    source: actor.source,
    details,
  });
}

export async function createTemplate(
  ctx: ContractsContext,
  actor: ContractActor,
  raw: unknown,
): Promise<TemplateView> {
  const { tenantId, userId } = templateActor(actor, 'write');
  const definition = parseWith(templateSchema, raw, workflowErrors.templateInvalid);
  await checkPeople(ctx, tenantId, definition);
  const now = ctx.clock().toISOString();
  const row: TemplateTable = {
    id: randomUUID(),
    tenant_id: tenantId,
    name: definition.name,
    definition: JSON.stringify(definition),
    created_by: userId,
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  await workflowDb(ctx).insertInto('contract_templates').values(row).execute();
  await audit(ctx, actor, 'template.create', row.id, { name: row.name, slots: definition.slots.length });
  return toView({ row, definition, documents: [] });
}

export async function listTemplates(
  ctx: ContractsContext,
  actor: ContractActor,
): Promise<{ templates: { id: string; name: string; updatedAt: string }[] }> {
  const { tenantId } = templateActor(actor, 'read');
  const rows = await workflowDb(ctx)
    .selectFrom('contract_templates')
    .select(['id', 'name', 'updated_at'])
    .where('tenant_id', '=', tenantId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at', 'desc')
    .limit(500)
    .execute();
  return { templates: rows.map((r) => ({ id: r.id, name: r.name, updatedAt: r.updated_at })) };
}

export async function getTemplate(
  ctx: ContractsContext,
  actor: ContractActor,
  id: string,
): Promise<TemplateView> {
  const { tenantId } = templateActor(actor, 'read');
  return toView(await loadTemplate(ctx, tenantId, id));
}

/** Refuses an actor who may not change the template (the route asks before it checks the body). */
export async function requireTemplateWrite(
  ctx: ContractsContext,
  actor: ContractActor,
  id: string,
): Promise<void> {
  const editor = templateActor(actor, 'write');
  await requireTemplateEditor(ctx, editor, await loadTemplate(ctx, editor.tenantId, id));
}

/** Replaces the definition; the documents stay. */
export async function updateTemplate(
  ctx: ContractsContext,
  actor: ContractActor,
  id: string,
  raw: unknown,
): Promise<TemplateView> {
  const editor = templateActor(actor, 'write');
  const { tenantId } = editor;
  await requireTemplateEditor(ctx, editor, await loadTemplate(ctx, tenantId, id));
  const definition = parseWith(templateSchema, raw, workflowErrors.templateInvalid);
  await checkPeople(ctx, tenantId, definition);
  await workflowDb(ctx)
    .updateTable('contract_templates')
    .set({
      name: definition.name,
      definition: JSON.stringify(definition),
      updated_at: ctx.clock().toISOString(),
    })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .execute();
  await audit(ctx, actor, 'template.update', id, { name: definition.name, slots: definition.slots.length });
  return toView(await loadTemplate(ctx, tenantId, id));
}

/** Deletes the template and crypto-shreds its documents (HSM keys destroyed). Envelopes made from it stay. */
export async function deleteTemplate(ctx: ContractsContext, actor: ContractActor, id: string): Promise<void> {
  const editor = templateActor(actor, 'write');
  const loaded = await loadTemplate(ctx, editor.tenantId, id);
  await requireTemplateEditor(ctx, editor, loaded);
  const db = workflowDb(ctx);
  const changed = await db
    .updateTable('contract_templates')
    .set({ deleted_at: ctx.clock().toISOString() })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (Number(changed.numUpdatedRows) !== 1) throw workflowErrors.templateNotFound();
  const keys: string[] = [];
  for (const document of loaded.documents) {
    await db
      .updateTable('contract_template_documents')
      .set({ status: 'shredded', sealed_key: null, data: null })
      .where('id', '=', document.id)
      .execute();
    if (document.hsm_key_id !== null) {
      await ctx.vault.discardKey(document.hsm_key_id, 'template deleted');
      keys.push(document.hsm_key_id);
    }
    await ctx.vault.removeBlob(document.blob_ref);
  }
  await audit(ctx, actor, 'template.delete', id, {
    documents: loaded.documents.length,
    hsmKeysDestroyed: keys,
  });
}

export async function addTemplateDocument(
  ctx: ContractsContext,
  actor: ContractActor,
  id: string,
  name: string,
  bytes: Buffer,
): Promise<TemplateView> {
  const editor = templateActor(actor, 'write');
  const loaded = await loadTemplate(ctx, editor.tenantId, id);
  await requireTemplateEditor(ctx, editor, loaded);
  const cleanName =
    name
      .normalize('NFC')
      .replace(/\p{Cc}|[/\\]/gu, '')
      .slice(0, 200) || 'document.pdf';
  await checkPdf(bytes, ctx.settings.maxDocumentBytes, ctx.pdfWork);
  if (loaded.documents.length >= ctx.settings.maxDocumentsPerEnvelope) {
    throw workflowErrors.templateInvalid('documents', `at most ${ctx.settings.maxDocumentsPerEnvelope}`);
  }
  const documentId = randomUUID();
  const key = await ctx.vault.newDocumentKey(documentId);
  let prepared: PreparedVersion | undefined;
  try {
    prepared = await ctx.vault.prepareVersion(documentId, 1, 'template', key.contentKey, bytes);
    await workflowDb(ctx)
      .insertInto('contract_template_documents')
      .values({
        id: documentId,
        template_id: id,
        position: loaded.documents.length,
        name: cleanName,
        hsm_key_id: key.hsmKeyId,
        sealed_key: key.sealedKey,
        sha256: prepared.row.sha256,
        size: prepared.row.size,
        data: prepared.row.data,
        blob_ref: prepared.row.blob_ref,
        status: 'active',
        created_at: ctx.clock().toISOString(),
      })
      .execute();
  } catch (error) {
    if (prepared !== undefined) await ctx.vault.abandon([prepared]);
    await ctx.vault.discardKey(key.hsmKeyId);
    throw error;
  }
  await audit(ctx, actor, 'template.document.upload', id, {
    documentId,
    sha256: prepared.row.sha256,
    size: bytes.length,
    hsmKeyId: key.hsmKeyId,
  });
  return toView(await loadTemplate(ctx, editor.tenantId, id));
}

/** The plaintext of a template document, after the vault's tamper checks. */
export async function readTemplateDocument(
  ctx: ContractsContext,
  document: TemplateDocumentTable,
): Promise<Buffer> {
  // The vault works on envelope documents; a template document is the same thing with one version.
  const asDocument: DocumentTable = {
    id: document.id,
    envelope_id: document.template_id,
    position: document.position,
    name: document.name,
    hsm_key_id: document.hsm_key_id,
    sealed_key: document.sealed_key,
    current_version: 1,
    original_sha256: document.sha256,
    status: document.status,
    created_at: document.created_at,
    shredded_at: null,
  };
  const version: DocumentVersionTable = {
    document_id: document.id,
    version: 1,
    kind: 'template',
    sha256: document.sha256,
    size: document.size,
    data: document.data,
    blob_ref: document.blob_ref,
    created_at: document.created_at,
  };
  return ctx.vault.open(asDocument, version);
}
