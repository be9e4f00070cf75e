import type { Command } from 'commander';
import { openShomei } from '../../app/index.ts';
import { loadConfig } from '../../config/index.ts';
import { KEY_ALGORITHMS, type KeyAlgorithm, type KeyInfo } from '../../crypto/index.ts';
import { shomeiError } from '../../errors/index.ts';
import { createLogger } from '../../log/index.ts';
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
      const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }));
      try {
        const hsm = await shomei.crypto.listKeys();
        const records = await shomei.keys.list();
        printJson({
          keys: hsm.map((k) => ({
            ...describeKey(k),
            purpose: records.find((r) => r.key_id === k.id)?.purpose,
          })),
        });
      } finally {
        await shomei.close();
      }
    });

  keys
    .command('generate')
    .description('Generate a signing key pair inside the HSM / HSM 内で署名鍵ペアを生成')
    .requiredOption('--algorithm <alg>', `one of ${KEY_ALGORITHMS.join(', ')}`)
    .requiredOption('--label <label>', 'CKA_LABEL for the key')
    .option('--purpose <purpose>', 'what the key is for (recorded)', 'operator')
    .action(async (options: { algorithm: string; label: string; purpose: string }) => {
      if (!(KEY_ALGORITHMS as readonly string[]).includes(options.algorithm)) {
        throw shomeiError(
          'SHOMEI_KEY_ALGORITHM_UNSUPPORTED',
          `対応していないアルゴリズムです: ${options.algorithm}`,
          `Unsupported algorithm: ${options.algorithm}`,
        );
      }
      const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }));
      try {
        const key = await shomei.crypto.generateSigningKey(options.algorithm as KeyAlgorithm, options.label);
        await shomei.keys.record({
          keyId: key.id,
          label: key.label,
          kind: key.kind,
          algorithm: key.algorithm,
          purpose: options.purpose,
          ...(key.publicKey === undefined ? {} : { publicKey: key.publicKey }),
        });
        printJson(describeKey(key));
      } finally {
        await shomei.close();
      }
    });

  keys
    .command('destroy')
    .description('Destroy a key in the HSM (C_DestroyObject); the record is kept / 鍵を破棄 (記録は保持)')
    .argument('<keyId>', 'hex CKA_ID')
    .requiredOption('--reason <reason>', 'why the key is destroyed (recorded)')
    .action(async (keyId: string, options: { reason: string }) => {
      const shomei = await openShomei(loadConfig(), createLogger({ level: 'warn' }));
      try {
        const destroyed = await shomei.crypto.destroyKey(keyId);
        if ((await shomei.keys.get(keyId))?.status === 'active') {
          await shomei.keys.markDestroyed(keyId, options.reason);
        }
        printJson({ keyId, destroyedObjects: destroyed });
      } finally {
        await shomei.close();
      }
    });
}
