/**
 * The words of the mails to parties and senders: one template per language, each complete in itself
 * (a Japanese block, then an English one), naming the sending company and person, the contract and
 * the deadline in Japan time, so that a recipient can tell a real request from a phishing mail.
 */
import type { ContractsContext } from '../context.ts';
import type { EnvelopeTable, PartyTable } from '../store/tables.ts';

/** Who sent the envelope, as its recipients know them. */
export interface SenderFacts {
  readonly company: string | null;
  readonly name: string;
  readonly email: string | null;
}

export async function senderFacts(ctx: ContractsContext, envelope: EnvelopeTable): Promise<SenderFacts> {
  const user = await ctx.users(envelope.created_by).catch(() => undefined);
  if (user === undefined) return { company: null, name: '', email: null };
  const name = `${user.familyName} ${user.givenName}`.trim();
  return {
    company: user.organisationName,
    name: name.length > 0 ? name : user.displayName,
    email: user.email,
  };
}

const JST_MS = 9 * 3600_000;

function jstParts(iso: string): { date: string; time: string; y: number; m: number; d: number } {
  const t = new Date(Date.parse(iso) + JST_MS);
  const two = (n: number) => String(n).padStart(2, '0');
  const y = t.getUTCFullYear();
  const m = t.getUTCMonth() + 1;
  const d = t.getUTCDate();
  return {
    date: `${y}-${two(m)}-${two(d)}`,
    time: `${two(t.getUTCHours())}:${two(t.getUTCMinutes())}`,
    y,
    m,
    d,
  };
}

/** 2026年12月6日 17:00 (日本時間) */
export function jstJa(iso: string): string {
  const p = jstParts(iso);
  return `${p.y}年${p.m}月${p.d}日 ${p.time} (日本時間)`;
}

/** 2026-12-06 17:00 JST */
export function jstEn(iso: string): string {
  const p = jstParts(iso);
  return `${p.date} ${p.time} JST`;
}

/**
 * 「から」 at the end, written escaped: esbuild escapes other text to ASCII but not a regular
 * expression, and one character that is not ASCII makes V8 hold the whole chunk as a two-byte string
 * in the server (ADR 052).
 */
const TRAILING_KARA = /\u304b\u3089$/;

function fromJa(s: SenderFacts): string {
  const who = [s.company, s.name.length > 0 ? `${s.name} 様` : null].filter((x) => x !== null).join(' ');
  return who.length > 0 ? `${who}から` : '';
}

function fromEn(s: SenderFacts): string {
  const who = [s.name, s.company === null ? null : `(${s.company})`].filter((x) => x !== null).join(' ');
  return who.trim().length > 0 ? ` from ${who.trim()}` : '';
}

function personEn(party: Pick<PartyTable, 'name' | 'company'>): string {
  return party.company === null ? `Dear ${party.name},` : `Dear ${party.name} (${party.company}),`;
}

export interface RequestMail {
  readonly envelope: EnvelopeTable;
  readonly party: PartyTable;
  readonly sender: SenderFacts;
  readonly link: string;
  /** A link with an access code (outside party) rather than a log-in. */
  readonly byLink: boolean;
  readonly reminder: boolean;
  /** The link replaces an earlier one because the access code was re-issued. */
  readonly reissued?: boolean;
}

/** 【署名依頼】 / 【リマインド】: the Japanese block. */
function requestJa(m: RequestMail, greeting: string): string[] {
  const act = m.party.role === 'approver' ? '承認' : '署名';
  const lines = [
    greeting,
    '',
    m.reminder
      ? `「${m.envelope.title}」の${act}がまだ完了していません。お手続きをお願いします。`
      : `${fromJa(m.sender)}「${m.envelope.title}」の${act}依頼が届いています。内容をご確認のうえ、${act}をお願いします。`,
  ];
  if (m.reminder && fromJa(m.sender).length > 0)
    lines.push(`依頼元: ${fromJa(m.sender).replace(TRAILING_KARA, '')}`);
  lines.push(`契約書: ${m.envelope.title}`);
  if (m.envelope.expires_at !== null) lines.push(`期限: ${jstJa(m.envelope.expires_at)}`);
  lines.push('', m.link, '');
  if (!m.byLink) lines.push('ログインして (多要素認証)、内容をご確認ください。');
  else if (m.reissued)
    lines.push(
      '以前のリンクは使えなくなりました。新しいアクセスコードは送信者から別の方法でお知らせします。',
    );
  else if (m.reminder) lines.push('以前のリンクは使えなくなりました。アクセスコードは変わりません。');
  else lines.push('アクセスコードは送信者から別の方法 (電話など) でお知らせします。');
  if (m.party.signing_mode === 'signer-type') {
    lines.push(
      'この署名にはご自身の電子証明書が必要です。アカウントがなければ利用申請を、証明書がなければログイン後「電子証明書」画面から申請してください。',
    );
  }
  return lines;
}

