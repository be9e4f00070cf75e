/**
 * The opaque state kept between "prepare" and "complete": JSON-safe (base64 strings) so that it can
 * sit in a database row while the digest travels to a remote signer. It holds no secret — only the
 * signed attributes and public certificates — and is re-checked strictly when read back.
 */
import * as z from 'zod';
import { DIGEST_ALGORITHMS } from '../crypto/index.ts';
import { signingStateInvalid } from './errors.ts';

const MAX_STATE_CHARS = 1024 * 1024;
const base64 = z
  .string()
  .max(128 * 1024)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/);

const stateSchema = z
  .object({
    format: z.literal('shomei/cms-signing-state'),
    version: z.literal(1),
    digestAlgorithm: z.enum(DIGEST_ALGORITHMS),
    signatureScheme: z.enum(['RSASSA-PKCS1-v1_5', 'RSASSA-PSS', 'ECDSA']),
    signedAttributes: base64,
    signerCertificate: base64,
    certificateChain: z.array(base64).max(16),
  })
  .strict();

export type CmsSigningState = z.infer<typeof stateSchema>;

/** Accepts the state object or its JSON text; anything else is SHOMEI_ADES_STATE_INVALID. */
export function readSigningState(input: unknown): CmsSigningState {
  let value = input;
  if (typeof input === 'string') {
    if (input.length > MAX_STATE_CHARS) throw signingStateInvalid('too large');
    try {
      value = JSON.parse(input);
    } catch {
      throw signingStateInvalid('not JSON');
    }
  }
  const parsed = stateSchema.safeParse(value);
  if (!parsed.success) {
    throw signingStateInvalid(parsed.error.issues[0]?.path.join('.') || 'unexpected shape');
  }
  return parsed.data;
}
