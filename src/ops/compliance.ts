/**
 * The JIPDEC criteria checklist: each criterion of the e-contract (EC, seed 000) and remote signature
 * (RS, seed 001) registration criteria mapped to the feature, setting or procedure that meets it.
 * `shomei compliance report` prints it filled with the live configuration; docs/compliance-checklist.md
 * is generated from the same rows, so the two never disagree.
 */

export type ItemKind = 'feature' | 'setting' | 'procedure' | 'facility';

export interface LiveFacts {
  readonly environment: string;
  readonly tls: string;
  readonly mutualTls: string;
  readonly mfa: string;
  readonly keyStorage: string;
  readonly sessions: string;
  readonly lockout: string;
  readonly sad: string;
  readonly auditChain: string;
  readonly lastBackupVerified: string;
  readonly clock: string;
  readonly dualControl: string;
  readonly mail: string;
  /** Where signature, archive and audit timestamps come from (embedded TSA, not accredited, or SHOMEI_TSA_URL). */
  readonly timestamps: string;
  /** Whether the embedded CA is the development CA, a provider-named CA, or not used. */
  readonly certificateAuthority: string;
}

export interface ChecklistItem {
  /** Criterion numbers: EC = e-contract criteria (seed 000), RS = remote signature criteria (seed 001). */
  readonly ref: string;
  readonly topic: { readonly ja: string; readonly en: string };
  readonly kind: ItemKind;
  readonly how: { readonly ja: string; readonly en: string };
  /** The live fact shown beside the row. */
  readonly live?: keyof LiveFacts;
}

const t = (ja: string, en: string) => ({ ja, en });

