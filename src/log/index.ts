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

export function createLogger(
  options: { level?: string; name?: string } = {},
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'shomei',
      redact: { paths: redactPaths, remove: true },
      timestamp: pino.stdTimeFunctions.isoTime,
      base: { pid: process.pid },
    },
    destination,
  );
}
