/** The one place where errors become HTTP responses. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { describeError, invalidInput, isShomeiError, type ShomeiError } from '../errors/index.ts';
import { databaseUnavailable, isDatabaseUnavailable } from '../store/index.ts';

export function handleError(
  thrown: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  // The database being away is a typed 503 the client can retry, not an internal error (issue #22).
  const error = hasZodFastifySchemaValidationErrors(thrown)
    ? schemaRefusal(thrown, request)
    : !isShomeiError(thrown) && isDatabaseUnavailable(thrown)
      ? databaseUnavailable(undefined, thrown)
      : thrown;
  if (isShomeiError(error)) {
    request.log.info({ code: error.code, details: error.details }, 'request refused');
    void reply.status(error.status).send({ error: { code: error.code, message: error.messages } });
    return;
  }
  const fastifyError = error as FastifyError;
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    // Fastify's own refusals: body too large, malformed JSON, unsupported media type.
    const code =
      fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'SHOMEI_INPUT_TOO_LARGE' : 'SHOMEI_BAD_REQUEST';
    void reply.status(fastifyError.statusCode).send({
      error: {
        code,
        message: {
          ja:
            code === 'SHOMEI_INPUT_TOO_LARGE'
              ? '送信されたデータが大きすぎます。'
              : 'リクエストの形式が正しくありません。',
          en:
            code === 'SHOMEI_INPUT_TOO_LARGE'
              ? 'The request body is too large.'
              : 'The request is malformed.',
        },
      },
    });
    return;
  }
  request.log.error({ err: error }, 'unexpected error');
  const described = describeError(error);
  void reply.status(described.status).send({ error: { code: described.code, message: described.message } });
}

/** A zod refusal of a route's declared input, as the route's module error naming the first field. */
function schemaRefusal(
  error: FastifyError & { validation: readonly { instancePath: string; message?: string }[] },
  request: FastifyRequest,
): ShomeiError {
  const issue = error.validation[0];
  const path = issue?.instancePath.split('/').filter(Boolean).join('.') ?? '';
  const field = path === '' ? `(${error.validationContext ?? 'body'})` : path;
  return (request.routeOptions.config.invalidInput ?? invalidInput)(field, issue?.message ?? 'invalid');
}
