/**
 * The public verification API: POST /api/verify (no login), a PDF or a detached CAdES signature as
 * the raw body (application/pdf, application/pkcs7-signature with ?data in multipart) or as
 * multipart/form-data fields `file` and `data`, and optionally `policy` (a validation policy JSON,
 * docs/verification.md); JSON report, or HTML with ?format=html&lang=ja|en.
 */
import type { FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isShomeiError } from '../errors/index.ts';
import { inputTooLarge, unusableInput } from './errors.ts';
import { renderHtmlReport } from './html.ts';
import { MAX_POLICY_BYTES, parsePolicy, type ValidationPolicy } from './policy.ts';
import { validationReportSchema, verifyQuerySchema } from './report-shapes.ts';
import type { ValidationOptions, ValidationReport } from './types.ts';
import { validateDocument } from './validate.ts';

export interface ValidationRoutesOptions {
  /** The trust anchors (DER) of this installation, read per request so that a rotation takes effect. */
  readonly trustAnchors: () => Promise<readonly Uint8Array[]>;
  /** Largest request body (default 32 MiB). */
  readonly bodyLimit?: number;
  /** Allow online OCSP/CRL fetching when a request asks for it with ?online=true (default false). */
  readonly allowOnline?: boolean;
  /**
   * Runs the validation; the server passes the worker pool's job (ADR 016) so that a heavy or hostile
   * document never holds the event loop. Default: validateDocument on this thread.
   */
  readonly validate?: (input: {
    document: Uint8Array;
    data?: Uint8Array | undefined;
    options: Omit<ValidationOptions, 'fetcher'>;
  }) => Promise<ValidationReport>;
  /** Requests per minute from one client address (@fastify/rate-limit must be registered); 0: none. */
  readonly perMinute?: number;
}

const DEFAULT_LIMIT = 32 * 1024 * 1024;
const MAX_PARTS = 4;

async function multipartFiles(
  body: Buffer,
  contentType: string,
): Promise<{ file?: Uint8Array; data?: Uint8Array; name?: string; policy?: ValidationPolicy }> {
  let form: FormData;
  try {
    // Node's own multipart parser (undici); the body is already size-limited by Fastify.
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw unusableInput('malformed multipart/form-data');
  }
  const out: { file?: Uint8Array; data?: Uint8Array; name?: string; policy?: ValidationPolicy } = {};
  let count = 0;
  for (const [key, value] of form.entries()) {
    count += 1;
    if (count > MAX_PARTS) throw unusableInput('too many form parts');
    if (key === 'policy') {
      const text = typeof value === 'string' ? value : await value.slice(0, MAX_POLICY_BYTES + 1).text();
      out.policy = parsePolicy(text);
      continue;
    }
    if (typeof value === 'string') continue;
    const bytes = new Uint8Array(await value.arrayBuffer());
    if (key === 'file') {
      out.file = bytes;
      if (value.name) out.name = value.name.slice(0, 200);
    } else if (key === 'data') out.data = bytes;
  }
  return out;
}

/** The document (and the detached data, its name and a policy) from a raw or multipart body. */
async function documentParts(
  body: unknown,
  contentType: string,
  bodyLimit: number,
): Promise<{ file: Uint8Array; data?: Uint8Array; name?: string; policy?: ValidationPolicy }> {
  if (!Buffer.isBuffer(body) || body.length === 0) {
    throw unusableInput(
      'send the document as application/pdf, application/pkcs7-signature or multipart/form-data',
    );
  }
  if (body.length > bodyLimit) throw inputTooLarge('request', body.length, bodyLimit);
  const parts = contentType.startsWith('multipart/form-data')
    ? await multipartFiles(body, contentType)
    : { file: body as Uint8Array };
  if (parts.file === undefined) throw unusableInput('the form has no "file" part');
  return { ...parts, file: parts.file };
}

export async function validationRoutes(
  app: FastifyInstance,
  options: ValidationRoutesOptions,
): Promise<void> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_LIMIT;
  for (const type of [
    'application/pdf',
    'application/pkcs7-signature',
    'application/octet-stream',
    'multipart/form-data',
  ]) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit }, (_request, body, done) =>
      done(null, body),
    );
  }
  const validate =
    options.validate ??
    ((input: { document: Uint8Array; data?: Uint8Array | undefined; options: ValidationOptions }) =>
      validateDocument(input.document, input.data, input.options));
  const perMinute = options.perMinute ?? 0;
  // Read by @fastify/rate-limit (registered by the server with global: false), per client address.
  const rateLimit = perMinute > 0 ? { rateLimit: { max: perMinute, timeWindow: 60_000 } } : {};
  // Also on a bare Fastify (tests): the declared query and answer validate and serialise.
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const schema = {
    // The body is the document itself (PDF, CMS or a multipart form), read by the parsers above.
    querystring: verifyQuerySchema,
    response: {
      200: {
        content: {
          'application/json': { schema: validationReportSchema },
          'text/html': { schema: z.string().describe('The report as a page (?format=html)') },
        },
      },
    },
  };
  const config = { ...rateLimit, invalidInput: (field: string) => unusableInput(`query ${field}`) };
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.post('/api/verify', { bodyLimit, config, schema }, async (request, reply) => {
    const query = request.query;
    const lang = query.lang === 'en' ? 'en' : 'ja';
    const parts = await documentParts(request.body, request.headers['content-type'] ?? '', bodyLimit);
    let report: ValidationReport;
    try {
      report = await validate({
        document: parts.file,
        data: parts.data,
        options: {
          trustAnchors: await options.trustAnchors(),
          online: options.allowOnline === true && query.online === 'true',
          ...(parts.name ? { name: parts.name } : {}),
          ...(parts.policy ? { policy: parts.policy } : {}),
        },
      });
    } catch (error) {
      if (isShomeiError(error)) throw error;
      throw unusableInput('the document could not be parsed');
    }
    if (query.format === 'html') {
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-disposition', `inline; filename="verification-report-${lang}.html"`)
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
        .send(renderHtmlReport(report, lang));
    }
    return reply.header('content-type', 'application/json; charset=utf-8').send(report);
  });
}
