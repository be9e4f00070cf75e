/**
 * What /api/applications takes and answers, built from the domain's own input schemas (an
 * application's user and delegation are answered as they were accepted).
 */
import { z } from 'zod';
import { applicationShapes } from '../applications.ts';

const nullableText = z.string().nullable();

export const applicationIdParams = z.object({ id: z.string().uuid() });
export const applicationListQuery = z.object({
  status: z.enum(['pending', 'approved', 'rejected']).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
export const rejectionBody = z.object({ reason: z.string().trim().min(1).max(500) }).strict();

export const applicationSchema = z.object({
  id: z.string(),
  status: z.enum(['pending', 'approved', 'rejected']),
  submittedAt: z.string(),
  organisationName: z.string(),
  requestedTenantSlug: nullableText,
  user: applicationShapes().applicationInput.shape.user,
  delegation: applicationShapes().delegation.nullable(),
  decidedAt: nullableText,
  decidedBy: nullableText,
  decisionReason: nullableText,
  identityCheck: z.object({ method: z.string(), reference: z.string() }).nullable(),
  tenantId: nullableText,
  userId: nullableText,
});

export const submittedAnswer = z.object({ id: z.string(), status: z.literal('pending') });
export const applicationListAnswer = z.object({ applications: z.array(applicationSchema) });
export const approvedAnswer = z.object({
  application: applicationSchema,
  tenantId: z.string(),
  userId: z.string(),
  activationExpiresAt: z.string(),
});
export const rejectedAnswer = z.object({ id: z.string(), status: z.literal('rejected') });
