/**
 * `shomei verify FILE [--data DETACHED] [--trust ROOTS.pem] [--policy POLICY.json] [--online] [--json] [--lang ja|en]`:
 * validates every signature and document timestamp of a PDF, or a detached CAdES signature.
 * Exit 0 when every one is TOTAL_PASSED, 1 when any is not, 2 for unusable input.
 */

import { type Command, CommanderError } from 'commander';
import { loadConfig, type ShomeiConfig } from '../../config/index.ts';
import { isShomeiError, shomeiError } from '../../errors/index.ts';
import { DEFAULT_PDF_BUDGET, withPdfBudget } from '../../pdf/index.ts';
import {
  readLimited,
  readPolicyFile,
  readTrustAnchors,
  type SignatureValidationResult,
  type ValidationReport,
  validateDocument,
} from '../../validation/index.ts';
import { cliLang, type Lang, printError, printJson } from '../output.ts';
import { installationRoot } from './verify-anchors.ts';

interface VerifyOptions {
  data?: string;
  trust?: string;
  policy?: string;
  online?: boolean;
  json?: boolean;
  lang?: string;
}

/**
 * The settings, read once for the embedded root's database and the decode budget; none when they
 * cannot be read (then only --trust gives anchors, and the default budget applies).
 */
function settings(): ShomeiConfig | undefined {
  try {
    return loadConfig();
  } catch {
    return undefined;
  }
}

const LABEL = {
  ja: {
    signature: '署名',
    'document-timestamp': '文書タイムスタンプ',
    signer: '署名者',
    level: 'レベル',
    claimed: '署名時刻（申告）',
    best: '証明された時刻',
    reasons: '理由',
    warnings: '注意',
    overall: '総合判定',
    anchors: 'トラストアンカー',
    policy: '検証ポリシー',
    information: '情報',
    none: 'なし（--trust で指定してください）',
  },
  en: {
    signature: 'Signature',
    'document-timestamp': 'Document timestamp',
    signer: 'Signer',
    level: 'Level',
    claimed: 'Claimed signing time',
    best: 'Proven time',
    reasons: 'Reasons',
    warnings: 'Warnings',
    overall: 'Overall',
    anchors: 'Trust anchors',
    policy: 'Validation policy',
    information: 'Information',
    none: 'none (give them with --trust)',
  },
} as const;

function printSignature(s: SignatureValidationResult, lang: Lang): void {
  const l = LABEL[lang];
  const lines = [
    `${s.id} ${l[s.kind]}${s.fieldName ? ` "${s.fieldName}"` : ''}: ${s.indication}${s.subIndication ? ` / ${s.subIndication}` : ''}`,
    `  ${l.signer}: ${s.signer?.subject ?? '—'}`,
    `  ${l.level}: ${s.level}`,
    ...(s.claimedSigningTime ? [`  ${l.claimed}: ${s.claimedSigningTime}`] : []),
    `  ${l.best}: ${s.bestSignatureTime}`,
    ...s.timestamps.map(
      (t) =>
        `  ${t.kind}: ${t.genTime ?? '?'} ${t.indication}${t.subIndication ? ` / ${t.subIndication}` : ''}`,
    ),
    ...(s.reasons.length ? [`  ${l.reasons}:`, ...s.reasons.map((r) => `    - ${r[lang]}`)] : []),
    ...(s.warnings.length ? [`  ${l.warnings}:`, ...s.warnings.map((r) => `    - ${r[lang]}`)] : []),
    ...(s.information?.length
      ? [`  ${l.information}:`, ...s.information.map((r) => `    - ${r[lang]}`)]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function printReport(report: ValidationReport, lang: Lang): void {
  const l = LABEL[lang];
  const anchors = report.policy.trustAnchors.map((a) => a.subject).join('; ');
  process.stdout.write(`${l.anchors}: ${anchors || l.none}\n`);
  process.stdout.write(`${l.policy}: ${report.policy.name} (sha256 ${report.policy.digest})\n`);
  for (const s of report.signatures) printSignature(s, lang);
  process.stdout.write(`${l.overall}: ${report.indication}\n`);
}

async function runVerify(file: string, options: VerifyOptions): Promise<void> {
  const lang: Lang = options.lang === 'ja' || options.lang === 'en' ? options.lang : cliLang();
  let report: ValidationReport;
  try {
    if (options.lang !== undefined && options.lang !== 'ja' && options.lang !== 'en') {
      throw shomeiError(
        'SHOMEI_VALIDATION_OPTION_INVALID',
        '--lang は ja または en です。',
        '--lang is ja or en.',
      );
    }
    const document = await readLimited(file, 'document');
    const data = options.data === undefined ? undefined : await readLimited(options.data, 'detached data');
    const config = settings();
    const trustAnchors = options.trust
      ? readTrustAnchors(options.trust)
      : config === undefined
        ? []
        : await installationRoot(config.databaseUrl);
    const policy = options.policy === undefined ? undefined : await readPolicyFile(options.policy);
    // The per-document decode budget of the settings, as for the server's workers (ADR 016): a
    // one-shot command needs no worker to be stopped, the budget's time limit ends it.
    report = await withPdfBudget(config?.work.budget ?? DEFAULT_PDF_BUDGET, () =>
      validateDocument(document, data, {
        trustAnchors,
        online: options.online === true,
        name: file,
        ...(policy ? { policy } : {}),
      }),
    );
  } catch (error) {
    // Everything that stops validation before a verdict is unusable input (exit 2).
    printError(error, lang);
    throw new CommanderError(2, isShomeiError(error) ? error.code : 'SHOMEI_INTERNAL', 'unusable input');
  }
  if (options.json) printJson(report);
  else printReport(report, lang);
  if (report.indication !== 'TOTAL_PASSED') {
    throw shomeiError(
      'SHOMEI_VALIDATION_NOT_PASSED',
      `検証に合格しなかった署名があります（${report.indication}）。`,
      `Not every signature passed validation (${report.indication}).`,
    );
  }
}

export function registerVerifyCommands(program: Command): void {
  program
    .command('verify')
    .description('Validate the signatures of a PDF or a CAdES file / PDF・CAdES ファイルの署名を検証')
    .argument('<file>', 'signed PDF, or a detached CAdES signature (.p7s)')
    .option('--data <file>', 'the signed data of a detached CAdES signature')
    .option('--trust <roots.pem>', 'trust anchors (PEM); default: the embedded root of this installation')
    .option('--policy <policy.json>', 'validation policy (JSON); default: the shipped default policy')
    .option('--online', 'fetch OCSP/CRL via the certificates’ AIA/CRLDP URLs')
    .option('--json', 'print the JSON report (docs/verification-report.md)')
    .option('--lang <ja|en>', 'language of the text output')
    .action(runVerify);
}
