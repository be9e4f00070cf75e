/** Typed errors of templates, bulk send, reminders and internal approval (stable codes, ja/en). */
import type { z } from 'zod';
import { type ShomeiError, shomeiError } from '../../errors/index.ts';

export const workflowErrors = {
  templateNotFound(): ShomeiError {
    // Other tenants' templates answer the same way, so ids cannot be probed.
    return shomeiError(
      'SHOMEI_TEMPLATE_NOT_FOUND',
      'テンプレートが見つかりません。',
      'The template was not found.',
      { status: 404 },
    );
  },
  templateInvalid(field: string, reason: string): ShomeiError {
    return shomeiError(
      'SHOMEI_TEMPLATE_INVALID',
      `テンプレートの入力 ${field} が不正です: ${reason}`,
      `Template input ${field} is invalid: ${reason}`,
      { status: 400, details: { field, reason } },
    );
  },
  bulkTooLarge(limit: number): ShomeiError {
    return shomeiError(
      'SHOMEI_BULK_TOO_LARGE',
      `一括送信の宛先が多すぎます (上限 ${limit} 件)。`,
      `Too many rows for one bulk send (limit ${limit}).`,
      { status: 413, details: { limit } },
    );
  },
  bulkBusy(limit: number): ShomeiError {
    return shomeiError(
      'SHOMEI_BULK_BUSY',
      `処理中の一括送信が上限 (${limit} 件) に達しています。完了してから送信してください。`,
      `You already have ${limit} bulk sends in progress; send again when one has finished.`,
      { status: 429, details: { limit } },
    );
  },
  bulkRunning(): ShomeiError {
    return shomeiError(
      'SHOMEI_BULK_RUNNING',
      '一括送信はまだ処理中です。完了後にアクセスコードを取得できます。',
      'The bulk send is still in progress; its access codes can be taken when it has finished.',
      { status: 409 },
    );
  },
  bulkCodesTaken(): ShomeiError {
    // Served once: a second request (or a job that issued no codes) gets this, never the codes.
    return shomeiError(
      'SHOMEI_BULK_CODES_TAKEN',
      'この一括送信のアクセスコードは取得済みか、発行されていません。',
      'The access codes of this bulk send were already taken, or none were issued.',
      { status: 410 },
    );
  },
  approvalPending(): ShomeiError {
    return shomeiError(
      'SHOMEI_APPROVAL_PENDING',
      '社内承認が完了していないため送信できません。',
      'The envelope cannot be sent before every internal approver has approved it.',
      { status: 409 },
    );
  },
  approvalRejected(reason: string): ShomeiError {
    return shomeiError(
      'SHOMEI_APPROVAL_REJECTED',
      `社内承認が却下されました (理由: ${reason})。修正して再度承認を依頼してください。`,
      `Internal approval was rejected (reason: ${reason}); change the envelope and request approval again.`,
      { status: 409, details: { reason } },
    );
  },
  approvalStale(): ShomeiError {
    return shomeiError(
      'SHOMEI_APPROVAL_STALE',
      '承認後に文書が変更されました。再度承認を依頼してください。',
      'The documents changed after they were approved; request approval again.',
      { status: 409 },
    );
  },
  notApprover(): ShomeiError {
    return shomeiError(
      'SHOMEI_APPROVAL_NOT_REQUESTED',
      'この契約の承認を依頼されていないか、すでに判断済みです。',
      'You have no open approval request for this envelope.',
      { status: 409 },
    );
  },
  nothingToRemind(): ShomeiError {
    return shomeiError(
      'SHOMEI_REMINDER_NOT_POSSIBLE',
      'リマインドできる相手がいません (送信済みで期限内、未対応の当事者のみ)。',
      'There is nobody to remind (only waiting parties of a sent, unexpired envelope).',
      { status: 409 },
    );
  },
};

/** Parses with a schema; the first issue becomes the given typed error naming the field. */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  fail: (field: string, reason: string) => ShomeiError,
): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw fail(issue?.path.join('.') || '(body)', issue?.message ?? 'invalid');
  }
  return parsed.data;
}
