/**
 * `shomei admin …`: the bootstrap ceremony, operator login, dual-control decisions, training records,
 * maintenance terminals and read-only views. Every change is made by an authenticated operator
 * (src/cli/operator.ts) through the same service methods as the console; only the bootstrap
 * ceremony, before any privileged role exists, runs without one (ADR 019).
 */
import { readFileSync, statSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { isRole, ROLES } from '../../admin/index.ts';
import {
  type AuthenticatedOperator,
  type BootstrapAssignment,
  decideApproval,
  requirePrivilege,
  runBootstrapCeremony,
  type Shomei,
  startOperatorSession,
} from '../../app/index.ts';
import { shomeiError } from '../../errors/index.ts';
import {
  credentialsMissing,
  operatorProof,
  readCredentials,
  removeSessionFile,
  resolveOperator,
  sessionFilePath,
  withOperator,
  withShomei,
  writeSessionFile,
} from '../operator.ts';
import { printJson } from '../output.ts';

function usage(ja: string, en: string): Error {
  return shomeiError('SHOMEI_CLI_INPUT_INVALID', ja, en, { status: 400 });
}

function assignment(value: string, previous: BootstrapAssignment[] = []): BootstrapAssignment[] {
  const [user, role, ...name] = value.split(':');
  if (user === undefined || user === '' || !isRole(role)) {
    throw usage(
      `--assign は USER:ROLE[:氏名] です (ROLE: ${ROLES.join(', ')})。`,
      `--assign takes USER:ROLE[:NAME] (ROLE one of ${ROLES.join(', ')}).`,
    );
  }
  const joined = name.join(':').trim();
  return [...previous, { user, role, ...(joined === '' ? {} : { name: joined }) }];
}

function training(value: string | undefined) {
  if (value === undefined) return undefined;
  const [topic, trainer, trainedOn] = value.split('|');
  if (!topic || !trainer || !trainedOn) {
    throw usage(
      '--training は "内容|講師|YYYY-MM-DD" です。',
      '--training takes "TOPIC|TRAINER|YYYY-MM-DD".',
    );
  }
  return { topic, trainer, trainedOn };
}

/**
 * Before the first team exists the server console records on its own (the ceremony); afterwards only
 * an authenticated operator holding the privilege may.
 */
async function asOperatorOrCeremony<T>(
  privilege: 'training.record' | 'terminals.manage',
  work: (shomei: Shomei, recordedBy: string) => Promise<T>,
): Promise<T> {
  const bootstrapped = await withShomei((shomei) => shomei.admin.grants.anyPrivilegedGrant());
  if (!bootstrapped) {
    return withShomei((shomei) =>
      work(shomei, `ceremony:${userInfo().username}@${hostname()}`.slice(0, 128)),
    );
  }
  return withOperator(async (shomei, operator: AuthenticatedOperator) => {
    await requirePrivilege(shomei, operator, privilege);
    return work(shomei, operator.userId);
  });
}

export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('Privileged roles and administration / 特権と管理');
  registerBootstrapCommand(admin);
  registerSessionCommands(admin);
  admin
    .command('roles')
    .description('List role grants in effect / 付与中の役割を一覧')
    .action(async () => printJson({ grants: await withShomei((shomei) => shomei.admin.grants.list()) }));
  registerTrainingCommands(admin);
  registerTerminalCommands(admin);
  registerApprovalCommands(admin);
}

/** The key ceremony that makes the first operators (before any team exists). */
function registerBootstrapCommand(admin: Command): void {
  admin
    .command('bootstrap')
    .description(
      'Key ceremony: create the first operators and grant the first team; repeat until all are ready / 最初の運用者と特権体制を設ける儀式',
    )
    .requiredOption(
      '--assign <user:role[:name]>',
      'user id or email, role, display name; repeatable',
      assignment,
    )
    .option('--training <topic|trainer|date>', 'training given to each member before the grant')
    .action(async (options: { assign: BootstrapAssignment[]; training?: string }) => {
      const outcome = await withShomei((shomei) =>
        runBootstrapCeremony(shomei, options.assign, training(options.training)),
      );
      printJson(outcome);
    });
}

