/**
 * `shomei sign`: PAdES (PDF) or CAdES (any file) with the provider's e-seal key in the HSM, the
 * embedded TSA and the embedded CA's revocation data. Exit 0 on success, 2 for unusable input.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { type Command, CommanderError } from 'commander';
import {
  JIS_LEVEL_NAMES,
  parseSignatureLevel,
  type SignatureLevel,
  signatureTimestampTime,
  signCades,
  signPdf,
} from '../../ades/index.ts';
import { type AuthenticatedOperator, requirePrivilege, type SealSigning } from '../../app/index.ts';
import { isShomeiError, shomeiError } from '../../errors/index.ts';
import { certificateSubject } from '../../pki/index.ts';
import { buildSealAppearance } from '../../seal/index.ts';
import { withSealOperator } from '../operator.ts';
import { printError, printJson } from '../output.ts';

/** SHA-256 of the input ("what was signed", for the record shown after signing). */
async function digestContent(file: string): Promise<Buffer> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }))
    hash.update(chunk as Buffer);
  return hash.digest();
}

interface SignOptions {
  output: string;
  level: string;
  cades?: boolean;
  stamp?: boolean;
  page: string;
  rect?: string;
  reason?: string;
  location?: string;
  name?: string;
}

/** Codes that mean "the input or the options cannot be used" (exit 2), not a failure of shomei. */
const INPUT_ERROR =
  /^SHOMEI_(PDF_(MALFORMED|TRUNCATED|ENCRYPTED|TOO_LARGE|PAGE_OUT_OF_RANGE|FIELD_INVALID)|ADES_(INPUT_UNREADABLE|INPUT_TOO_LARGE|MALFORMED|LEVEL_INVALID)|SIGN_OPTION_INVALID|SEAL_)/;

const DEFAULT_STAMP_RECT = [380, 40, 180, 72] as const;

function optionInvalid(option: string, reason: string): Error {
  return shomeiError(
    'SHOMEI_SIGN_OPTION_INVALID',
    `オプション ${option} が不正です (${reason})。`,
    `The option ${option} is invalid (${reason}).`,
    { details: { option, reason } },
  );
}

function parsePage(text: string): number {
  const page = Number(text);
  if (!Number.isInteger(page) || page < 1 || page > 100_000)
    throw optionInvalid('--page', 'a page number from 1');
  return page - 1;
}

/** x,y,w,h in points → [x1, y1, x2, y2]. */
function parseRect(text: string | undefined): [number, number, number, number] {
  const values = text === undefined ? [...DEFAULT_STAMP_RECT] : text.split(',').map((v) => Number(v.trim()));
  if (values.length !== 4 || values.some((v) => !Number.isFinite(v) || Math.abs(v) > 14_400)) {
    throw optionInvalid('--rect', 'four numbers x,y,w,h');
  }
  const [x, y, w, h] = values as [number, number, number, number];
  if (w <= 0 || h <= 0) throw optionInvalid('--rect', 'width and height must be positive');
  return [x, y, x + w, y + h];
}

function checkText(option: string, value: string | undefined): void {
  if (value !== undefined && (value.length > 256 || /\p{Cc}/u.test(value))) {
    throw optionInvalid(option, 'at most 256 characters, no control characters');
  }
}

async function runSign(input: string, options: SignOptions): Promise<void> {
  const level: SignatureLevel = parseSignatureLevel(options.level);
  for (const [name, value] of [
    ['--reason', options.reason],
    ['--location', options.location],
    ['--name', options.name],
  ] as const) {
    checkText(name, value);
  }
  const pageIndex = parsePage(options.page);
  const rect = options.stamp || options.rect ? parseRect(options.rect) : undefined;
  const output = path.resolve(options.output);
  if (path.resolve(input) === output) throw optionInvalid('-o', 'the output must differ from the input');
  // The provider's e-seal signs in the provider's name: an authenticated operator (ADR 019), with
  // only what the e-seal needs opened (ADR 043).
  await withSealOperator(async (seal, operator) => {
    await requirePrivilege(seal, operator, 'seal.sign');
    await signAsProvider(seal, operator, input, output, { ...options, level }, pageIndex, rect);
  });
}

