/**
 * The administration routes' requests and answers (approvals, role grants, training, maintenance
 * terminals, "my privileges"), declared with zod: Fastify validates and serialises with them and the
 * OpenAPI document is generated from them. The services keep their own checks (the CLI calls them
 * too); a field the schema refuses answers SHOMEI_ADMIN_INPUT_INVALID as the services do.
 * Imports zod and constants only, so the web client can type-check against it.
 */
import { z } from 'zod';
import { ROLES } from './roles.ts';

const bilingual = z.object({ ja: z.string(), en: z.string() });
const jsonObject = z.record(z.string(), z.unknown());

export const APPROVAL_STATUSES = [
  'pending',
  'executing',
  'approved',
  'rejected',
  'expired',
  'failed',
] as const;

export const approvalRequestSchema = z.object({
  id: z.string(),
  kind: z.string(),
  payload: jsonObject,
  requestedBy: z.string(),
  requestedAt: z.string(),
  expiresAt: z.string(),
  status: z.enum(APPROVAL_STATUSES),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  outcome: jsonObject.nullable().describe('What the executed operation reported (no secrets)'),
});
export type ApprovalRequestView = z.output<typeof approvalRequestSchema>;

export const approvalListQuery = z.object({ status: z.enum(APPROVAL_STATUSES).optional() });
export const approvalListSchema = z.object({
  approvals: z.array(approvalRequestSchema),
  kinds: z.array(z.string()).describe('Every operation kind dual control knows'),
});
export const approvalBody = z.object({
  // A kind it does not know is refused by dual control itself (SHOMEI_DUAL_CONTROL_KIND_UNKNOWN).
  kind: z.unknown().describe('The operation kind, a string such as role.grant'),
  payload: z.unknown().describe("The operation's input, checked by its kind"),
});
export const idParams = z.object({ id: z.string() });

export const roleGrantSchema = z.object({
  id: z.string(),
  userId: z.string(),
  role: z.enum(ROLES),
  grantedAt: z.string(),
  grantedBy: z.string(),
  approvalId: z.string().nullable(),
});
export type RoleGrantView = z.output<typeof roleGrantSchema>;
export const roleGrantBody = z.object({ userId: z.string(), role: z.string() });

export const trainingRecordSchema = z.object({
  id: z.string(),
  userId: z.string(),
  topic: z.string(),
  trainer: z.string(),
  trainedOn: z.string().describe('YYYY-MM-DD'),
  recordedBy: z.string(),
  recordedAt: z.string(),
});
export const trainingBody = z.object({
  userId: z.string(),
  topic: z.string(),
  trainer: z.string(),
  trainedOn: z.string().describe('YYYY-MM-DD'),
});
export const trainingParams = z.object({ userId: z.string() });

export const terminalSchema = z.object({
  id: z.string(),
  label: z.string(),
  certificateSha256: z.string(),
  registeredAt: z.string(),
  registeredBy: z.string(),
});
export const terminalBody = z.object({
  label: z.string(),
  certificate: z.string().describe("The terminal's client certificate, PEM"),
});

export const myPrivilegesSchema = z.object({
  user: z.object({ id: z.string(), tenantId: z.string() }),
  roles: z.array(z.object({ role: z.enum(ROLES), name: bilingual })),
  privileges: z.array(z.string()),
  operations: z
    .array(
      z.object({
        id: z.string(),
        dualControl: z.boolean().describe('Needs a second person'),
        description: bilingual.optional(),
        mayRequest: z.boolean().optional(),
        mayApprove: z.boolean().optional(),
      }),
    )
    .describe('Operations the user may perform or take part in'),
  tenant: z.object({ id: z.string(), permissions: z.array(z.string()) }),
  terminal: z.object({ allowed: z.boolean().describe('Whether /api/admin would accept this terminal') }),
});
export type MyPrivilegesView = z.output<typeof myPrivilegesSchema>;
