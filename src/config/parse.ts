/**
 * Reading one module's settings from the environment with its zod schema: every module with
 * settings of its own (core, work pool, CA, TSA, operations) refuses a bad one the same way,
 * naming the first bad setting (SHOMEI_CONFIG_INVALID) and never echoing its value.
 */
import type { z } from 'zod';
import { shomeiError } from '../errors/index.ts';

export function parseSettings<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  // Settings are parsed once per process: zod's eval-compiled fast path would cost more to build than
  // it saves (~10 ms of a one-shot command's start, ADR 046); the checks are the same without it.
  const parsed = schema.safeParse(env, { jitless: true });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const setting = String(issue?.path[0] ?? 'configuration');
  const reason = issue?.message ?? 'invalid';
  throw shomeiError(
    'SHOMEI_CONFIG_INVALID',
    `設定 ${setting} が不正です: ${reason}`,
    `Setting ${setting} is invalid: ${reason}`,
    { details: { setting }, status: 500 },
  );
}
