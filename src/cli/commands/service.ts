/**
 * `shomei service terminate request|run|status` (ADR 036): the service termination of PS 3.7 and
 * JT2A appendix 4 as a command. The plan (effective time, where the exports go, keys destroyed or
 * handed over) is asked by the system administrator and approved by the security officer
 * (`shomei admin approve`); `run` then carries it out step by step and may be repeated: before the
 * effective time it only sends the notices, afterwards it finishes what is left, and once finished it
 * changes nothing.
 */
import type { Command } from 'commander';
import { SERVICE_TERMINATION_KIND } from '../../admin/index.ts';
import { requestApproval, requirePrivilege, runServiceTermination } from '../../app/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { withOperator, withShomei } from '../operator.ts';
import { printJson } from '../output.ts';

interface RequestOptions {
  effective: string;
  exportTo: string;
  destroyKeys?: boolean;
  handOverTo?: string;
}

function keyStage(o: RequestOptions): { keys: 'destroy' | 'hand-over'; handOverTo?: string } {
  if ((o.destroyKeys === true) === (o.handOverTo !== undefined)) {
    throw shomeiError(
      'SHOMEI_CLI_USAGE',
      '--destroy-keys か --hand-over-to <dir> のどちらか一つを指定してください。',
      'Give exactly one of --destroy-keys or --hand-over-to <dir>.',
      { status: 400 },
    );
  }
  return o.handOverTo === undefined ? { keys: 'destroy' } : { keys: 'hand-over', handOverTo: o.handOverTo };
}

export function registerServiceCommands(program: Command): void {
  const service = program
    .command('service')
    .description('Service termination (dual control) / サービスの終了 (二者承認)');
  const terminate = service
    .command('terminate')
    .description('Service termination (PS 3.7, JT2A appendix 4) / サービスの終了');
  terminate
    .command('request')
    .description('Ask for the termination (dual control: service.terminate) / サービス終了を依頼 (二者承認)')
    .requiredOption(
      '--effective <time>',
      'when the service ends (ISO 8601 with offset, e.g. 2027-03-31T15:00:00Z)',
    )
    .requiredOption('--export-to <dir>', "absolute directory for every tenant's export and the report")
    .option('--destroy-keys', 'destroy every signer and provider key (the audit checkpoint key is kept)')
    .option('--hand-over-to <dir>', 'absolute directory for the successor: audit archive, CA records')
    .action(async (o: RequestOptions) => {
      const stage = keyStage(o);
      const request = await withOperator((shomei, operator) =>
        requestApproval(shomei, operator, SERVICE_TERMINATION_KIND, {
          effectiveAt: o.effective,
          exportTo: o.exportTo,
          ...stage,
        }),
      );
      printJson({ request });
    });
  terminate
    .command('run')
    .description('Carry out the approved termination; safe to repeat / 承認された終了手続きを実行 (再実行可)')
    .action(async () => {
      const outcome = await withOperator(async (shomei, operator) => {
        await requirePrivilege(shomei, operator, 'service.terminate');
        return runServiceTermination(shomei, operator);
      });
      printJson(outcome);
    });
  terminate
    .command('status')
    .description('The approved plan and the steps done / 計画と完了した手順')
    .action(async () => {
      const state = await withShomei(async (shomei) => ({
        plan: (await shomei.admin.termination.plan()) ?? null,
        steps: (await shomei.admin.termination.steps()).map((s) => ({ step: s.step, doneAt: s.doneAt })),
      }));
      printJson(state);
    });
}
