/**
 * CSV for bulk send (一括送信): decoding (UTF-8 with or without BOM, else Shift_JIS as Japanese
 * Excel saves it), RFC 4180 parsing, and the per-row checks made before anything is sent.
 */

export type CsvEncoding = 'utf-8' | 'shift_jis';

/** Text of a CSV file: UTF-8 when the bytes are valid UTF-8, otherwise Shift_JIS. */
export function decodeCsv(bytes: ArrayBuffer | Uint8Array): { text: string; encoding: CsvEncoding } {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  try {
    // fatal: invalid UTF-8 throws instead of turning into U+FFFD; the BOM is dropped by default.
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(view), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('shift_jis').decode(view), encoding: 'shift_jis' };
  }
}

/** Rows of fields; quoted fields may hold commas, quotes ("") and line breaks. Blank lines are dropped. */
export function parseCsv(input: string): string[][] {
  const text = input.startsWith('\uFEFF') ? input.slice(1) : input;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

export const BULK_COLUMNS = [
  'email',
  'name',
  'company',
  'title',
  'amount',
  'transactionDate',
  'counterparty',
] as const;
export type BulkColumn = (typeof BULK_COLUMNS)[number];

// Headers as people write them in Japanese spreadsheets map to the same columns.
const ALIASES: Record<string, BulkColumn> = {
  email: 'email',
  'e-mail': 'email',
  mail: 'email',
  メールアドレス: 'email',
  メール: 'email',
  name: 'name',
  氏名: 'name',
  名前: 'name',
  company: 'company',
  会社名: 'company',
  title: 'title',
  件名: 'title',
  契約書名: 'title',
  amount: 'amount',
  金額: 'amount',
  取引金額: 'amount',
  transactiondate: 'transactionDate',
  取引年月日: 'transactionDate',
  counterparty: 'counterparty',
  取引先: 'counterparty',
};

/** What is wrong with a row, as message keys with values (shown in the user's language). */
export interface RowProblem {
  readonly key:
    | 'bulk.problem.email'
    | 'bulk.problem.name'
    | 'bulk.problem.tooLong'
    | 'bulk.problem.amount'
    | 'bulk.problem.date'
    | 'bulk.problem.columns';
  readonly column?: string;
}

export interface BulkRowInput {
  readonly email: string;
  readonly name: string;
  readonly company?: string | undefined;
  readonly fields?: {
    readonly title?: string | undefined;
    readonly counterparty?: string | undefined;
    readonly transactionDate?: string | undefined;
    readonly amount?: number | undefined;
  };
}

export interface PreviewRow {
  /** 1-based line in the file (the header is line 1). */
  readonly line: number;
  readonly values: Readonly<Partial<Record<BulkColumn, string>>>;
  readonly problems: readonly RowProblem[];
  readonly row: BulkRowInput | undefined;
}

export interface CsvPreview {
  /** Header problems: a missing email or name column, or nothing but a header. */
  readonly missing: readonly BulkColumn[];
  readonly rows: readonly PreviewRow[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LIMITS: Partial<Record<BulkColumn, number>> = {
  email: 254,
  name: 100,
  company: 200,
  title: 200,
  counterparty: 200,
};

function validDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/** The rows of a bulk CSV (header row first), each checked as the server will check it. */
export function previewCsv(text: string): CsvPreview {
  const [header, ...body] = parseCsv(text);
  if (header === undefined) return { missing: ['email', 'name'], rows: [] };
  const columns = header.map((h) => ALIASES[h.trim().toLowerCase()] ?? ALIASES[h.trim()]);
  const missing = (['email', 'name'] as const).filter((c) => !columns.includes(c));
  const rows = body.map((fields, index): PreviewRow => {
    const values: Partial<Record<BulkColumn, string>> = {};
    columns.forEach((column, i) => {
      const value = fields[i]?.trim() ?? '';
      if (column !== undefined && value !== '') values[column] = value;
    });
    const problems: RowProblem[] = [];
    if (fields.length > header.length) problems.push({ key: 'bulk.problem.columns' });
    if (values.email === undefined || !EMAIL.test(values.email)) problems.push({ key: 'bulk.problem.email' });
    if (values.name === undefined) problems.push({ key: 'bulk.problem.name' });
    for (const [column, limit] of Object.entries(LIMITS)) {
      if ((values[column as BulkColumn]?.length ?? 0) > limit)
        problems.push({ key: 'bulk.problem.tooLong', column });
    }
    const amount = values.amount?.replace(/[,，円¥\s]/g, '');
    if (amount !== undefined && !/^\d{1,15}$/.test(amount)) problems.push({ key: 'bulk.problem.amount' });
    const date = values.transactionDate?.replace(/\//g, '-');
    if (date !== undefined && !validDate(date)) problems.push({ key: 'bulk.problem.date' });
    const extra = {
      title: values.title,
      counterparty: values.counterparty,
      transactionDate: date,
      amount: amount === undefined ? undefined : Number(amount),
    };
    const row: BulkRowInput | undefined =
      problems.length > 0 || values.email === undefined || values.name === undefined
        ? undefined
        : {
            email: values.email,
            name: values.name,
            company: values.company,
            ...(Object.keys(extra).length === 0 ? {} : { fields: extra }),
          };
    return { line: index + 2, values, problems, row };
  });
  return { missing, rows };
}
