/** Typed errors of the contracts module (stable SHOMEI_… codes, Japanese and English). */
import { type ShomeiError, shomeiError } from '../../errors/index.ts';

export const contractErrors = {
  notFound(): ShomeiError {
    // The same answer for "does not exist" and "not yours", so ids cannot be probed.
    return shomeiError('SHOMEI_ENVELOPE_NOT_FOUND', '契約が見つかりません。', 'The envelope was not found.', {
      status: 404,
    });
  },
  documentNotFound(): ShomeiError {
    return shomeiError('SHOMEI_DOCUMENT_NOT_FOUND', '文書が見つかりません。', 'The document was not found.', {
      status: 404,
    });
  },
  invalid(field: string, reason: string): ShomeiError {
    return shomeiError(
      'SHOMEI_ENVELOPE_INVALID',
      `入力 ${field} が不正です: ${reason}`,
      `Input ${field} is invalid: ${reason}`,
      { status: 400, details: { field, reason } },
    );
  },
  state(status: string, action: string): ShomeiError {
    return shomeiError(
      'SHOMEI_ENVELOPE_STATE',
      `この契約は現在「${status}」のため ${action} できません。`,
      `The envelope is ${status}; it cannot be ${action}.`,
      { status: 409, details: { status, action } },
    );
  },
  certificateNotAvailable(status: string): ShomeiError {
    return shomeiError(
      'SHOMEI_CERTIFICATE_NOT_AVAILABLE',
      '合意締結証明書は契約の締結後に取得できます。',
      'The certificate of completion is available once the envelope is completed.',
      { status: 409, details: { status } },
    );
  },
  conflict(): ShomeiError {
    return shomeiError(
      'SHOMEI_ENVELOPE_CONFLICT',
      '同時に別の操作が行われました。もう一度お試しください。',
      'Another operation changed the envelope at the same time; try again.',
      { status: 409 },
    );
  },
  notYourTurn(): ShomeiError {
    return shomeiError(
      'SHOMEI_PARTY_NOT_YOUR_TURN',
      '署名の順番がまだ来ていません。',
      'It is not yet this party’s turn.',
      { status: 409 },
    );
  },
  forbidden(): ShomeiError {
    return shomeiError(
      'SHOMEI_ENVELOPE_FORBIDDEN',
      'この操作は許可されていません。',
      'This operation is not permitted.',
      {
        status: 403,
      },
    );
  },
  unauthenticated(): ShomeiError {
    return shomeiError('SHOMEI_UNAUTHENTICATED', 'ログインが必要です。', 'Authentication is required.', {
      status: 401,
    });
  },
  linkInvalid(): ShomeiError {
    // One answer for unknown, used and expired links: nothing to learn by guessing links.
    return shomeiError(
      'SHOMEI_SIGNING_LINK_INVALID',
      'リンクまたはアクセスコードが無効です。',
      'The link or the access code is not valid.',
      { status: 401 },
    );
  },
  /** Only someone holding the link learns this: the link itself is the secret that tells them apart. */
  accessCodeWrong(attemptsLeft: number): ShomeiError {
    return shomeiError(
      'SHOMEI_ACCESS_CODE_WRONG',
      `アクセスコードが違います。あと ${attemptsLeft} 回入力できます。`,
      `The access code is not right. ${attemptsLeft} ${attemptsLeft === 1 ? 'attempt' : 'attempts'} left.`,
      { status: 401, details: { attemptsLeft } },
    );
  },
  linkLocked(): ShomeiError {
    return shomeiError(
      'SHOMEI_SIGNING_LINK_LOCKED',
      'アクセスコードを続けて間違えたため、このリンクはロックされました。送信者に連絡して、アクセスコードの再発行を依頼してください。',
      'This link is locked after too many wrong access codes. Ask the sender to re-issue the access code.',
      { status: 423 },
    );
  },
  tampered(documentId: string, version: number): ShomeiError {
    return shomeiError(
      'SHOMEI_DOCUMENT_TAMPERED',
      '保存された文書が改ざんされています。文書は提供できません。',
      'The stored document has been tampered with; it will not be served.',
      { status: 500, details: { documentId, version } },
    );
  },
  shredded(): ShomeiError {
    return shomeiError(
      'SHOMEI_DOCUMENT_DELETED',
      '文書は削除されました (暗号鍵は破棄済みです)。',
      'The document was deleted (its key has been destroyed).',
      { status: 410 },
    );
  },
  retained(until: string | null, legalHold: boolean): ShomeiError {
    return shomeiError(
      'SHOMEI_DOCUMENT_RETAINED',
      legalHold
        ? '訴訟ホールド中のため削除できません。'
        : `保存期間 (${until} まで) 中のため削除できません。`,
      legalHold
        ? 'The document is under legal hold and cannot be deleted.'
        : `The retention period runs until ${until}; the document cannot be deleted.`,
      { status: 409, details: { retentionUntil: until, legalHold } },
    );
  },
  notPdf(reason: string): ShomeiError {
    // The Japanese names the problem in words; the technical reason stays in English and details.
    const ja: Record<string, string> = {
      empty: 'ファイルが空です。',
      'no %PDF- header': 'PDF ファイルではありません。PDF を選んでください。',
      'no pages': 'ページのない PDF です。',
    };
    return shomeiError(
      'SHOMEI_DOCUMENT_NOT_PDF',
      `PDF として読めません。${ja[reason] ?? 'ファイルが壊れているか、対応していない形式です。'}`,
      `The file is not a readable PDF: ${reason}`,
      { status: 400, details: { reason } },
    );
  },
  tooLarge(limit: number): ShomeiError {
    return shomeiError(
      'SHOMEI_INPUT_TOO_LARGE',
      `ファイルが大きすぎます (上限 ${limit} バイト)。`,
      `The file is too large (limit ${limit} bytes).`,
      { status: 413, details: { limit } },
    );
  },
  signingModeNotAllowed(mode: string, allowed: readonly string[]): ShomeiError {
    const ja: Record<string, string> = { 'signer-type': '当事者型', 'witness-type': '立会人型' };
    return shomeiError(
      'SHOMEI_SIGNING_MODE_NOT_ALLOWED',
      `この組織では${ja[mode] ?? mode}の署名は使えません (使えるもの: ${allowed.map((m) => ja[m] ?? m).join('・')})。`,
      `Your organisation does not allow ${mode} signing (allowed: ${allowed.join(', ')}).`,
      { status: 403, details: { signingMode: mode, allowedModes: allowed } },
    );
  },
  credentialNotOwned(): ShomeiError {
    // Another person's credential (or none) is refused the same way, so credential ids cannot be probed.
    return shomeiError(
      'SHOMEI_CREDENTIAL_NOT_OWNED',
      'ご自身の署名用クレデンシャルを選んでください。他の人のクレデンシャルでは署名できません。',
      'Choose a signing credential of your own; nobody signs with another person’s credential.',
      { status: 403 },
    );
  },
  /**
   * PIN or one-time code of the signer's own credential refused (the RSSP counts the attempt); the
   * tries left are told when the RSSP is this installation's (a remote one does not say).
   */
  signingAuthenticationWrong(attemptsLeft?: number): ShomeiError {
    if (attemptsLeft === undefined) {
      return shomeiError(
        'SHOMEI_SIGNING_PIN_WRONG',
        'PIN またはワンタイムコードが違います。続けて間違えると電子証明書がロックされます。',
        'The PIN or the one-time code is not right. Further mistakes lock the signing certificate.',
        { status: 400 },
      );
    }
    return shomeiError(
      'SHOMEI_SIGNING_PIN_WRONG',
      `PIN またはワンタイムコードが違います。あと ${attemptsLeft} 回入力できます。`,
      `The PIN or the one-time code is not right. ${attemptsLeft} ${attemptsLeft === 1 ? 'attempt' : 'attempts'} left.`,
      { status: 400, details: { attemptsLeft } },
    );
  },
  signingCredentialLocked(): ShomeiError {
    return shomeiError(
      'SHOMEI_SIGNING_CREDENTIAL_LOCKED',
      'PIN またはワンタイムコードを続けて間違えたため、電子証明書がロックされました。運用担当者にロックの解除を依頼してください。',
      'Your signing certificate is locked after too many wrong PINs or codes. Ask the operator to unlock it.',
      { status: 423, details: { attemptsLeft: 0 } },
    );
  },
  signingFailed(reason: string): ShomeiError {
    return shomeiError(
      'SHOMEI_SIGNING_FAILED',
      '署名できませんでした。しばらくしてからもう一度お試しください。',
      `The signature could not be made: ${reason}`,
      { status: 400, details: { reason } },
    );
  },
};