/** An operator's own session for this shell: log in, log out, who am I. */
function registerSessionCommands(admin: Command): void {
  admin
    .command('login')
    .description(
      'Authenticate as your own operator account (password + TOTP) for this shell / 自分の運用者アカウントで認証',
    )
    .action(async () => {
      const credentials = await readCredentials('SHOMEI_OPERATOR');
      if (credentials === undefined) throw credentialsMissing();
      const file = sessionFilePath();
      const started = await withShomei((shomei) => startOperatorSession(shomei, credentials, 'cli'));
      writeSessionFile(file, started.secret, started.expiresAt);
      printJson({ ...started.operator, expiresAt: started.expiresAt, sessionFile: file });
    });

  admin
    .command('logout')
    .description('End the operator session of this shell / 運用者セッションを終了')
    .action(async () => {
      const file = sessionFilePath();
      const proof = await operatorProof({ SHOMEI_OPERATOR_SESSION: file });
      await withShomei(async (shomei) => {
        const resolved =
          'session' in proof ? await shomei.identity.resolveRequestSession(proof.session) : undefined;
        if (resolved !== undefined) await shomei.identity.sessions.end(resolved.session.record.id, 'logout');
      });
      removeSessionFile(file);
      printJson({ loggedOut: true });
    });

  admin
    .command('whoami')
    .description('The authenticated operator and roles / 認証済みの運用者と役割')
    .action(async () => {
      const proof = await operatorProof();
      await withShomei(async (shomei) => printJson(await resolveOperator(shomei, proof)));
    });
}

function registerTrainingCommands(admin: Command): void {
  const trainingCommand = admin.command('training').description('Staff training records / 教育訓練の記録');
  trainingCommand
    .command('add')
    .description('Record a training / 教育訓練を記録')
    .requiredOption('--user <id>', 'user id')
    .requiredOption('--topic <text>', 'what was trained')
    .requiredOption('--trainer <name>', 'who trained')
    .requiredOption('--date <YYYY-MM-DD>', 'when')
    .action(async (o: { user: string; topic: string; trainer: string; date: string }) => {
      const record = await asOperatorOrCeremony('training.record', async (shomei, recordedBy) => {
        if ((await shomei.identity.getUser(o.user)) === undefined) {
          throw usage(`利用者 ${o.user} がありません。`, `There is no user ${o.user}.`);
        }
        return shomei.admin.grants.recordTraining(
          { userId: o.user, topic: o.topic, trainer: o.trainer, trainedOn: o.date },
          recordedBy,
        );
      });
      printJson(record);
    });
  trainingCommand
    .command('list')
    .requiredOption('--user <id>', 'user id')
    .action(async (o: { user: string }) =>
      printJson({ training: await withShomei((shomei) => shomei.admin.grants.trainingOf(o.user)) }),
    );
}

function registerTerminalCommands(admin: Command): void {
  const terminals = admin.command('terminals').description('Maintenance terminals / 保守端末');
  terminals
    .command('register')
    .description('Register a terminal by its TLS client certificate / クライアント証明書で保守端末を登録')
    .requiredOption('--label <text>', 'where the terminal is')
    .requiredOption('--cert <file>', 'PEM client certificate')
    .action(async (o: { label: string; cert: string }) => {
      if (statSync(o.cert).size > 16 * 1024) {
        throw usage('証明書ファイルが大きすぎます。', 'The certificate file is too large.');
      }
      const certificate = readFileSync(o.cert, 'utf8');
      printJson(
        await asOperatorOrCeremony('terminals.manage', (shomei, recordedBy) =>
          shomei.admin.terminals.register({ label: o.label, certificate }, recordedBy),
        ),
      );
    });
  terminals
    .command('list')
    .action(async () =>
      printJson({ terminals: await withShomei((shomei) => shomei.admin.terminals.list()) }),
    );
}

/** Dual-control requests: list them, approve or reject one as the second person. */
function registerApprovalCommands(admin: Command): void {
  admin
    .command('approvals')
    .description('List dual-control requests / 二者承認の依頼を一覧')
    .action(async () =>
      printJson({ approvals: await withShomei((shomei) => shomei.admin.dualControl.list()) }),
    );

  for (const decision of ['approve', 'reject'] as const) {
    admin
      .command(decision)
      .description(
        decision === 'approve'
          ? 'Approve a dual-control request as yourself (a second person) / 二者承認の依頼を承認'
          : 'Reject a request, or withdraw your own / 依頼を却下または取下げ',
      )
      .argument('<requestId>', 'approval request id')
      .action(async (requestId: string) => {
        printJson(
          await withOperator((shomei, operator) => decideApproval(shomei, operator, requestId, decision)),
        );
      });
  }
}
