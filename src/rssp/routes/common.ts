/** Shared pieces of the CSC and OAuth routes: error replies, bearer authentication, defensive field parsing. */
import { createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CSC, CscError, invalidRequest, isCscError, printable, RefusedInput } from '../errors.ts';
import type { RsspPrincipal } from '../principal.ts';
import type { RsspRouteView } from '../service.ts';
import { REFUSED_INPUT } from './csc-shapes.ts';

/** Errors on /csc/v2 and /oauth2 as the specification writes them: `{error, error_description}`. */
export function cscErrorHandler(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (isCscError(error)) {
    request.log.info({ error: error.error, description: error.description }, 'CSC request refused');
    void reply
      .status(error.status)
      .header('cache-control', 'no-store')
      .send({ error: error.error, error_description: error.description });
    return;
  }
  const fastifyError = error as FastifyError;
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    const description =
      fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'Request body too large'
        : 'Malformed request body';
    void reply
      .status(fastifyError.statusCode === 413 ? 413 : 400)
      .send({ error: 'invalid_request', error_description: description });
    return;
  }
  request.log.error({ err: error }, 'unexpected error in the remote signature service');
  void reply.status(500).send({ error: 'server_error', error_description: 'An internal error occurred' });
}

/** cscErrorHandler that first records refused input (GL 7.1.4: every access attempt). */
export function auditingCscErrorHandler(
  rssp: RsspRouteView,
): (error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (thrown, request, reply) => {
    const error = hasZodFastifySchemaValidationErrors(thrown) ? schemaRefusal(thrown.validation) : thrown;
    if (error instanceof RefusedInput) {
      await rssp.verbs
        .recordRefusedInput({ error, route: request.url.split('?')[0], source: request.ip })
        .catch((auditError: unknown) => request.log.error({ err: auditError }, 'audit of a refusal failed'));
    }
    cscErrorHandler(error, request, reply);
  };
}

/**
 * A body the method's shape refused, as the specification's error: the shape's message for the first
 * field at fault is its `error_description` (csc-shapes.ts), a control character a RefusedInput.
 */
function schemaRefusal(issues: readonly { message?: string; params?: Record<string, unknown> }[]): CscError {
  const issue = issues[0];
  const refused = issue?.params?.params as Record<string, unknown> | undefined;
  const field = refused?.[REFUSED_INPUT];
  if (typeof field === 'string') return new RefusedInput(field, String(refused?.value));
  return invalidRequest(issue?.message ?? 'Malformed request body');
}

/** SHA-256 (hex) of the TLS client certificate, when the connection carries one. */
export function peerCertificateSha256(request: FastifyRequest): string | undefined {
  const socket = request.raw.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate();
  if (peer === null || peer === undefined || peer.raw === undefined) return undefined;
  return createHash('sha256').update(peer.raw).digest('hex');
}

/** The bearer of `Authorization: Bearer …`, checked against the token store and the client's TLS binding. */
export async function authenticateBearer(
  rssp: RsspRouteView,
  request: FastifyRequest,
): Promise<RsspPrincipal> {
  const header = request.headers.authorization;
  if (header === undefined) throw CSC.malformedAuthorizationHeader();
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  if (match === null) throw CSC.malformedAuthorizationHeader();
  return rssp.verbs.authenticateBearer({
    token: match[1]!,
    source: request.ip,
    route: request.url.split('?')[0]!,
    tlsCertificateSha256: peerCertificateSha256(request),
  });
}

/** The JSON body as a plain object (CSC methods always take one; `{}` when absent). */
export function bodyObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('Malformed request body');
  return body as Record<string, unknown>;
}

const short = z.string().min(1).max(256);
const description = z.string().max(500);
const bool = z.boolean();

/** Field readers yielding the specification's error text for each kind of wrong input. */
export const field = {
  string(body: Record<string, unknown>, name: string, options: { required: true; max?: number }): string {
    const value = body[name];
    const parsed = (options.max === undefined ? short : z.string().min(1).max(options.max)).safeParse(value);
    if (!parsed.success) throw CSC.missingString(name);
    return printable(name, parsed.data);
  },
  /** An optional identifier or code; `clientData` alone is free text (the client's own, never used). */
  optionalString(body: Record<string, unknown>, name: string, max = 256): string | undefined {
    const value = body[name];
    if (value === undefined || value === null) return undefined;
    const parsed = z.string().max(max).safeParse(value);
    if (!parsed.success) throw CSC.invalidParameter(name);
    return name === 'clientData' ? parsed.data : printable(name, parsed.data);
  },
  description(body: Record<string, unknown>): string | undefined {
    const value = body.description;
    if (value === undefined || value === null) return undefined;
    const parsed = description.safeParse(value);
    if (!parsed.success) throw CSC.invalidParameter('description');
    return parsed.data;
  },
  integer(body: Record<string, unknown>, name: string): number {
    const parsed = z.number().int().min(-1_000_000).max(1_000_000).safeParse(body[name]);
    if (!parsed.success) throw CSC.missingInteger(name);
    return parsed.data;
  },
  optionalBoolean(body: Record<string, unknown>, name: string): boolean | undefined {
    const value = body[name];
    if (value === undefined || value === null) return undefined;
    const parsed = bool.safeParse(value);
    if (!parsed.success) throw CSC.invalidParameter(name);
    return parsed.data;
  },
  stringArray(body: Record<string, unknown>, name: string, required: boolean): string[] | undefined {
    const value = body[name];
    if (value === undefined || value === null) {
      if (required) throw CSC.missingArray(name === 'hashes' ? 'hash' : name);
      return undefined;
    }
    const parsed = z.array(z.unknown()).max(1000).safeParse(value);
    if (!parsed.success) throw CSC.missingArray(name === 'hashes' ? 'hash' : name);
    if (!parsed.data.every((v) => typeof v === 'string')) throw CSC.invalidBase64Hash();
    return parsed.data as string[];
  },
  certificates(body: Record<string, unknown>): 'none' | 'single' | 'chain' {
    const value = body.certificates;
    if (value === undefined || value === null) return 'single';
    const parsed = z.enum(['none', 'single', 'chain']).safeParse(value);
    if (!parsed.success) throw CSC.invalidParameter('certificates');
    return parsed.data;
  },
  authData(body: Record<string, unknown>): { id: string; value?: string }[] {
    const value = body.authData;
    if (value === undefined || value === null) return [];
    const parsed = z
      .array(z.object({ id: z.string().min(1).max(64), value: z.string().max(256).optional() }))
      .max(8)
      .safeParse(value);
    if (!parsed.success) throw CSC.invalidParameter('authData');
    return parsed.data.map((d) => (d.value === undefined ? { id: d.id } : { id: d.id, value: d.value }));
  },
};

/** The language of a response: Japanese unless English is asked for. */
export function responseLanguage(body: Record<string, unknown>): 'ja-JP' | 'en-US' {
  const lang = body.lang;
  return typeof lang === 'string' && /^en\b/i.test(lang) ? 'en-US' : 'ja-JP';
}

export { CscError, printable, RefusedInput };
