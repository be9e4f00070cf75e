/**
 * The templates API's shapes (src/contracts/model/template-model.ts): the zod-inferred types the
 * server validates and serialises with, not copies.
 */
import type {
  TemplateDefinitionInput,
  TemplateView as TemplateViewShape,
} from '../../../src/contracts/model/template-model.ts';

export type { TemplateSummary } from '../../../src/contracts/model/template-model.ts';

/** What the editor sends (the server fills in defaults). */
export type TemplateDefinition = TemplateDefinitionInput;
export type TemplateSlot = TemplateDefinition['slots'][number];
export type SlotRole = TemplateSlot['role'];
export type SigningMode = NonNullable<TemplateSlot['signingMode']>;
export type Reminders = NonNullable<TemplateDefinition['reminders']>;
export type TemplateView = TemplateViewShape;

/** Slots filled per envelope (no fixed party). */
export function openSlots(template: TemplateView): readonly TemplateSlot[] {
  return template.definition.slots.filter((s) => s.userId === undefined);
}
