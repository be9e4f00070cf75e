/**
 * Fatal errors of a long-running command (`shomei start`) as one JSON log line — the same format as
 * every other log line, so a log pipeline sees the cause (code, ja/en message, the setting to fix) —
 * then exit non-zero so that the supervisor (systemd Restart=) notices (issue #22).
 */
import { describeError, isShomeiError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';

export function logFatal(logger: Logger, error: unknown, what: string): void {
  const described = describeError(error);
  const details = isShomeiError(error) ? error.details : {};
  logger.fatal(
    {
      code: described.code,
      message: described.message,
      details,
      // An unexpected error's stack goes to the log (never to a client): the cause without SHOMEI_DEBUG.
      ...(isShomeiError(error) ? {} : { err: error }),
    },
    what,
  );
}

/** Uncaught errors and unhandled rejections end the process with a JSON fatal line, not a stack dump. */
export function exitOnUncaught(logger: Logger): void {
  const fatal = (error: unknown): void => {
    logFatal(logger, error, 'uncaught error; the process exits');
    logger.flush?.();
    process.exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
}
