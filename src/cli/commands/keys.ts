/**
 * `shomei keys …`: keys in the HSM token. Generating and destroying a provider key are dual-controlled
 * (`key.activate`, `key.destroy`): the command records the request as the authenticated operator and
 * the key is made or destroyed only when a second person approves (ADR 019).
 */
import type { Command } from 'commander';
import {
  acceptHsmConfiguration,
  checkHsmConfiguration,
  reportKeyCompromise,
  requestApproval,
  requirePrivilege,
} from '../../app/index.ts';
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

  registerHsmConfigurationCommands(keys);
  registerCompromiseCommand(keys);
}

/**
 * `keys compromise` (PS 3.6.1, ADR 035): asks for the procedure under dual control; run again, it
 * says where the request stands and finishes an approved one that was cut short.
 */
function registerCompromiseCommand(keys: Command): void {
  keys
    .command('compromise')
    .description(
      'Declare a key compromised: revoke, re-key, destroy, publish, notify once a second person approves (dual control: key.compromise) / 鍵の危殆化対応を依頼 (二者承認)',
    )
    .requiredOption('--key <key>', 'hex key id, key label, or a signing credential id')
    .requiredOption('--reason <text>', 'what happened (recorded; up to 500 characters)')
    .action(async (options: { key: string; reason: string }) => {
      if (options.reason.trim().length === 0 || options.reason.length > 500) {
        throw shomeiError(
          'SHOMEI_CLI_USAGE',
          '--reason が必要です (500 文字まで)。',
          '--reason is required (up to 500 characters).',
          { status: 400 },
        );
      }
      const progress = await withOperator((shomei, operator) =>
        reportKeyCompromise(shomei, operator, options.key.trim(), options.reason.trim()),
      );
      printJson(progress);
    });
}

/** `keys hsm-check` (start-up does the same; run it from a timer) and `keys hsm-accept` (issue #18). */
function registerHsmConfigurationCommands(keys: Command): void {
  keys
    .command('hsm-check')
    .description(
      'Compare the HSM module, token and mechanisms with the recorded configuration; a change is audited and alerted / HSM 構成の変更を検知',
    )
    .action(async () => {
      const result = await withShomei(async (shomei) => {
        const check = await checkHsmConfiguration(shomei.config, shomei.database);
        // Raise the alert now rather than at the next scan of a running server.
        if (check.newlyDetected) await shomei.audit.alerts.scan();
        return check;
      });
      printJson(result);
      if (result.status === 'changed') {
        throw shomeiError(
          'SHOMEI_HSM_CONFIGURATION_CHANGED',
          'HSM の構成が記録と異なります (監査ログとアラートに記録しました)。計画した変更なら shomei keys hsm-accept で承認してください。',
          'The HSM configuration differs from the recorded one (audited and alerted); if the change was planned, accept it with shomei keys hsm-accept.',
          { status: 500, details: { fingerprint: result.fingerprint, recorded: result.recordedFingerprint } },
        );
      }
    });
  keys
    .command('hsm-accept')
    .description(
      'Accept the HSM configuration now seen as the recorded one, after a planned change (security officer) / 計画した HSM 構成変更を承認',
    )
    .requiredOption('--reason <text>', 'the planned change (recorded; up to 500 characters)')
    .action(async (options: { reason: string }) => {
      if (options.reason.trim().length === 0 || options.reason.length > 500) {
        throw shomeiError(
          'SHOMEI_CLI_USAGE',
          '--reason が必要です (500 文字まで)。',
          '--reason is required (up to 500 characters).',
          { status: 400 },
        );
      }
      const accepted = await withOperator(async (shomei, operator) => {
        await requirePrivilege(shomei, operator, 'hsm.configure');
        return acceptHsmConfiguration(shomei.config, shomei.database, operator.userId, options.reason.trim());
      });
      printJson(accepted);
    });
}
