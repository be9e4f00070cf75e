/** The subset of the templates API (src/contracts/model/template-model.ts, templates.ts) the screens use. */
export type SlotRole = 'signer' | 'approver' | 'viewer';
export type SigningMode = 'signer-type' | 'witness-type';

export interface Reminders {
  readonly intervalDays: number;
  readonly maxReminders: number;
}

export interface TemplateSlot {
  readonly label: string;
  readonly role: SlotRole;
  readonly signingMode?: SigningMode;
  readonly order?: number;
  readonly placement?: {
    readonly document: number;
    readonly page: number;
    readonly rect: readonly [number, number, number, number];
  };
  readonly userId?: string;
  readonly credentialId?: string;
}

export interface TemplateDefinition {
  readonly name: string;
  readonly title: string;
  readonly counterparty?: string;
  readonly message?: string;
  readonly currency?: 'JPY' | 'USD' | 'EUR';
  readonly signingOrder?: 'sequential' | 'parallel';
  readonly expiresInDays?: number;
  readonly reminders?: Reminders;
  readonly internalApprovers?: readonly string[];
  readonly slots: readonly TemplateSlot[];
}

export interface TemplateView {
  readonly id: string;
  readonly name: string;
  readonly definition: TemplateDefinition;
  readonly documents: readonly { id: string; name: string; sha256: string; size: number }[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface TemplateSummary {
  readonly id: string;
  readonly name: string;
  readonly updatedAt: string;
}

/** Slots filled per envelope (no fixed party). */
export function openSlots(template: TemplateView): readonly TemplateSlot[] {
  return template.definition.slots.filter((s) => s.userId === undefined);
}