/** The English block of the same mail. */
function requestEn(m: RequestMail): string[] {
  const act = m.party.role === 'approver' ? 'approval' : 'signature';
  const lines = [
    personEn(m.party),
    '',
    m.reminder
      ? `“${m.envelope.title}” is still waiting for your ${act}.`
      : `You have a request for your ${act}${fromEn(m.sender)}. Please review the contract and give your ${act}.`,
    `Contract: ${m.envelope.title}`,
  ];
  if (m.envelope.expires_at !== null) lines.push(`Deadline: ${jstEn(m.envelope.expires_at)}`);
  lines.push('', m.link, '');
  if (!m.byLink) lines.push('Log in (with multi-factor authentication) to review it.');
  else if (m.reissued)
    lines.push('Earlier links no longer work. The sender gives you the new access code by another channel.');
  else if (m.reminder) lines.push('Earlier links no longer work; the access code is unchanged.');
  else lines.push('The sender gives you the access code by another channel (such as telephone).');
  if (m.party.signing_mode === 'signer-type') {
    lines.push(
      'Signer-type signing needs your own certificate: without an account, apply for one; without a certificate, apply on the “Signing certificate” screen after logging in.',
    );
  }
  return lines;
}

const SEPARATOR = ['', '----------------------------------------', ''];

export function requestMail(m: RequestMail, greeting: string): { subject: string; text: string } {
  const tag = m.reminder ? '【リマインド】' : m.party.role === 'approver' ? '【承認依頼】' : '【署名依頼】';
  const company = m.sender.company === null ? '' : ` (${m.sender.company})`;
  return {
    subject: `${tag}${m.envelope.title}${company}`.slice(0, 200),
    text: [...requestJa(m, greeting), ...SEPARATOR, ...requestEn(m)].join('\n'),
  };
}

/** To the sender: a party typed wrong access codes until the link locked. */
export function lockedMail(
  envelope: EnvelopeTable,
  party: PartyTable,
  link: string,
): { subject: string; text: string } {
  const who = party.company === null ? `${party.name} 様` : `${party.company} ${party.name} 様`;
  const whoEn = party.company === null ? party.name : `${party.name} (${party.company})`;
  return {
    subject: `【ロック中】${envelope.title}`.slice(0, 200),
    text: [
      `「${envelope.title}」で、${who}がアクセスコードを続けて間違えたため、署名用リンクがロックされました。`,
      'ご本人に確認のうえ、契約の画面で「アクセスコードを再発行」を押してください。新しいリンクがご本人にメールで届き、新しいアクセスコードが画面に表示されます。',
      '',
      link,
      ...SEPARATOR,
      `The signing link of ${whoEn} for “${envelope.title}” is locked after too many wrong access codes.`,
      'After checking with them, press “Re-issue access code” on the contract screen: they get a new link by mail and you see the new access code.',
    ].join('\n'),
  };
}

/** 【締結完了】 to a party (greeting given) or to the sender (no greeting). */
export function completedMail(
  envelope: EnvelopeTable,
  party: PartyTable | undefined,
  greeting: string | undefined,
  sender: SenderFacts,
  link: string,
): { subject: string; text: string } {
  const from = fromJa(sender).replace(TRAILING_KARA, '');
  const ja = [
    ...(greeting === undefined ? [] : [greeting, '']),
    `「${envelope.title}」の締結が完了しました。署名済み PDF と合意締結証明書をダウンロードできます。`,
    ...(from.length > 0 && party !== undefined ? [`依頼元: ${from}`] : []),
    `契約書: ${envelope.title}`,
    '',
    link,
  ];
  const en = [
    ...(party === undefined ? [] : [personEn(party), '']),
    `“${envelope.title}” is complete. The signed PDF and its certificate of completion can be downloaded.`,
    ...(party !== undefined && fromEn(sender).length > 0
      ? [`Sent by:${fromEn(sender).replace(/^ from/, '')}`]
      : []),
    `Contract: ${envelope.title}`,
    '',
    link,
  ];
  return {
    subject: `【締結完了】${envelope.title}`.slice(0, 200),
    text: [...ja, ...SEPARATOR, ...en].join('\n'),
  };
}