export const CHECKLIST: readonly ChecklistItem[] = [
  {
    ref: 'EC 2.1.1 (1)–(3) / RS 2.1.1 (1)–(3)',
    topic: t('利用申請・本人確認・委任確認', 'Application, identity and delegation checks'),
    kind: 'feature',
    how: t(
      'identity の利用申請と RA 承認キュー (本人確認方法・委任状を記録)。手順は admin-guide「RA 担当者」',
      'identity applications and the RA approval queue (identity-check method and delegation recorded); procedure in admin-guide "RA operator"',
    ),
  },
  {
    ref: 'EC 2.1.1 (4)',
    topic: t('署名意思の確認', 'Confirming the intent to sign'),
    kind: 'feature',
    how: t(
      '署名時に PIN + ワンタイムコードで SAD を生成 (当事者型)、または明示的な同意画面 (立会人型)。監査ログに記録',
      'SAD from PIN + one-time code at signing (signer type) or an explicit consent step (witness type); audited',
    ),
  },
  {
    ref: 'EC 2.1.1 (5)(8) / RS 2.1.1 (5)',
    topic: t('アカウントとクレデンシャルの発行・配付', 'Issuing accounts and credentials'),
    kind: 'feature',
    how: t(
      '有効化リンク (期限付き) とパスワード・TOTP/パスキーの本人登録',
      'time-limited activation link, then the person sets password and TOTP/passkey',
    ),
    live: 'mfa',
  },
  {
    ref: 'EC 2.1.1 (9) / RS 2.1.1 (6)',
    topic: t('利用終了・変更時の措置', 'Termination and changes'),
    kind: 'feature',
    how: t(
      'アカウント閉鎖で証明書失効・鍵破棄 (onAccountClosed)、休眠アカウントの停止',
      'closing an account revokes certificates and destroys keys; dormant accounts are suspended',
    ),
  },
  {
    ref: 'EC 2.1.1 (10) / RS 2.1.1 (7), 2.1.3 (16)',
    topic: t('利用者の秘密鍵の管理', "Users' private keys"),
    kind: 'feature',
    how: t(
      '鍵は HSM 内で生成・使用のみ (CKA_SENSITIVE, 非抽出)。鍵台帳 key_records',
      'keys generated and used only inside the HSM (sensitive, non-extractable); key register key_records',
    ),
    live: 'keyStorage',
  },
  {
    ref: 'RS 2.1.1 (4)',
    topic: t('サービスへのアクセス制御', 'Access control to the service'),
    kind: 'feature',
    how: t(
      'OAuth2 (CSC API) と相互 TLS のクライアント証明書 (SHOMEI_TLS_CLIENT_CA)',
      'OAuth2 (CSC API) and mutual-TLS client certificates (SHOMEI_TLS_CLIENT_CA)',
    ),
    live: 'mutualTls',
  },
  {
    ref: 'EC 2.1.2 (1) / RS 2.1.2 (1)',
    topic: t('関係要員の教育記録', 'Training records'),
    kind: 'feature',
    how: t(
      'admin の教育記録 (期限切れの要員には特権ロールを付与しない)',
      'admin training records (no privileged role without current training)',
    ),
  },
  {
    ref: 'EC 2.1.2 (2)(3) / RS 2.1.2 (2)(3)',
    topic: t('内部牽制・体制', 'Separation of duties'),
    kind: 'feature',
    how: t(
      '特権ロール 4 種の兼務禁止を強制、二者承認 (dual control)',
      'four privileged roles, no person holds two (enforced); dual control',
    ),
    live: 'dualControl',
  },
  {
    ref: 'EC 2.1.3 (1) / RS 2.1.3 (1)',
    topic: t('運用規程の作成・公開', 'Practice statement, published'),
    kind: 'procedure',
    how: t(
      'docs/practice-statement.md (実設定を引用するひな形) を二者承認で版として公開し /policies/practice-statement に掲載 (ADR 033)',
      'docs/practice-statement.md (template citing the settings in force) published as a version under dual control at /policies/practice-statement (ADR 033)',
    ),
  },
  {
    ref: 'EC 2.1.3 (2) / RS 2.1.3 (2)',
    topic: t('利用規約の作成・公開', 'Terms of use, published'),
    kind: 'procedure',
    how: t(
      'docs/terms-of-use.md を二者承認で版として公開し /policies/terms-of-use に掲載 (ADR 033)',
      'docs/terms-of-use.md published as a version under dual control at /policies/terms-of-use (ADR 033)',
    ),
  },
  {
    ref: 'EC 2.1.3 (3)',
    topic: t('サービスレベルの定義と開示', 'Service levels defined and disclosed'),
    kind: 'procedure',
    how: t(
      'practice-statement「サービスレベル」節。/readyz と /metrics で稼働を測定',
      'practice statement "Service levels"; measured with /readyz and /metrics',
    ),
  },
  {
    ref: 'EC 2.1.3 (4) / RS 2.1.3 (3)',
    topic: t('コンプライアンス監査', 'Compliance audit'),
    kind: 'procedure',
    how: t(
      '本レポート (shomei compliance report) と監査ログの検証結果を監査人に提出',
      'this report and the audit-chain verification go to the auditor',
    ),
    live: 'auditChain',
  },
  {
    ref: 'EC 2.1.3 (5)–(11) / RS 2.1.3 (4)–(10)',
    topic: t(
      '信頼性評価・個人情報・運用セキュリティ・リスク・インシデント・BCP・終了措置',
      'Reliability, privacy, operations security, risk, incidents, continuity, termination',
    ),
    kind: 'procedure',
    how: t(
      '事業者の規程 (admin-guide の各手順、バックアップ・復元、アラート)',
      "provider's own rules; admin-guide procedures, backup/restore, alerts",
    ),
  },
  {
    ref: 'EC 2.1.3 (12) / RS 2.1.3 (11)',
    topic: t('文書・エビデンス管理', 'Documents and evidence'),
    kind: 'feature',
    how: t(
      'ハッシュチェーン監査ログ、署名・タイムスタンプ付きチェックポイント、アーカイブ',
      'hash-chained audit log, signed and timestamped checkpoints, archives',
    ),
    live: 'auditChain',
  },
  {
    ref: 'EC 2.1.3 (13) / RS 2.1.3 (12)',
    topic: t('内部不正対策', 'Insider threats'),
    kind: 'feature',
    how: t(
      '二者承認、兼務禁止、監査ログは追記のみ、異常操作アラート',
      'dual control, role separation, append-only audit, anomaly alerts',
    ),
    live: 'dualControl',
  },
  {
    ref: 'EC 2.1.3 (14) / RS 2.1.3 (13)',
    topic: t('バックアップ・リカバリ', 'Backup and recovery'),
    kind: 'feature',
    how: t(
      'shomei backup create|verify|restore: HSM 鍵で署名したマニフェスト、オフライン検証、2 名による復元',
      'shomei backup create|verify|restore: manifest signed by an HSM key, offline verification, two-person restore',
    ),
    live: 'lastBackupVerified',
  },
  {
    ref: 'EC 2.1.3 (15) / RS 2.1.3 (14)',
    topic: t('役割に応じた認証・認可', 'Role-based authentication'),
    kind: 'feature',
    how: t(
      '特権ロールと権限表 (admin)、管理 API は登録端末 (クライアント証明書) のみ',
      'privileged roles and privileges (admin); admin API from registered terminals (client certificates) only',
    ),
    live: 'mutualTls',
  },
  {
    ref: 'EC 2.1.3 (16) / RS 2.1.3 (15)',
    topic: t('本番環境とテスト環境の分離', 'Production and test kept apart'),
    kind: 'feature',
    how: t(
      'SHOMEI_ENV をデータベース・HSM トークン・バックアップに記録し、不一致を拒否。本番以外は TEST 表示',
      'SHOMEI_ENV recorded in database, HSM token and backups; mismatches refused; TEST marks outside production',
    ),
    live: 'environment',
  },
  {
    ref: 'EC 2.1.3 (17)',
    topic: t('事業者の秘密鍵の管理', "Provider's private keys"),
    kind: 'feature',
    how: t(
      'e シール・CA・TSA・監査・バックアップ署名鍵は HSM 内。鍵の生成・破棄は監査・二者承認',
      'e-seal, CA, TSA, audit and backup keys in the HSM; generation and destruction audited, dual control',
    ),
    live: 'keyStorage',
  },
  {
    ref: 'EC 2.1.4 (1)–(6)',
    topic: t('電子文書の保存', 'Keeping documents'),
    kind: 'feature',
    how: t(
      'contracts: 利用者のみアクセス、保存期間、削除 (鍵破棄)、改ざん検知、証憑提供',
      'contracts: owner-only access, retention, deletion by key destruction, tamper evidence, evidence export',
    ),
  },
  {
    ref: '電帳法 施行規則 2 条 6 項・4 条 1 項',
    topic: t('電子取引データの保存 (電子帳簿保存法)', 'Electronic transaction records (電子帳簿保存法)'),
    kind: 'feature',
    how: t(
      'contracts: 他社電子契約・紙のスキャンの取込 (署名検証結果を保存)、取引年月日・金額・取引先の検索、理由付き訂正と削除の履歴 (追記のみ、監査記録にも)、閲覧権限、テナント全件エクスポート',
      'contracts: import of contracts signed elsewhere and paper scans (validation report kept), search by transaction date, amount and counterparty, corrections with reasons and a deletion log (append-only, also in the audit trail), tenant read permission, full tenant export',
    ),
  },
  {
    ref: 'EC 2.2.1 (1)(2) / RS 2.2.1 (1)(2)',
    topic: t('クレデンシャルと多要素認証', 'Credentials and multi-factor authentication'),
    kind: 'setting',
    how: t(
      'パスワード (argon2id) + TOTP/パスキー。テナント方針で第 2 要素を必須化',
      'password (argon2id) + TOTP/passkey; tenant policy makes the second factor mandatory',
    ),
    live: 'mfa',
  },
  {
    ref: 'EC 2.2.1 (3) / RS 2.2.1 (3)',
    topic: t('外部認証サービスへの依存', 'External authentication'),
    kind: 'setting',
    how: t(
      'OIDC RP (SHOMEI_OIDC_*); 多要素を示す acr を要求 (SHOMEI_OIDC_MFA_ACR)',
      'OIDC relying party (SHOMEI_OIDC_*); multi-factor acr values required (SHOMEI_OIDC_MFA_ACR)',
    ),
  },
  {
    ref: 'EC 2.2.1 (4) / RS 2.2.1 (4)',
    topic: t('セッション保護と有効時間', 'Session protection and lifetime'),
    kind: 'setting',
    how: t(
      'HttpOnly/Secure Cookie、CSRF 対策、無操作・絶対タイムアウト、ロックアウト',
      'HttpOnly/Secure cookies, CSRF checks, idle and absolute timeouts, lockout',
    ),
    live: 'sessions',
  },
  {
    ref: 'EC 2.2.2 (1) / RS 2.2.2 (1)',
    topic: t('暗号装置 (JIS X 19790 / FIPS 140-2 以上)', 'Cryptographic module (JIS X 19790 / FIPS 140-2+)'),
    kind: 'setting',
    how: t(
      'SHOMEI_PKCS11_MODULE で認証済み HSM を指定 (SoftHSM2 は開発用で認証なし)',
      'SHOMEI_PKCS11_MODULE names a certified HSM (SoftHSM2 is for development and not certified)',
    ),
    live: 'keyStorage',
  },
  {
    ref: 'EC 2.2.2 (2) / RS 2.2.2 (2)',
    topic: t('秘密鍵の生成と保管、証明書との対応確認', 'Key generation, storage, key–certificate match'),
    kind: 'feature',
    how: t(
      'HSM 内生成、ラップ鍵のみ取込、発行証明書の公開鍵一致を検査 (ca)',
      'generated in the HSM, imports only wrapped, issued certificate checked against the key (ca)',
    ),
    live: 'keyStorage',
  },
  {
    ref: 'EC 2.2.2 (3) / RS 2.2.2 (3)',
    topic: t('秘密鍵の廃棄', 'Key destruction'),
    kind: 'feature',
    how: t(
      '更新・失効・利用終了で HSM から破棄し鍵台帳に記録 (二者承認)',
      'destroyed in the HSM on renewal, revocation or termination; recorded (dual control)',
    ),
  },
  {
    ref: 'EC 2.2.2 (4) / RS 2.2.2 (4)',
    topic: t('秘密鍵のバックアップ・リカバリ', 'Key backup and recovery'),
    kind: 'feature',
    how: t(
      'トークンは HSM の暗号化形式のままバックアップ、平文鍵は出さない。マニフェスト署名で完全性検証',
      "tokens backed up only in the HSM's encrypted form, never plaintext; integrity by the signed manifest",
    ),
    live: 'lastBackupVerified',
  },
  {
    ref: 'EC 2.2.3 (1) / RS 2.2.3 (1)',
    topic: t('署名値の生成と鍵の有効性確認', 'Signing and key validity'),
    kind: 'feature',
    how: t(
      '署名前に証明書状態と有効期間を確認、時刻のずれが上限を超えたら署名拒否 (ClockGuard)',
      'certificate status and validity checked before signing; signing refused when the clock is off (ClockGuard)',
    ),
    live: 'clock',
  },
  {
    ref: 'EC 2.2.3 (2) / RS 2.2.3 (2)',
    topic: t('署名指示 (SAD) と記録', 'Signing instruction (SAD) and records'),
    kind: 'feature',
    how: t(
      'SAD はハッシュに束縛・一回限り・短寿命、TLS で保護、監査ログに記録',
      'SAD bound to the hashes, single use, short-lived, over TLS, audited',
    ),
    live: 'sad',
  },
  {
    ref: 'EC 2.2.3 (3) / RS 2.2.3 (3)',
    topic: t('署名後の措置', 'After signing'),
    kind: 'feature',
    how: t(
      '署名済み PDF の返却、対象情報の削除方針、監査ログで事後確認',
      'signed PDF returned, handling of the inputs, audit trail for later confirmation',
    ),
  },
  {
    ref: 'EC 2.2.4 (1)–(4)',
    topic: t('長期署名', 'Long-term signatures'),
    kind: 'feature',
    how: t(
      'PAdES B-LT/B-LTA、検証レポート (理由付き、日英)、安全なアルゴリズム',
      'PAdES B-LT/B-LTA, validation reports with reasons (ja/en), strong algorithms',
    ),
  },
  {
    ref: 'PS 1.2.7 / EC 2.2.4 (4)',
    topic: t(
      'タイムスタンプの発行元 (本番は認定タイムスタンプ)',
      'Timestamp source (accredited TSA in production)',
    ),
    kind: 'setting',
    how: t(
      'SHOMEI_TSA_URL で認定 TSA を指定 (CSC・電子契約・アーカイブ更新・shomei sign・監査チェックポイントの全経路。TLS クライアント認証・再試行・遮断・TSA 証明書の失効確認)。未設定なら組込み TSA (認定なし)。組込み TSA の証明書は shomei tsa renew で更新、期限前に警告',
      'SHOMEI_TSA_URL names the accredited TSA for every path (CSC, e-contract, archive renewal, shomei sign, audit checkpoints; TLS client authentication, retries, circuit breaker, TSA certificate revocation checked); otherwise the embedded TSA (not accredited), renewed with shomei tsa renew and warned about before it expires',
    ),
    live: 'timestamps',
  },
  {
    ref: 'PS 1.2 / EC 2.1.3 (16)',
    topic: t('認証局 (組込み CA の名称・外部 CA)', 'Certificate authority (embedded CA names, outside CA)'),
    kind: 'setting',
    how: t(
      '本番の組込み CA は SHOMEI_CA_ORGANIZATION の事業者名で作成 (Development/TEST の名前は不可)。利用者証明書は SHOMEI_RSSP_CA で外部 CA (cfssl API・手動 CSR) から発行、署名前に発行 CA の OCSP/CRL で状態確認。e シールも外部 CA の証明書を取込み可能',
      'in production the embedded CA is named after SHOMEI_CA_ORGANIZATION (never Development/TEST names); user certificates come from an outside CA with SHOMEI_RSSP_CA (CFSSL API, manual CSR), their status asked of the issuing CA by OCSP/CRL before each signature; the e-seal may use an imported outside certificate',
    ),
    live: 'certificateAuthority',
  },
  {
    ref: 'EC 2.2.5 (1)(3) / RS 2.2.4 (1)(3)',
    topic: t('通信の保護と暗号化', 'Protected, encrypted links'),
    kind: 'setting',
    how: t(
      'サーバが TLS を終端 (TLS 1.2 以上)、HSTS・CSP 等のヘッダ。本番は TLS なしでは起動しない',
      'the server terminates TLS (1.2+), HSTS/CSP headers; production does not start without TLS',
    ),
    live: 'tls',
  },
  {
    ref: 'EC 2.2.5 (2) / RS 2.2.4 (2)',
    topic: t('機器間の相互認証', 'Mutual authentication between components'),
    kind: 'setting',
    how: t(
      '相互 TLS: /csc/v2 と /api/admin はクライアント証明書必須 (SHOMEI_TLS_CLIENT_CA)',
      'mutual TLS: /csc/v2 and /api/admin require client certificates (SHOMEI_TLS_CLIENT_CA)',
    ),
    live: 'mutualTls',
  },
  {
    ref: 'EC 2.2.5 (4) / RS 2.2.4 (4)',
    topic: t('本番とテストの分離 (ネットワーク)', 'Production and test separated (network)'),
    kind: 'feature',
    how: t(
      '環境ごとに別の鍵・CA・データベース。混在は起動時に拒否',
      'separate keys, CAs and databases per environment; mixing refused at start-up',
    ),
    live: 'environment',
  },
  {
    ref: 'EC 2.3.1–2.3.2 / RS 2.3.1–2.3.2',
    topic: t('建物・物理アクセス', 'Buildings and physical access'),
    kind: 'facility',
    how: t(
      '事業者の設備 (データセンター・クラウド事業者の証明) — ソフトウェア外',
      "provider's facilities (data centre or cloud attestations) — outside the software",
    ),
  },
  {
    ref: 'EC 2.3.3 (1)(2)(5) / RS 2.3.3',
    topic: t('運用・保守端末', 'Maintenance terminals'),
    kind: 'feature',
    how: t(
      '管理 API は登録済み端末のクライアント証明書のみ、操作者を個別に識別、全操作を記録',
      'admin API only from registered terminals (client certificates), operators identified, every operation logged',
    ),
    live: 'mutualTls',
  },
  {
    ref: 'GL 7.1.2',
    topic: t('時刻の精度', 'Time accuracy'),
    kind: 'setting',
    how: t(
      'SHOMEI_NTP_SERVER に対するずれを /readyz と /metrics に表示、SHOMEI_CLOCK_MAX_OFFSET_MS 超過で署名拒否',
      'offset against SHOMEI_NTP_SERVER at /readyz and /metrics; signing refused beyond SHOMEI_CLOCK_MAX_OFFSET_MS',
    ),
    live: 'clock',
  },
];

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** Markdown table, both languages, with the live column filled from `facts` when given. */
export function checklistMarkdown(facts?: LiveFacts): string {
  const head =
    facts === undefined
      ? '| 基準 / criterion | 項目 / topic | 種別 / kind | 対応 / how it is met |\n| --- | --- | --- | --- |\n'
      : '| 基準 / criterion | 項目 / topic | 種別 / kind | 対応 / how it is met | 現在値 / live |\n| --- | --- | --- | --- | --- |\n';
  const rows = CHECKLIST.map((item) => {
    const base = `| ${cell(item.ref)} | ${cell(item.topic.ja)}<br>${cell(item.topic.en)} | ${item.kind} | ${cell(item.how.ja)}<br>${cell(item.how.en)} |`;
    if (facts === undefined) return base;
    return `${base} ${item.live === undefined ? '—' : cell(facts[item.live])} |`;
  });
  return `${head}${rows.join('\n')}\n`;
}

