/**
 * A backup as the operator console sees it (/api/admin/backups), declared with zod: Fastify
 * serialises with it, the OpenAPI document is generated from it, and the catalogue's record type is
 * inferred from it. Imports zod only, so the web client can type-check against it.
 */
import { z } from 'zod';

export const backupVerifyResultSchema = z.object({
  at: z.string(),
  by: z.string().describe('User id, or `shomei` for the check right after writing'),
  byName: z.string().optional(),
  valid: z.boolean(),
  problems: z.array(z.string()).readonly(),
});

export const backupRecordSchema = z.object({
  id: z.string(),
  file: z.string().describe('File name under <SHOMEI_HOME>/backups on the server'),
  createdAt: z.string(),
  createdBy: z.object({ id: z.string(), name: z.string() }),
  state: z
    .enum(['creating', 'ready', 'failed', 'interrupted'])
    .describe('interrupted: the process stopped while writing it'),
  error: z.string().optional().describe('The error code of a failed backup'),
  size: z.number().int().optional(),
  manifestSha256: z.string().optional(),
  signerKeySha256: z.string().optional(),
  entries: z.number().int().optional(),
  environment: z.string().optional(),
  dialect: z.string().optional(),
  lastVerify: backupVerifyResultSchema.optional(),
  verifying: z.boolean().optional().describe('True while a verification runs'),
});

export const backupListSchema = z.object({ backups: z.array(backupRecordSchema) });
export const backupIdParams = z.object({ id: z.string() });

export type BackupRecordView = z.output<typeof backupRecordSchema>;
