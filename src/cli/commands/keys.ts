/**
 * `shomei keys …`: keys in the HSM token. Generating and destroying a provider key are dual-controlled
 * (`key.activate`, `key.destroy`): the command records the request as the authenticated operator and
 * the key is made or destroyed only when a second person approves (ADR 019).
 */
import type { Command } from 'commander';
import { requestApproval } from '../../app/index.ts';
import { KEY_ALGORITHMS, type KeyInfo } from '../../crypto/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { withOperator, withShomei } from '../operator.ts';
import { printJson } from '../output.ts';

function describeKey(key: KeyInfo): Record<string, unknown> {
  return {
    id: key.id,
    label: key.label,
    kind: key.kind,
    algorithm: key.algorithm,
    attributes: key.attributes,
    publicKey: key.publicKey?.toString('base64'),
  };
}

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('Keys in the HSM token / HSM トークン内の鍵');

  keys
    .command('list')
    .description('List keys with their PKCS#11 attributes / 鍵を属性付きで一覧表示')
    .action(async () => {
      await withShomei(async (shomei) => {
        const hsm = await shomei.crypto.listKeys();
        const records = await shomei.keys.list();
        printJson({
          keys: hsm.map((k) => ({
            ...describeKey(k),
            purpose: records.find((r) => r.key_id === k.id)?.purpose,
          })),
        });
      });
    });

  keys
    .command('generate')
    .description(
      'Ask for a provider key to be generated in the HSM (dual control) / 事業者鍵の生成を依頼 (二者承認)',
    )
    .requiredOption('--algorithm <alg>', `one of ${KEY_ALGORITHMS.join(', ')}`)
    .requiredOption('--label <label>', 'CKA_LABEL for the key')
    .requiredOption('--purpose <purpose>', 'what the key is for (recorded)')
    .action(async (options: { algorithm: string; label: string; purpose: string }) => {
      if (!(KEY_ALGORITHMS as readonly string[]).includes(options.algorithm)) {
        throw shomeiError(
          'SHOMEI_KEY_ALGORITHM_UNSUPPORTED',
          `対応していないアルゴリズムです: ${options.algorithm}`,
          `Unsupported algorithm: ${options.algorithm}`,
          { status: 400 },
        );
      }
      const request = await withOperator((shomei, operator) =>
        requestApproval(shomei, operator, 'key.activate', {
          algorithm: options.algorithm,
          label: options.label,
          purpose: options.purpose,
        }),
      );
      printJson({ request });
    });

  keys
    .command('destroy')
    .description(
      'Ask for a key to be destroyed in the HSM (dual control); the record is kept / 鍵の破棄を依頼 (二者承認)',
    )
    .argument('<keyId>', 'hex CKA_ID')
    .requiredOption('--reason <reason>', 'why the key is destroyed (recorded)')
    .action(async (keyId: string, options: { reason: string }) => {
      const request = await withOperator((shomei, operator) =>
        requestApproval(shomei, operator, 'key.destroy', { keyId, reason: options.reason }),
      );
      printJson({ request });
    });
}
