/**
 * `shomei admin …` from the server console: the first team of privileged roles, training records,
 * maintenance terminals, and read-only views. Approvals are given only by authenticated users over
 * /api/admin, never from the console, so nobody can approve in someone else's name.
 */
import { readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { isRole, ROLES, type Role } from '../../admin/index.ts';
import { openShomei, type Shomei } from '../../app/index.ts';
import { loadConfig } from '../../config/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { createLogger } from '../../log/index.ts';
import { printJson } from '../output.ts';

async function withShomei<T>(work: (shomei: Shomei) => Promise<T>): Promise<T> {
  const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }));
  try {
    return await work(shomei);
  } finally {
    await shomei.close();
  }
}

const operator = (explicit?: string): string => explicit ?? `console-${userInfo().username}`;

function assignment(
  value: string,
  previous: { userId: string; role: Role }[] = [],
): { userId: string; role: Role }[] {
  const at = value.lastIndexOf(':');
  const role = value.slice(at + 1);
  if (at <= 0 || !isRole(role)) {
    throw shomeiError(
      'SHOMEI_CLI_INPUT_INVALID',
      `--assign は USER:ROLE です (ROLE: ${ROLES.join(', ')})。`,
      `--assign takes USER:ROLE (ROLE one of ${ROLES.join(', ')}).`,
      { status: 400 },
    );
  }
  return [...previous, { userId: value.slice(0, at), role }];
}

export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('Privileged roles and administration / 特権と管理');

  admin
    .command('bootstrap')
    .description('Grant the first privileged team on a new installation / 新規導入時に最初の特権体制を付与')
    .requiredOption('--assign <user:role>', 'a grant, repeatable', assignment)
    .option('--operator <name>', 'who runs this (recorded)')
    .action(async (options: { assign: { userId: string; role: Role }[]; operator?: string }) => {
      await withShomei((shomei) => shomei.admin.bootstrap(options.assign, operator(options.operator)));
      printJson({ granted: options.assign });
    });

  admin
    .command('roles')
    .description('List role grants in effect / 付与中の役割を一覧')
    .action(async () => printJson({ grants: await withShomei((shomei) => shomei.admin.grants.list()) }));

  const training = admin.command('training').description('Staff training records / 教育訓練の記録');
  training
    .command('add')
    .description('Record a training / 教育訓練を記録')
    .requiredOption('--user <id>', 'user id')
    .requiredOption('--topic <text>', 'what was trained')
    .requiredOption('--trainer <name>', 'who trained')
    .requiredOption('--date <YYYY-MM-DD>', 'when')
    .option('--operator <name>', 'who records (recorded)')
    .action(async (o: { user: string; topic: string; trainer: string; date: string; operator?: string }) => {
      const record = await withShomei((shomei) =>
        shomei.admin.grants.recordTraining(
          { userId: o.user, topic: o.topic, trainer: o.trainer, trainedOn: o.date },
          operator(o.operator),
        ),
      );
      printJson(record);
    });
  training
    .command('list')
    .requiredOption('--user <id>', 'user id')
    .action(async (o: { user: string }) =>
      printJson({ training: await withShomei((shomei) => shomei.admin.grants.trainingOf(o.user)) }),
    );

  const terminals = admin.command('terminals').description('Maintenance terminals / 保守端末');
  terminals
    .command('register')
    .description('Register a terminal by its TLS client certificate / クライアント証明書で保守端末を登録')
    .requiredOption('--label <text>', 'where the terminal is')
    .requiredOption('--cert <file>', 'PEM client certificate')
    .option('--operator <name>', 'who registers (recorded)')
    .action(async (o: { label: string; cert: string; operator?: string }) => {
      if (statSync(o.cert).size > 16 * 1024) {
        throw shomeiError(
          'SHOMEI_CLI_INPUT_INVALID',
          '証明書ファイルが大きすぎます。',
          'The certificate file is too large.',
          {
            status: 400,
          },
        );
      }
      const certificate = readFileSync(o.cert, 'utf8');
      printJson(
        await withShomei((shomei) =>
          shomei.admin.terminals.register({ label: o.label, certificate }, operator(o.operator)),
        ),
      );
    });
  terminals
    .command('list')
    .action(async () =>
      printJson({ terminals: await withShomei((shomei) => shomei.admin.terminals.list()) }),
    );

  admin
    .command('approvals')
    .description('List dual-control requests / 二者承認の依頼を一覧')
    .action(async () =>
      printJson({ approvals: await withShomei((shomei) => shomei.admin.dualControl.list()) }),
    );
}
