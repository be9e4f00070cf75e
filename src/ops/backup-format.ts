/**
 * The backup file: a small container written by hand because it needs only a signed manifest
 * followed by the files it lists, and must be checkable offline without unpacking anything:
 *
 *   "SHOMEI-BACKUP\n1\n" (16 bytes) | u32 manifest length | manifest (UTF-8 JSON) |
 *   u32 signature length | signature over the manifest bytes | entry bytes, in manifest order
 *
 * The manifest lists each entry's path, size and SHA-256; the signature (ECDSA P-256 over SHA-256,
 * by the HSM key with purpose `backup-signing`) covers the manifest, so every byte is covered.
 */
import { z } from 'zod';
import { ENVIRONMENTS } from '../config/index.ts';

export const BACKUP_MAGIC = Buffer.from('SHOMEI-BACKUP\n1\n', 'ascii');
export const BACKUP_FORMAT = 'shomei-backup/1';
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
export const MAX_SIGNATURE_BYTES = 1024;

/** Relative paths of safe characters only: a hostile manifest cannot write outside the target. */
const entryPath = z
  .string()
  .max(512)
  .regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/, 'unsafe path')
  .refine((p) => !p.split('/').includes('..'), 'unsafe path');

export const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  createdAt: z.string().datetime(),
  installationId: z.string().min(1).max(64),
  environment: z.enum(ENVIRONMENTS),
  database: z.object({ dialect: z.enum(['sqlite', 'postgres']), entry: entryPath }),
  token: z.object({ label: z.string().max(32), softHsmFiles: z.boolean() }),
  signer: z.object({
    keyId: z.string().regex(/^[0-9a-f]{2,128}$/),
    algorithm: z.literal('EC-P256'),
    /** SubjectPublicKeyInfo, base64 DER. */
    publicKey: z.string().max(4096),
    publicKeySha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  entries: z
    .array(
      z.object({
        path: entryPath,
        size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
      }),
    )
    .max(100_000),
  notes: z.object({ ja: z.string(), en: z.string() }),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

export function frameLength(length: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(length);
  return buffer;
}
