/** The e-contract vocabulary and the parsing of what callers send (zod, bounded). */
import { z } from 'zod';
import type { EnvelopeStatus, PartyRole, PartyStatus, SigningMode } from '../store/tables.ts';
import { contractErrors } from './errors.ts';
import { isoDate, MAX_AMOUNT, placementSchema, text } from './shapes.ts';

export type { DocumentView, EnvelopeView, PartyView, SealPlacement } from './shapes.ts';
export { isoDate, MAX_AMOUNT, text } from './shapes.ts';
export type { EnvelopeStatus, PartyRole, PartyStatus, SigningMode };
export { placementSchema };

const partySchema = z
  .object({
    role: z.enum(['signer', 'approver', 'viewer']),
    signingMode: z.enum(['signer-type', 'witness-type']).optional(),
    /**
     * An account holder of any tenant; otherwise a person reached by e-mail — for signer-type, the
     * account with that address once it opens the envelope (access.ts), after applying for one if needed.
     */
    userId: z.string().min(1).max(100).optional(),
    email: z.string().trim().max(254).email().optional(),
    company: text(200).optional(),
    title: text(100).optional(),
    name: text(100).optional(),
    /** Sequential order: parties act in ascending order; equal numbers act in parallel. */
    order: z.number().int().min(1).max(100).optional(),
    /** Optional: a signer-type party chooses one of their own credentials when signing. */
    credentialId: z.string().min(1).max(100).optional(),
    placement: placementSchema.optional(),
    /** The access code the sender will pass on by another channel; generated when omitted. */
    accessCode: z.string().min(8).max(64).optional(),
    /** 甲/乙/丙 …: the party's label in the contract, shown in mails and the certificate. */
    label: text(20).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.userId === undefined && p.email === undefined)
      ctx.addIssue({ code: 'custom', message: 'userId or email is required', path: ['email'] });
    if (p.userId === undefined && p.name === undefined)
      ctx.addIssue({ code: 'custom', message: 'name is required for an outside party', path: ['name'] });
    if (p.role === 'signer' && p.signingMode === undefined)
      ctx.addIssue({ code: 'custom', message: 'a signer needs signingMode', path: ['signingMode'] });
    if (p.role !== 'signer' && p.signingMode !== undefined)
      ctx.addIssue({ code: 'custom', message: 'only signers have a signingMode', path: ['signingMode'] });
    if (p.credentialId !== undefined && p.userId === undefined)
      ctx.addIssue({
        code: 'custom',
        message: 'a credential belongs to an account holder (userId); or leave it to the signer',
        path: ['credentialId'],
      });
  });
export type PartyInput = z.infer<typeof partySchema>;

export const envelopeInputSchema = z
  .object({
    title: text(200),
    counterparty: text(200),
    transactionDate: isoDate.optional(),
    amount: z.number().int().min(0).max(MAX_AMOUNT).optional(),
    currency: z.enum(['JPY', 'USD', 'EUR']).default('JPY'),
    signingOrder: z.enum(['sequential', 'parallel']).default('sequential'),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    message: z.string().max(2000).optional(),
    parties: z.array(partySchema).min(1).max(20),
  })
  .strict();
export type EnvelopeInput = z.infer<typeof envelopeInputSchema>;

export const searchSchema = z
  .object({
    transactionDateFrom: isoDate.optional(),
    transactionDateTo: isoDate.optional(),
    amountMin: z.coerce.number().int().min(0).max(MAX_AMOUNT).optional(),
    amountMax: z.coerce.number().int().min(0).max(MAX_AMOUNT).optional(),
    counterparty: z.string().trim().min(1).max(200).optional(),
    /** Exact counterparty (default) or a prefix/substring. */
    counterpartyMatch: z.enum(['exact', 'contains']).default('exact'),
    title: z.string().trim().min(1).max(200).optional(),
    status: z
      .enum(['draft', 'sent', 'completing', 'completed', 'cancelled', 'declined', 'expired', 'imported'])
      .optional(),
    /** Newest first by creation (default), or by transaction date (rows without one are left out). */
    orderBy: z.enum(['created', 'transactionDate']).default('created'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** Opaque cursor from the previous page. */
    cursor: z.string().max(200).optional(),
  })
  .strict();
export type EnvelopeSearch = z.input<typeof searchSchema>;

/** Parses with a schema; the first issue becomes SHOMEI_ENVELOPE_INVALID naming the field. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw contractErrors.invalid(issue?.path.join('.') || '(body)', issue?.message ?? 'invalid');
  }
  return parsed.data;
}

/** Who is acting. Users come from identity's sessions; parties from a signing link. */
export type ContractActor =
  | {
      readonly kind: 'user';
      readonly userId: string;
      readonly tenantId: string;
      readonly email: string;
      /** e.g. password+totp, from the session. */
      readonly authentication: string;
      readonly source?: string | undefined;
    }
  | {
      readonly kind: 'api-key';
      readonly keyId: string;
      readonly tenantId: string;
      /** The account the key acts for (sender of the envelopes it creates). */
      readonly userId: string;
      readonly scopes: readonly string[];
      readonly source?: string | undefined;
    }
  | {
      readonly kind: 'party';
      readonly partyId: string;
      readonly envelopeId: string;
      readonly source?: string | undefined;
    };
