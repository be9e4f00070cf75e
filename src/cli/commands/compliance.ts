/**
 * `shomei compliance report`: the JIPDEC criteria checklist filled from the live installation —
 * environment, TLS, MFA policy, key storage, session limits, audit chain (verified now), the last
 * verified backup, clock health. Prints text (ja/en), Markdown or JSON; never a secret.
 */
import { type Command, InvalidArgumentError } from 'commander';
import {
  isPolicyDocument,
  type PolicyItemName,
  PUBLIC_POLICY_DOCUMENTS,
  type PublicPolicyDocument,
} from '../../admin/index.ts';
import { disclosureState, liveFacts, observedTrust, openShomei, renderPolicy } from '../../app/index.ts';
import { loadConfig } from '../../config/index.ts';
import { createLogger } from '../../log/index.ts';
import {
  checklistMarkdown,
  checklistRows,
  checklistText,
  complianceFails,
  complianceNotMet,
  disclosureRows,
  disclosureText,
  productionSafeguards,
  safeguardsText,
} from '../../ops/index.ts';
import { cliLang, printJson } from '../output.ts';
import { registerPolicyCommands } from './policy.ts';

export function registerComplianceCommands(program: Command): void {
  const compliance = program
    .command('compliance')
    .description('JIPDEC criteria checklist / JIPDEC 基準チェックリスト');
  compliance
    .command('report')
    .description(
      'Print the checklist filled from the live configuration / 現在の設定で埋めたチェックリストを表示',
    )
    .option('--format <format>', 'text | markdown | json', 'text')
    .action(async (options: { format: string }) => {
      const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }, process.stderr));
      try {
        const facts = await liveFacts(shomei);
        // Production safeguards and overrides (issue #22); a row not met makes the report exit 1.
        const safeguards = productionSafeguards(shomei.config);
        const chainOk = facts.auditChain.startsWith('verified OK');
        // Public policy pages (ADR 033): in production an unpublished document or unset item fails.
        const disclosure = disclosureRows(await disclosureState(shomei, facts));
        const fails =
          complianceFails(shomei.config.environment, safeguards, chainOk) ||
          (shomei.config.environment === 'production' && disclosure.some((r) => r.status !== 'met'));
        if (options.format === 'json')
          printJson({
            generatedAt: new Date().toISOString(),
            facts,
            checklist: checklistRows(facts),
            disclosure,
            trustPaths: shomei.trust.paths(),
            observedTrust: await observedTrust(shomei),
            safeguards,
            met: !fails,
          });
        else if (options.format === 'markdown') process.stdout.write(checklistMarkdown(facts));
        else process.stdout.write(checklistText(facts, cliLang()));
        if (options.format !== 'json') {
          process.stdout.write(disclosureText(disclosure, cliLang()));
          process.stdout.write(safeguardsText(safeguards, cliLang()));
        }
        if (fails) throw complianceNotMet();
      } finally {
        await shomei.close();
      }
    });
  compliance
    .command('document')
    .description(
      'Print a policy document filled with the settings in force and the provider items / 規程・規約を現在の設定で出力',
    )
    .argument('<name>', PUBLIC_POLICY_DOCUMENTS.join(' | '), (value: string) => {
      if (!isPolicyDocument(value)) {
        throw new InvalidArgumentError(`one of ${PUBLIC_POLICY_DOCUMENTS.join(', ')}`);
      }
      return value;
    })
    .action(async (name: PublicPolicyDocument) => {
      const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }, process.stderr));
      try {
        const items = await shomei.admin.policies.items();
        const values = Object.fromEntries(items.map((i) => [i.name, i.value])) as Record<
          PolicyItemName,
          string | null
        >;
        process.stdout.write(await renderPolicy(shomei, name, values));
      } finally {
        await shomei.close();
      }
    });
  registerPolicyCommands(compliance);
}
