/**
 * A revoked certificate's key does not outlive it (ADR 019): revoking a subscriber certificate at the
 * embedded CA, through dual control from the console or the CLI, also ends the signing credential
 * that holds it (key destroyed, credential revoked) or, for a key with no credential, destroys the
 * key in the HSM; each destruction is audited. Provider keys (CA, TSA, e-seal, …) are never destroyed
 * here: they go through `key.destroy` or their own ceremony.
 */
import type { DualControlExecutor } from '../admin/index.ts';
import { certificateRevokeExecutor } from '../ca/index.ts';
import type { Shomei } from './shomei.ts';

/** Purposes of keys that belong to a subscriber, not to the provider. */
const SUBSCRIBER_PURPOSES = new Set(['user-signing']);

async function destroySubscriberKey(shomei: Shomei, keyId: string, serial: string, by: string) {
  const record = await shomei.keys.get(keyId);
  if (record === undefined || record.status !== 'active' || !SUBSCRIBER_PURPOSES.has(record.purpose)) {
    return false;
  }
  if (await shomei.crypto.hasKey(keyId)) await shomei.crypto.destroyKey(keyId);
  await shomei.keys.markDestroyed(keyId, `certificate ${serial} revoked`);
  await shomei.audit.trail.append({
    type: 'key.destroy',
    actor: { kind: 'user', id: by },
    subject: { kind: 'key', id: keyId },
    outcome: 'success',
    details: { reason: 'certificate-revoked', certificateSerial: serial, purpose: record.purpose },
  });
  return true;
}

export function certificateRevokeAndDestroyExecutor(shomei: Shomei): DualControlExecutor {
  const base = certificateRevokeExecutor(shomei.ca);
  return {
    ...base,
    description: {
      ja: '証明書の失効 (利用者の鍵は破棄)',
      en: "Revoke a certificate (the subscriber's key is destroyed)",
    },
    async execute(payload, context) {
      const serial = payload.serialNumber as string;
      const credential = await shomei.rssp.db
        .selectFrom('rssp_credentials')
        .select(['credential_id', 'status'])
        .where('cert_serial', '=', serial)
        .executeTakeFirst();
      if (credential !== undefined && credential.status !== 'revoked' && credential.status !== 'ended') {
        // The credential's own path revokes at the CA and destroys its key, in that order.
        await shomei.rssp.credentials.revoke(
          credential.credential_id,
          context.approvedBy,
          payload.reason as Parameters<typeof shomei.rssp.credentials.revoke>[2],
        );
        const certificate = await shomei.ca.get(serial);
        return {
          serialNumber: serial,
          status: certificate?.status ?? 'revoked',
          credentialId: credential.credential_id,
          keyDestroyed: true,
        };
      }
      const outcome = await base.execute(payload, context);
      const keyId = (await shomei.ca.get(serial))?.keyId;
      const keyDestroyed =
        keyId === undefined ? false : await destroySubscriberKey(shomei, keyId, serial, context.approvedBy);
      return { ...outcome, keyDestroyed };
    },
  };
}
