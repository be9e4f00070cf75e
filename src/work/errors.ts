/** The typed errors of the document work pool. */
import { type ShomeiError, shomeiError } from '../errors/index.ts';

export function workBusy(queued: number): ShomeiError {
  return shomeiError(
    'SHOMEI_WORK_BUSY',
    '文書の処理が混み合っています。しばらくしてから再度お試しください。',
    'Document processing is busy. Please try again shortly.',
    { status: 503, details: { queued } },
  );
}

export function workTimedOut(seconds: number): ShomeiError {
  return shomeiError(
    'SHOMEI_WORK_TIMEOUT',
    `文書の処理が制限時間（${seconds} 秒）内に終わらなかったため中止しました。`,
    `Processing the document did not finish within ${seconds} s and was stopped.`,
    { status: 422, details: { seconds } },
  );
}

export function workFailed(reason: string): ShomeiError {
  return shomeiError(
    'SHOMEI_WORK_FAILED',
    '文書を処理できませんでした（処理上限を超えた可能性があります）。',
    'The document could not be processed (it may exceed a processing limit).',
    { status: 422, details: { reason } },
  );
}