async function signAsProvider(
  shomei: SealSigning,
  operator: AuthenticatedOperator,
  input: string,
  output: string,
  options: SignOptions & { level: SignatureLevel },
  pageIndex: number,
  rect: [number, number, number, number] | undefined,
): Promise<void> {
  const level = options.level;
  const signing = await shomei.signing();
  // The subject alone (certificateFacts' own way to write it), from the Name without a whole parse.
  const signer = certificateSubject(signing.certificateChain[0]!);
  let fieldName: string | undefined;
  let cms: Buffer;
  let inputSha256: Buffer | undefined;
  const signingTime = new Date();
  if (options.cades) {
    ({ signature: cms } = await signCades({
      input,
      output,
      signer: signing.signer,
      signerCertificate: signing.certificateChain[0]!,
      certificateChain: signing.certificateChain.slice(1),
      level,
      tsa: signing.tsa,
      revocationSource: signing.revocationSource,
    }));
  } else {
    const appearance =
      options.stamp && rect
        ? buildSealAppearance({
            name: options.name ?? 'shomei',
            signingTime,
            width: rect[2] - rect[0],
            height: rect[3] - rect[1],
            ...(shomei.config.environment === 'production' ? {} : { environmentMark: 'TEST' as const }),
          })
        : undefined;
    const result = await signPdf({
      input,
      output,
      signer: signing.signer,
      certificateChain: signing.certificateChain,
      level,
      tsa: signing.tsa,
      revocationSource: signing.revocationSource,
      signingTime,
      page: pageIndex,
      ...(rect ? { rect } : {}),
      ...(appearance ? { appearance } : {}),
      reason: options.reason,
      location: options.location,
      signerName: options.name,
    });
    fieldName = result.fieldName;
    cms = result.cms;
    // signPdf hashed the input with SHA-256 (its default) while signing: no second 10 MB read.
    if (result.input.algorithm === 'SHA-256') inputSha256 = result.input.digest;
  }
  const timestampTime = signatureTimestampTime(cms);
  await shomei.audit.trail.append({
    type: 'signature.create',
    actor: { kind: 'user', id: operator.userId },
    source: operator.source,
    subject: { kind: 'document', id: path.basename(output) },
    outcome: 'success',
    details: { format: options.cades ? 'CAdES' : 'PAdES', level, keyId: signing.signer.keyId },
  });
  printJson({
    output,
    format: options.cades ? 'CAdES (detached)' : 'PAdES',
    level,
    jisLevel: JIS_LEVEL_NAMES[level],
    signer,
    inputSha256: (inputSha256 ?? (await digestContent(input))).toString('hex'),
    claimedSigningTime: signingTime.toISOString(),
    timestampTime: timestampTime?.toISOString(),
    fieldName,
  });
}

export function registerSignCommands(program: Command): void {
  program
    .command('sign')
    .description(
      'Sign a PDF (PAdES) or any file (CAdES, --cades) with the provider e-seal / 事業者の電子シールで署名',
    )
    .argument('<input>', 'PDF to sign, or any file with --cades')
    .requiredOption('-o, --output <file>', 'signed PDF, or the detached .p7s with --cades')
    .option('--level <level>', 'B-B | B-T | B-LT | B-LTA (ES / ES-T / ES-XL / ES-A)', 'B-LTA')
    .option('--cades', 'detached CAdES signature for any file / 任意のファイルに CAdES 署名')
    .option('--stamp', 'draw the seal (印影) in the signature widget')
    .option('--page <n>', 'page of the visible signature (1 = first)', '1')
    .option('--rect <x,y,w,h>', 'widget rectangle in points (default 380,40,180,72 with --stamp)')
    .option('--reason <text>', '/Reason (理由)')
    .option('--location <text>', '/Location (場所)')
    .option('--name <text>', 'name in /Name and on the seal (氏名)')
    .action(async (input: string, options: SignOptions) => {
      try {
        await runSign(input, options);
      } catch (error) {
        if (isShomeiError(error) && INPUT_ERROR.test(error.code)) {
          printError(error);
          throw new CommanderError(2, error.code, error.message);
        }
        throw error;
      }
    });
}
