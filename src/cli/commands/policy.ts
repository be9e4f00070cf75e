/**
 * `shomei compliance items|versions|publish` (ADR 033): the provider's items of the policy documents,
 * their published versions, and a request to publish — the dual-control kind `policy.publish`, which a
 * security officer approves with `shomei admin approve` (or in the console) before anything changes.
 */
import { readFileSync, statSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { isPolicyDocument, POLICY_PUBLISH_KIND, PUBLIC_POLICY_DOCUMENTS } from '../../admin/index.ts';
import { requestApproval } from '../../app/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { withOperator, withShomei } from '../operator.ts';
import { printJson } from '../output.ts';

const ITEMS_FILE_LIMIT = 16 * 1024;

function documentArgument(value: string, previous: string[] = []): string[] {
  if (!isPolicyDocument(value))
    throw new InvalidArgumentError(`one of ${PUBLIC_POLICY_DOCUMENTS.join(', ')}`);
  return [...previous, value];
}

/** The provider's texts from a JSON file ({ "PROVIDER_NAME": "…" }); checked in full by the executor. */
function readItems(file: string): unknown {
  if (statSync(file).size > ITEMS_FILE_LIMIT) {
    throw shomeiError(
      'SHOMEI_ADMIN_INPUT_INVALID',
      '項目ファイルが大きすぎます。',
      'The items file is too large.',
      {
        details: { limit: ITEMS_FILE_LIMIT },
      },
    );
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw shomeiError(
      'SHOMEI_ADMIN_INPUT_INVALID',
      '項目ファイルが JSON ではありません。',
      'The items file is not JSON.',
    );
  }
}

export function registerPolicyCommands(compliance: Command): void {
  compliance
    .command('items')
    .description("The provider's items of the policy documents, unset ones marked / 事業者の記入項目")
    .action(async () => printJson({ items: await withShomei((shomei) => shomei.admin.policies.items()) }));
  compliance
    .command('versions')
    .description('Published versions of a policy document / 公開した版の一覧')
    .argument('<document>', PUBLIC_POLICY_DOCUMENTS.join(' | '), (v: string) => documentArgument(v)[0])
    .action(async (document: string) =>
      printJson({
        versions: await withShomei((shomei) =>
          shomei.admin.policies.versions(document as (typeof PUBLIC_POLICY_DOCUMENTS)[number]),
        ),
      }),
    );
  compliance
    .command('publish')
    .description(
      'Ask to set provider items and publish new versions (dual control) / 記入項目の設定と新しい版の公開を依頼 (二者承認)',
    )
    .option(
      '--document <name>',
      `repeatable; default all: ${PUBLIC_POLICY_DOCUMENTS.join(', ')}`,
      documentArgument,
    )
    .option('--items <file>', 'JSON object of item name → text')
    .option('--effective <date>', 'ISO-8601 date or time it takes effect (default: on approval)')
    .action(async (o: { document?: string[]; items?: string; effective?: string }) => {
      const payload = {
        documents: o.document,
        items: o.items === undefined ? undefined : readItems(o.items),
        effectiveAt: o.effective,
      };
      printJson(
        await withOperator((shomei, operator) =>
          requestApproval(shomei, operator, POLICY_PUBLISH_KIND, payload),
        ),
      );
    });
}
