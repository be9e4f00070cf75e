import { type ShomeiError, shomeiError } from '../errors/index.ts';

export function invalidInput(field: string, reason: string): ShomeiError {
  return shomeiError(
    'SHOMEI_ADMIN_INPUT_INVALID',
    `${field} が不正です: ${reason}`,
    `${field} is invalid: ${reason}`,
    { status: 400, details: { field, reason } },
  );
}

export function notAuthorised(action: string, needed: readonly string[]): ShomeiError {
  return shomeiError(
    'SHOMEI_FORBIDDEN',
    `この操作 (${action}) を行う権限がありません。`,
    `You are not authorised to ${action}.`,
    { status: 403, details: { action, rolesNeeded: [...needed] } },
  );
}

export function notFound(what: string, id: string): ShomeiError {
  return shomeiError('SHOMEI_NOT_FOUND', `${what} ${id} がありません。`, `There is no ${what} ${id}.`, {
    status: 404,
    details: { id },
  });
}
