/**
 * Structured JSON logs (pino). Secrets never reach a log: known secret fields are removed wherever
 * they appear, and callers log identifiers and outcomes, never values such as PINs or SAD.
 */
import { createRequire } from 'node:module';
import type * as Pino from 'pino';
import type { DestinationStream, Logger } from 'pino';

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

/** pino, loaded when a logger is made (see deferredLogger). */
function loadPino(): typeof Pino.pino {
  return (createRequire(import.meta.url)('pino') as typeof Pino).pino;
}

export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  const pino = loadPino();
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

const LEVELS: readonly string[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/**
 * createLogger's logger, made (and pino loaded) at the first message at or above `level`: a one-shot
 * command logging at warn usually writes nothing, and loading pino and setting up its redaction were
 * ~20 ms of every `shomei sign` (ADR 046). Messages below the level are dropped, as pino drops them;
 * anything else asked of the logger makes it first.
 */
export function deferredLogger(
  options: { level: string; name?: string },
  destination?: DestinationStream,
): Logger {
  let made: Logger | undefined;
  const logger = (): Logger => {
    made ??= createLogger(options, destination);
    return made;
  };
  const threshold = options.level === 'silent' ? LEVELS.length : LEVELS.indexOf(options.level);
  const below = (level: string): boolean => LEVELS.includes(level) && LEVELS.indexOf(level) < threshold;
  return new Proxy({} as Logger, {
    get(_, key) {
      if (made === undefined && threshold >= 0 && typeof key === 'string' && below(key))
        return () => undefined;
      const target = logger();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set: (_, key, value) => Reflect.set(logger(), key, value),
  });
}