/** Plain text for a terminal, in one language. */
/** A checklist row as the JSON report gives it: the criterion, how it is met, and the live evidence. */
export interface ChecklistRow {
  readonly ref: string;
  readonly topic: { readonly ja: string; readonly en: string };
  readonly kind: ItemKind;
  readonly how: { readonly ja: string; readonly en: string };
  /** The live fact behind the row (absent where the row is the provider's procedure or facility). */
  readonly evidence?: string | undefined;
}

export function checklistRows(facts: LiveFacts): ChecklistRow[] {
  return CHECKLIST.map((item) => ({
    ref: item.ref,
    topic: item.topic,
    kind: item.kind,
    how: item.how,
    evidence: item.live === undefined ? undefined : String(facts[item.live]),
  }));
}

export function checklistText(facts: LiveFacts, lang: 'ja' | 'en'): string {
  const lines = CHECKLIST.map((item) => {
    const live =
      item.live === undefined ? '' : `\n    ${lang === 'ja' ? '現在値' : 'live'}: ${facts[item.live]}`;
    return `[${item.kind}] ${item.ref} — ${item.topic[lang]}\n    ${item.how[lang]}${live}`;
  });
  return `${lines.join('\n')}\n`;
}

/**
 * Fills every `{{NAME}}` of a template. An unknown placeholder is an error rather than left in place,
 * so a published statement never shows a blank where a setting should be.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const missing = new Set<string>();
  const filled = template.replace(/\{\{([A-Z_]+)\}\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) missing.add(name);
    return value ?? '';
  });
  if (missing.size > 0) throw new Error(`template placeholders without a value: ${[...missing].join(', ')}`);
  return filled;
}
