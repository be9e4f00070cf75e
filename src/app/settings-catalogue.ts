/**
 * Every `SHOMEI_*` environment variable in one list (issue #21 Deliver 4): the modules' zod schemas
 * give name, type and default, so the list cannot drift from what is parsed; the few variables read
 * outside a schema (CLI credentials, language, debugging) are declared here. The README's settings
 * table is generated from it (scripts/settings-table.ts) and `shomei config check` names variables
 * it does not know (a misspelt setting would otherwise be ignored silently).
 */
import { z } from 'zod';
import { caSettingsSchema, credentialCaSettingsSchema } from '../ca/index.ts';
import { coreSettingsSchema, workSettingsSchema } from '../config/index.ts';
import { type ConfigCheck, opsSettingsSchema } from '../ops/index.ts';
import { tsaSettingsSchema } from '../tsa/index.ts';

export interface SettingDeclaration {
  readonly name: string;
  /** The file whose schema reads it, or the reader of a variable outside any schema. */
  readonly source: string;
  /** Type with its allowed values or range, as the schema states them. */
  readonly type: string;
  readonly default?: string | undefined;
  readonly description?: string | undefined;
}

const SCHEMAS: ReadonlyArray<readonly [string, z.ZodObject]> = [
  ['src/config/index.ts', coreSettingsSchema],
  ['src/config/work.ts', workSettingsSchema],
  ['src/ops/settings.ts', opsSettingsSchema],
  ['src/ca/settings.ts', caSettingsSchema],
  ['src/ca/outside-settings.ts', credentialCaSettingsSchema],
  ['src/tsa/settings.ts', tsaSettingsSchema],
];

/** Variables read directly from the environment, not through a schema. */
const OUTSIDE_SCHEMAS: readonly SettingDeclaration[] = [
  {
    name: 'SHOMEI_PRODUCTION_OVERRIDES',
    source: 'src/ops/production-gate.ts',
    type: 'string (comma-separated)',
    default: '',
    description: 'production safeguards knowingly overridden (docs/install.md 3.6)',
  },
  {
    name: 'SHOMEI_LANG',
    source: 'src/cli/output.ts',
    type: 'ja | en',
    description: 'language of CLI messages',
  },
  {
    name: 'SHOMEI_DEBUG',
    source: 'src/cli/output.ts',
    type: '1',
    description: 'print the cause of an internal error',
  },
  {
    name: 'SHOMEI_RUN_FROM',
    source: 'src/config/prebuilt.ts',
    type: 'src | dist',
    description: 'run the command from the sources or from the build',
  },
  {
    name: 'SHOMEI_CODE_CACHE',
    source: 'src/cli/bundle-loader.ts',
    type: 'off',
    description: 'compile the verify and sign commands without their code cache (ADR 044)',
  },
  ...(['OPERATOR', 'APPROVER'] as const).flatMap((who) => [
    {
      name: `SHOMEI_${who}_EMAIL`,
      source: 'src/cli/operator.ts',
      type: 'string',
      description: `${who.toLowerCase()}'s email for one CLI command (never logged)`,
    },
    {
      name: `SHOMEI_${who}_PASSWORD`,
      source: 'src/cli/operator.ts',
      type: 'string (secret)',
      description: `${who.toLowerCase()}'s password; asked on the terminal when unset`,
    },
    {
      name: `SHOMEI_${who}_TOTP`,
      source: 'src/cli/operator.ts',
      type: 'string (secret)',
      description: `${who.toLowerCase()}'s one-time code; asked on the terminal when unset`,
    },
  ]),
  {
    name: 'SHOMEI_OPERATOR_SESSION',
    source: 'src/cli/operator.ts',
    type: 'path',
    description: 'the session file `shomei admin login` writes',
  },
];

