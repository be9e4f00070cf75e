/**
 * The key ceremony at `shomei init` (ADR 019): every key the installation generates for itself (audit
 * checkpoint, KEKs, health check, CA, OCSP, TSA, provider e-seal, backup signing, and the sealing keys
 * of TOTP seeds, one-time-code seeds and webhook secrets) is recorded as `key.generate`
 * with its purpose, algorithm, public-key fingerprint and who ran the ceremony. Keys already there
 * from an earlier run are not recorded again, so repeating `init` adds only what it made.
 */
import { hostname, userInfo } from 'node:os';
import { generateProviderSealKey } from '../ades/index.ts';
import { DatabaseAuditTrail } from '../audit/index.ts';
import { generateWebhookSealKey } from '../contracts/index.ts';
import type { CryptoModule } from '../crypto/index.ts';
import { generateIdentitySealKey } from '../identity/index.ts';
import { generateBackupSigningKey } from '../ops/index.ts';
import { generateOtpSealKey } from '../rssp/index.ts';
import type { Database, KeyRegistry } from '../store/index.ts';

export async function keyIdsBefore(keys: KeyRegistry): Promise<Set<string>> {
  return new Set((await keys.list()).map((k) => k.key_id));
}

/** The last steps of the ceremony: the provider keys no module may make on its own, then the records. */
export async function completeInitKeyCeremony(
  database: Database,
  crypto: CryptoModule,
  keys: KeyRegistry,
  before: ReadonlySet<string>,
): Promise<number> {
  await generateProviderSealKey(crypto, keys);
  await generateBackupSigningKey(crypto, keys);
  // The sealing keys of TOTP seeds, one-time-code seeds and webhook secrets: no module makes its own.
  await generateIdentitySealKey(crypto, keys);
  await generateOtpSealKey(crypto, keys);
  await generateWebhookSealKey(crypto, keys);
  return recordInitKeyCeremony(database, keys, before);
}

async function recordInitKeyCeremony(
  database: Database,
  keys: KeyRegistry,
  before: ReadonlySet<string>,
): Promise<number> {
  const trail = new DatabaseAuditTrail(database);
  const made = (await keys.list()).filter((k) => !before.has(k.key_id));
  const actor = ceremonyActor();
  for (const key of made) {
    await trail.append({
      type: 'key.generate',
      actor,
      subject: { kind: 'key', id: key.key_id },
      outcome: 'success',
      details: {
        ceremony: 'init',
        purpose: key.purpose,
        algorithm: key.algorithm,
        label: key.label,
        publicKeySha256: key.public_key_sha256,
      },
    });
  }
  return made.length;
}

/** Who ran the ceremony: the OS account on this host (no operator account exists yet at init). */
export function ceremonyActor(): { kind: 'operator'; id: string } {
  return { kind: 'operator', id: `ceremony:${userInfo().username}@${hostname()}`.slice(0, 128) };
}
