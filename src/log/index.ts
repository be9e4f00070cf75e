/**
 * Structured JSON logs (pino). Secrets never reach a log: known secret fields are removed wherever
 * they appear, and callers log identifiers and outcomes, never values such as PINs or SAD.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/** Field names whose values are secrets anywhere in a log object. */
export const SECRET_FIELDS = [
  'password',
  'newPassword',
  'pin',
  'PIN',
  'userPin',
  'soPin',
  'otp',
  'OTP',
  'sad',
  'SAD',
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
  'secret',
  'totpSecret',
  'recoveryCodes',
  'sessionId',
  'cookie',
  'authorization',
  'authData',
  'privateKey',
] as const;

const redactPaths = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]).concat([
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
]);

/** Path segments that are bearer secrets themselves: the e-mailed signing link's token. */
const TOKEN_PATH = /^(\/sign\/)[^/?#]+/;
/** Query parameters whose values are secrets (OAuth/OIDC authorisation codes, tokens, …). */
const SECRET_QUERY = /([?&](?:code|token|access_token|refresh_token|id_token|sad|otp|pin|password)=)[^&#]*/gi;

/** A request URL fit for a log: signing-link tokens and secret query values become `[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(TOKEN_PATH, '$1[redacted]').replace(SECRET_QUERY, '$1[redacted]');
}

/** Fastify's request serializer with the URL redacted (Fastify takes a logger's own `req` serializer). */
function requestForLog(req: {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}): Record<string, unknown> {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'shomei',
      redact: { paths: redactPaths, remove: true },
      serializers: { req: requestForLog },
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { pid: process.pid },
    },
    destination,
  );
}
