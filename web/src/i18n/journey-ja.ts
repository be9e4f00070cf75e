/** 日本語: the outside signer's journey (attempts, lockout, progress, result) and the sender's re-issue. */
export const journeyJa = {
  'lock.badge': 'ロック中',
  'lock.reissue': 'アクセスコードを再発行',
  'lock.reissueConfirm':
    '{name} 様のアクセスコードを再発行しますか？ 新しいリンクがメールで届き、以前のリンクとコードは使えなくなります。',
  'lock.reissued':
    '{name} 様に新しいリンクをメールで送りました。下の新しいアクセスコードを、電話など別の方法でお伝えください。',
  'hint.locked':
    '送信者に連絡して、アクセスコードの再発行を依頼してください。新しいリンクがメールで届きます。',
  'hint.credentialLocked':
    '運用担当者に本人確認のうえロックの解除を依頼してください。解除されるまで、この電子証明書では署名できません。',
  'progress.title': '署名しています',
  'progress.lead': '画面を閉じずにお待ちください (10 秒ほどかかります)。',
  'progress.sign': '電子署名とタイムスタンプを付けています',
  'progress.fetch': '署名済みの契約書を受け取っています',
  'progress.verify': '署名が有効か確認しています',
  'progress.stepOf': '手順 {n} / {total}',
  'progress.done': '済',
  'done.title': '署名が完了しました',
  'done.lead': '「{title}」に署名しました。',
  'done.nextWaiting':
    'ほかの方の署名がすべて済むと、締結完了のお知らせがメールで届きます。そのメールのリンクから、署名済みの契約書と合意締結証明書を受け取れます。',
  'done.nextCompleted':
    'すべての方の署名が済み、契約の締結が完了しました。署名済みの契約書をダウンロードして保管してください。',
  'done.verified': '付けた署名が有効であることを確認しました。',
  'done.notVerified': '署名は付きましたが、有効性を確認できませんでした。「詳細」をご覧ください。',
  'done.details': '詳細',
  'done.document': '契約書を見る',
  'error.details': '詳細',
  'error.code': 'エラーコード',
  'event.reissue': '{party} のアクセスコードを再発行',
  'event.remind': '{party} にリマインドを送信',
  'method.email-link+access-code': 'メールのリンクとアクセスコード',
  'method.password+totp': 'パスワードと認証アプリ',
  'method.password+passkey': 'パスワードとパスキー',
  'method.pin+totp': '証明書の PIN と認証アプリ',
  'method.pin+email-otp': '証明書の PIN とメールの確認コード',
  'reason.access-code': 'アクセスコードの誤り',
  'reason.access-code-locked': 'アクセスコードの誤りが続いたためロック',
  'reason.attempts-exhausted': 'ロック中のリンク',
  'reason.link-used': '使用済みのリンク',
  'reason.link-expired': '期限切れのリンク',
  'reason.envelope-expired': '期限切れの契約',
  'reason.unknown-link': '無効なリンク',
  'reason.party-removed': '宛先から外された方のリンク',
  'dashboard.none': 'まだ契約はありません。「新しい契約を送信」から始めてください。',
  'new.sealOf': '{name} の押印欄',
  'new.confirmTitle': '「{title}」を送信しますか？',
  'new.confirmLead':
    '次の方に署名依頼のメールが届きます。送信後は内容を変更できません (取り消しはできます)。',
  'form.required': '必須',
} as const;