/** Defaults computed at load time and the meaning of the common settings (README). */
const NOTES: Readonly<Record<string, { readonly default?: string; readonly description: string }>> = {
  SHOMEI_ENV: { description: '`production`, `staging` or `development`' },
  SHOMEI_HOME: { description: 'data directory (database, token files, secrets, blobs)' },
  SHOMEI_DATABASE_URL: {
    default: 'sqlite:$SHOMEI_HOME/shomei.db',
    description: '`sqlite:<path>` or `postgres://…` (required in production)',
  },
  SHOMEI_PKCS11_MODULE: {
    default: "SoftHSM2's libsofthsm2.so",
    description: 'path of the PKCS#11 module',
  },
  SHOMEI_PKCS11_TOKEN_LABEL: { description: "label of the token holding shomei's keys" },
  SHOMEI_PKCS11_PIN_FILE: {
    default: '$SHOMEI_HOME/secrets/token-pins.json',
    description: 'JSON `{"userPin": …}`, mode 0600',
  },
  SHOMEI_PKCS11_SESSIONS: { default: '4', description: 'PKCS#11 sessions kept open for concurrent signing' },
  SHOMEI_HOST: { description: 'where the server listens' },
  SHOMEI_PORT: { description: 'where the server listens' },
  SHOMEI_PUBLIC_URL: { default: 'http://HOST:PORT', description: 'the URL users and certificates refer to' },
  SHOMEI_LOG_LEVEL: { description: 'pino log level' },
  SHOMEI_HSM_CHECK_SECONDS: { description: 'how often the server compares the HSM configuration (ADR 032)' },
  SHOMEI_DESTRUCTION_LOG: {
    description: 'file outside SHOMEI_HOME where destructions are logged for restores to re-apply (ADR 032)',
  },
  SHOMEI_RSSP_KEY_DESTRUCTION_GRACE_DAYS: {
    description: "days a signing key outlives its certificate's end (ADR 032)",
  },
  SHOMEI_RSSP_KEY_SWEEP_SECONDS: {
    description: 'how often keys of expired or CA-revoked certificates are destroyed (ADR 032)',
  },
};

interface JsonProperty {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly default?: unknown;
  readonly description?: string;
}

function typeOf(p: JsonProperty): string {
  if (p.enum !== undefined) return p.enum.join(' | ');
  const range = p.minimum !== undefined && p.maximum !== undefined ? ` ${p.minimum}–${p.maximum}` : '';
  return `${p.type ?? 'string'}${range}`;
}

function fromSchema(source: string, schema: z.ZodObject): SettingDeclaration[] {
  const json = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as {
    properties?: Record<string, JsonProperty>;
  };
  return Object.entries(json.properties ?? {}).map(([name, p]) => {
    const note = NOTES[name];
    const fallback = p.default === undefined ? undefined : String(p.default);
    const value = note?.default ?? fallback;
    const description = note?.description ?? p.description;
    return {
      name,
      source,
      type: typeOf(p),
      default: value,
      description,
    };
  });
}

/** Every declared variable, sorted by name; a variable two schemas read is listed once (first reader). */
export function settingsCatalogue(): readonly SettingDeclaration[] {
  const byName = new Map<string, SettingDeclaration>();
  for (const declaration of [
    ...SCHEMAS.flatMap(([s, schema]) => fromSchema(s, schema)),
    ...OUTSIDE_SCHEMAS,
  ]) {
    if (!byName.has(declaration.name)) byName.set(declaration.name, declaration);
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The README table: one row per variable. */
export function settingsTable(catalogue = settingsCatalogue()): string {
  const cell = (text: string | undefined) => (text ?? '').replaceAll('|', '\\|');
  const code = (text: string | undefined) => (text === undefined || text === '' ? '' : `\`${text}\``);
  const rows = [
    ['variable', 'default', 'type', 'meaning', 'read by'],
    ...catalogue.map((s) => [
      `\`${s.name}\``,
      cell(code(s.default)),
      cell(s.type),
      cell(s.description),
      s.source,
    ]),
  ];
  return alignedTable(rows);
}

/** A Markdown table with padded columns, as the formatter (Biome) writes one, so the check stays quiet. */
function alignedTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, column) => Math.max(3, ...rows.map((row) => displayWidth(row[column]!))));
  const line = (row: readonly string[]) =>
    `| ${row.map((text, column) => text + ' '.repeat(widths[column]! - displayWidth(text))).join(' | ')} |`;
  return [
    line(rows[0]!),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

/** Columns a text takes in a monospaced view: East Asian wide characters take two. */
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text)
    width +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(
        char,
      )
        ? 2
        : 1;
  return width;
}

/** Knobs of the tests, benches and fuzzers, never read by the product. */
const TOOLING = /^SHOMEI_(TEST|BENCH|FUZZ)_/;

/** SHOMEI_* variables in `env` that no schema or reader declares (the tooling's own aside). */
export function undeclaredSettings(env: NodeJS.ProcessEnv): string[] {
  const declared = new Set(settingsCatalogue().map((s) => s.name));
  return Object.keys(env)
    .filter((name) => name.startsWith('SHOMEI_') && !TOOLING.test(name) && !declared.has(name))
    .sort();
}

/** The `shomei config check` row: a variable nobody reads is most likely a misspelt setting. */
export function settingsCheck(env: NodeJS.ProcessEnv): ConfigCheck {
  const unknown = undeclaredSettings(env);
  return unknown.length === 0
    ? { check: 'settings', setting: 'SHOMEI_*', status: 'ok', detail: 'every SHOMEI_* variable is known' }
    : { check: 'settings', setting: unknown.join(', '), status: 'failed', detail: 'not a setting of shomei' };
}
