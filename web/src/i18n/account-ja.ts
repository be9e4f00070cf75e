/** 日本語: アカウントの有効化、パスワードを忘れたとき、パスワードの再設定。 */
export const accountJa = {
  'passkey.register': 'パスキーを登録する',
  'passkey.signIn': 'パスキーでログイン',
  'passkey.defaultName': 'ログイン用パスキー',
  'passkey.refused': 'パスキーを使えませんでした。もう一度お試しいただくか、認証アプリをお使いください。',
  'passkey.enrolChoice': '2 つ目の確認方法を選んでください。',
  'passkey.enrolLead':
    'パスキー: この端末の画面ロック (指紋・顔・PIN) でログインします。コードの入力は要りません。',
  'passkey.orApp': 'または、認証アプリを使う',
  'passkey.orCode': 'または、認証アプリのコードを入力',
  'login.enrolQrAlt': '認証アプリで読み取る QR コード',
  'login.enrolNoCamera': 'QR コードを読み取れない場合',
  'login.recoveryDownload': 'テキストファイルで保存',
  'login.recoveryPrint': '印刷する',
  'account.forgotLink': 'パスワードをお忘れの方',
  'account.forgotTitle': 'パスワードの再設定',
  'account.forgotLead':
    'ご登録のメールアドレスを入力してください。アカウントがある場合は、再設定用のリンクをお送りします。',
  'account.forgotSubmit': '再設定用のリンクを送る',
  'account.forgotSent':
    '入力されたアドレスにアカウントがある場合は、再設定用のリンクを送りました。メールをご確認ください（リンクの有効期限は 30 分です）。',
  'account.resetTitle': '新しいパスワードの設定',
  'account.activateTitle': 'アカウントの有効化',
  'account.activateLead': 'ログインに使うパスワードを設定してください。',
  'account.resetLead':
    '新しいパスワードを設定してください。設定すると、ほかの端末のログインはすべて終了します。ログインには、これまでどおり認証アプリのコードも必要です。',
  'account.newPassword': '新しいパスワード (12 文字以上)',
  'account.confirmPassword': '新しいパスワード (確認)',
  'account.mismatch': '確認用のパスワードが一致しません。',
  'account.save': 'パスワードを設定する',
  'account.noToken':
    'このページはメールのリンクから開いてください。リンクの期限が切れた場合は、もう一度お手続きください。',
  'account.resetDone': 'パスワードを設定しました。新しいパスワードでログインしてください。',
  'account.activateDone': 'アカウントを有効にしました。ログインして、認証アプリを登録してください。',
  'account.toLogin': 'ログイン画面へ',
  'hint.resetLink':
    'リンクの期限が切れている場合は、「パスワードをお忘れの方」からもう一度お手続きください。',
};
