/**
 * The key stage of a service termination (ADR 036). Either every signer's key and every provider key
 * is destroyed through the usual paths — the credential's own retirement for signers' keys, the HSM
 * and the key registry for the provider's (so the destruction log outside the home lists each, and
 * a later restore destroys them again) — keeping only the audit checkpoint key, which must outlive
 * the service so the trail of its end stays verifiable; or the audit archive and the CA's records
 * are written for the successor and the keys stay in the HSM that is handed over with them.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonObject, TerminationPlan } from '../admin/index.ts';
import { CHECKPOINT_KEY_PURPOSE } from '../audit/index.ts';
import { TOKEN_MARKER_PREFIX } from '../ops/index.ts';
import type { Shomei } from './shomei.ts';

type Once = (step: string, work: () => Promise<JsonObject>) => Promise<JsonObject>;

const REASON = 'service-terminated';

async function destroyProviderKey(shomei: Shomei, keyId: string, by: string): Promise<JsonObject> {
  const record = await shomei.keys.get(keyId);
  // After a crash between the HSM and the registry, the key may already be out of the token.
  const objects = (await shomei.crypto.hasKey(keyId)) ? await shomei.crypto.destroyKey(keyId) : 0;
  if (record?.status === 'active') await shomei.keys.markDestroyed(keyId, REASON);
  await shomei.audit.trail.append({
    type: 'key.destroy',
    actor: { kind: 'user', id: by },
    subject: { kind: 'key', id: keyId },
    outcome: 'success',
    details: { reason: REASON, purpose: record?.purpose ?? null, destroyedObjects: objects },
  });
  return { keyId, purpose: record?.purpose ?? null };
}

/** Destroys every key but the audit checkpoint key; each key is one recorded step. */
export async function terminationKeys(shomei: Shomei, once: Once, by: string): Promise<JsonObject> {
  let credentials = 0;
  for (const credentialId of await shomei.rssp.credentials.holdingKeys()) {
    await once(`credential:${credentialId}`, async () => ({
      credentialId,
      destroyed: await shomei.rssp.credentials.destroyKeyOfEndedCertificate(credentialId, REASON),
    }));
    credentials++;
  }
  const tokenKeys = await shomei.crypto.listKeys();
  // The token's environment marker stays too: it signs nothing, and keeps this token from being
  // taken for another environment's (ADR 036).
  const kept = [
    ...(await shomei.keys.findActiveByPurpose(CHECKPOINT_KEY_PURPOSE)).map((k) => k.key_id),
    ...tokenKeys.filter((k) => k.label.startsWith(TOKEN_MARKER_PREFIX)).map((k) => k.id),
  ];
  const registered = (await shomei.keys.list({ status: 'active' })).map((k) => k.key_id);
  // Then anything in the token the registry does not list (nothing should be; the token decides).
  const inToken = tokenKeys.map((k) => k.id);
  const doomed = [...new Set([...registered, ...inToken])].filter((id) => !kept.includes(id));
  for (const keyId of doomed) {
    await once(`key:${keyId}`, () => destroyProviderKey(shomei, keyId, by));
  }
  return { credentials, keys: doomed.length, kept };
}

/** The audit archive, the CA certificates and the key register, for the successor. */
export async function handOverRecords(
  shomei: Shomei,
  plan: TerminationPlan,
  by: string,
): Promise<JsonObject> {
  const directory = plan.handOverTo!;
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const archive = path.join(directory, 'audit-archive.jsonl');
  // A run cut short may have written it already; the export never overwrites, so start again.
  await rm(archive, { force: true });
  const exported = await shomei.audit.exportArchive(archive, {}, by);
  const [issuing, root] = await shomei.ca.chain();
  const pem = (der: Buffer) => new X509Certificate(der).toString();
  await writeFile(path.join(directory, 'ca-issuing.pem'), pem(issuing!), { mode: 0o600 });
  await writeFile(path.join(directory, 'ca-root.pem'), pem(root!), { mode: 0o600 });
  const register = await shomei.keys.list();
  await writeFile(path.join(directory, 'key-register.json'), `${JSON.stringify(register, null, 2)}\n`, {
    mode: 0o600,
  });
  return {
    directory,
    auditArchiveSha256: exported.archiveSha256,
    files: ['audit-archive.jsonl', 'ca-issuing.pem', 'ca-root.pem', 'key-register.json'],
  };
}
