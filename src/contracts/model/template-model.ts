/** What a template (テンプレート) holds and what filling one in takes: zod schemas, bounded. */
import { z } from 'zod';
// zod and shapes.ts only: the web client type-checks against this file.
import { isoDate, MAX_AMOUNT, placementSchema, text } from './shapes.ts';

const userId = z.string().min(1).max(100);

export const remindersSchema = z
  .object({
    /** Days between reminders to a party whose turn it is. */
    intervalDays: z.number().int().min(1).max(90),
    /** 0 turns reminders off. */
    maxReminders: z.number().int().min(0).max(20),
  })
  .strict();
export type ReminderSettings = z.infer<typeof remindersSchema>;

const slotSchema = z
  .object({
    /** 甲, 乙, 丙 … — unique within the template; the key by which the slot is filled. */
    label: text(20),
    role: z.enum(['signer', 'approver', 'viewer']),
    signingMode: z.enum(['signer-type', 'witness-type']).optional(),
    order: z.number().int().min(1).max(100).optional(),
    placement: placementSchema.optional(),
    /** A fixed party (e.g. the tenant's own signer); otherwise the slot is filled per envelope. */
    userId: userId.optional(),
    credentialId: z.string().min(1).max(100).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.role === 'signer' && s.signingMode === undefined)
      ctx.addIssue({ code: 'custom', message: 'a signer needs signingMode', path: ['signingMode'] });
    if (s.role !== 'signer' && s.signingMode !== undefined)
      ctx.addIssue({ code: 'custom', message: 'only signers have a signingMode', path: ['signingMode'] });
  });
export type TemplateSlot = z.infer<typeof slotSchema>;

export const templateSchema = z
  .object({
    name: text(200),
    /** Title of the envelopes made from it. */
    title: text(200),
    counterparty: text(200).optional(),
    message: z.string().max(2000).optional(),
    currency: z.enum(['JPY', 'USD', 'EUR']).default('JPY'),
    signingOrder: z.enum(['sequential', 'parallel']).default('sequential'),
    /** Envelopes expire this many days after they are created. */
    expiresInDays: z.number().int().min(1).max(365).optional(),
    reminders: remindersSchema.optional(),
    /** Users of the tenant who approve each envelope before it is sent (社内承認). */
    internalApprovers: z.array(userId).max(10).optional(),
    slots: z.array(slotSchema).min(1).max(20),
  })
  .strict()
  .superRefine((t, ctx) => {
    const labels = t.slots.map((s) => s.label);
    if (new Set(labels).size !== labels.length)
      ctx.addIssue({ code: 'custom', message: 'labels must be unique', path: ['slots'] });
    if (!t.slots.some((s) => s.role === 'signer'))
      ctx.addIssue({ code: 'custom', message: 'at least one signer slot', path: ['slots'] });
    if (t.internalApprovers !== undefined && new Set(t.internalApprovers).size !== t.internalApprovers.length)
      ctx.addIssue({ code: 'custom', message: 'approvers must be distinct', path: ['internalApprovers'] });
  });
export type TemplateDefinition = z.infer<typeof templateSchema>;
/** What a client sends (defaults not yet applied). */
export type TemplateDefinitionInput = z.input<typeof templateSchema>;

export const templateViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  definition: templateSchema,
  documents: z.array(z.object({ id: z.string(), name: z.string(), sha256: z.string(), size: z.number() })),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type TemplateView = z.output<typeof templateViewSchema>;
export const templateListSchema = z.object({
  templates: z.array(z.object({ id: z.string(), name: z.string(), updatedAt: z.string() })),
});
export type TemplateSummary = z.output<typeof templateListSchema>['templates'][number];

/** The concrete party of one slot: an account holder, or an outside person by e-mail. */
export const slotFillSchema = z
  .object({
    userId: userId.optional(),
    email: z.string().trim().max(254).email().optional(),
    name: text(100).optional(),
    company: text(200).optional(),
    title: text(100).optional(),
    accessCode: z.string().min(8).max(64).optional(),
  })
  .strict();
export type SlotFill = z.infer<typeof slotFillSchema>;

/** Envelope fields a fill (or a bulk row) may set over the template's. */
export const envelopeFieldsSchema = z
  .object({
    title: text(200).optional(),
    counterparty: text(200).optional(),
    transactionDate: isoDate.optional(),
    amount: z.number().int().min(0).max(MAX_AMOUNT).optional(),
    message: z.string().max(2000).optional(),
  })
  .strict();
export type EnvelopeFields = z.infer<typeof envelopeFieldsSchema>;

export const fromTemplateSchema = envelopeFieldsSchema
  .extend({
    /** Slot label → party, for every slot without a fixed party. */
    parties: z.record(z.string().max(20), slotFillSchema).refine((r) => Object.keys(r).length <= 20, {
      message: 'at most 20 slots',
    }),
    reminders: remindersSchema.optional(),
    /** Send at once (or request internal approval when the template names approvers). */
    send: z.boolean().default(false),
  })
  .strict();
export type FromTemplateInput = z.infer<typeof fromTemplateSchema>;
