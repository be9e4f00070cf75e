/**
 * `shomei keys hierarchy|migrate-wrapped|rotate-kek`: the key hierarchy (ADR 017). Migration and
 * rotation are resumable: each document and key is moved in its own step, so a run that was
 * interrupted (even by kill -9) is finished by running the same command again.
 */
import { type Command, Option } from 'commander';
import { type AuthenticatedOperator, openShomei, rekey, requirePrivilege } from '../../app/index.ts';
import { loadConfig } from '../../config/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { createLogger } from '../../log/index.ts';
import { withOperator } from '../operator.ts';
import { printJson } from '../output.ts';

interface RekeyOptions {
  graceSeconds: string;
  ifDue?: boolean;
}

function wholeNumber(value: string, option: string): number {
  if (!/^\d{1,9}$/.test(value)) {
    throw shomeiError(
      'SHOMEI_CLI_INPUT_INVALID',
      `${option} には 0 以上の整数を指定してください。`,
      `${option} must be a whole number (0 or more).`,
      { status: 400, details: { option } },
    );
  }
  return Number(value);
}

function actorOf(operator: AuthenticatedOperator) {
  return { kind: 'user' as const, id: operator.userId };
}

function keysCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'keys') ??
    program.command('keys').description('Keys in the HSM token / HSM トークン内の鍵')
  );
}

const graceOption = new Option(
  '--grace-seconds <n>',
  'destroy an old KEK epoch only this long after the next began / 旧 KEK の破棄までの猶予 (秒)',
).default('900');

export function registerKeyHierarchyCommands(program: Command): void {
  const keys = keysCommand(program);
  keys
    .command('hierarchy')
    .description('KEK epochs, wrapped keys and token object count / KEK と鍵階層の状態')
    .action(async () => {
      const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }, process.stderr));
      try {
        const epochs = [];
        for (const purpose of ['user-signing', 'contract-document'] as const) {
          for (const e of await shomei.keyHierarchy.keks.epochs(purpose)) {
            epochs.push({ purpose, keyId: e.key_id, label: e.label, createdAt: e.created_at });
          }
        }
        const wrapped = Object.fromEntries(await shomei.keyHierarchy.countByKek());
        printJson({ epochs, wrappedKeysByKek: wrapped, objects: await shomei.crypto.objectCounts() });
      } finally {
        await shomei.close();
      }
    });
  keys
    .command('migrate-wrapped')
    .description(
      'Move document keys and signing keys under the current KEKs (resumable) / 文書鍵・署名鍵を KEK 配下へ移行',
    )
    .addOption(graceOption)
    .action(async (options: RekeyOptions) => runRekey(false, options));
  keys
    .command('rotate-kek')
    .description('Start new KEK epochs and re-wrap everything under them / KEK を更新し再ラップ')
    .addOption(graceOption)
    .option(
      '--if-due',
      'only when the current epoch is older than SHOMEI_KEYS_KEK_EPOCH_DAYS / 期限到来時のみ',
    )
    .action(async (options: RekeyOptions) => runRekey(true, options));
}

async function runRekey(rotate: boolean, options: RekeyOptions): Promise<void> {
  const graceSeconds = wholeNumber(options.graceSeconds, '--grace-seconds');
  const config = loadConfig();
  // Re-wrapping and new KEK epochs change the provider's keys: an authenticated administrator (ADR 019).
  await withOperator(async (shomei, operator) => {
    await requirePrivilege(shomei, operator, 'keys.rekey');
    let due = rotate;
    if (rotate && options.ifDue === true) {
      const newest = (await shomei.keyHierarchy.keks.epochs('contract-document')).at(-1);
      const age =
        newest === undefined ? Number.POSITIVE_INFINITY : Date.now() - Date.parse(newest.created_at);
      due = age > config.keys.kekEpochDays * 86_400_000;
    }
    const report = await rekey(shomei, actorOf(operator), {
      rotate: due,
      epochGraceSeconds: graceSeconds,
      // One line per page, so an operator (or a test) sees it progress.
      onProgress: (progress) => process.stdout.write(`${JSON.stringify({ progress })}\n`),
    });
    printJson({ rotated: due, report });
  });
}
