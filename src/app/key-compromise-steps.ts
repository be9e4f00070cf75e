/**
 * The steps of the key-compromise procedure (src/app/key-compromise.ts, ADR 035). Each checks the
 * world before acting — a certificate already revoked, a key already gone, a TSA already renewed — so
 * a run resumed after a crash between acting and recording does not act twice.
 */
import { createHash } from 'node:crypto';
import { generateProviderSealKey, PROVIDER_SEAL_PURPOSE } from '../ades/index.ts';
import type { JsonObject } from '../admin/index.ts';
import { CHECKPOINT_KEY_PURPOSE, ensureCheckpointKey } from '../audit/index.ts';
import type { AuthorityName, IssuedCertificate, RevocationReason } from '../ca/index.ts';
import type { CompromiseContext } from './key-compromise.ts';
import type { Shomei } from './shomei.ts';
import { renewTsa } from './tsa-renewal.ts';

/** A CA key's compromise reaches every certificate that CA issued, not only its own. */
const AUTHORITY_OF_PURPOSE: Readonly<Record<string, AuthorityName>> = {
  'ca-root': 'root',
  'ca-issuing': 'issuing',
};

/** What to do next where the provider cannot re-key by itself (shown in the report and the notice). */
const NEXT_STEP: Readonly<Record<string, { ja: string; en: string }>> = {
  'user-signing': {
    ja: '利用者が署名用鍵を申請し直し、登録局が審査します。',
    en: 'The holder applies for a new signing credential; the RA reviews it.',
  },
  'ca-root': {
    ja: '認証局の運用を終了しました。新しい認証局は鍵生成の儀式で新しい設置として作ります (docs/operations.md)。',
    en: 'The CA is ended; a new CA is made by a new installation ceremony (docs/operations.md).',
  },
  'ca-issuing': {
    ja: '発行 CA の運用を終了しました。新しい発行 CA は鍵生成の儀式で新しい設置として作ります (docs/operations.md)。',
    en: 'The issuing CA is ended; a new one is made by a new installation ceremony (docs/operations.md).',
  },
};
const NEXT_STEP_OTHER = {
  ja: 'shomei keys generate で代わりの鍵を依頼し、外部認証局の証明書は shomei ca external csr / import で取り込みます。',
  en: 'Ask for a replacement with shomei keys generate; for an outside CA use shomei ca external csr / import.',
};

async function affectedCertificates(shomei: Shomei, keyId: string, purpose: string) {
  const own = await shomei.ca.list({ keyId, status: 'valid' });
  const authority = AUTHORITY_OF_PURPOSE[purpose];
  if (authority === undefined) return own;
  const issued = (await shomei.ca.list({ status: 'valid', limit: 10_000 })).filter(
    (c) => c.issuer === authority && c.keyId !== keyId,
  );
  return [...own, ...issued];
}

/**
 * A subscriber's credential ends by its own path (revoked at its CA, key destroyed). Returns the
 * certificate serial it revoked, or undefined when there was nothing left to revoke.
 */
async function revokeCredential(context: CompromiseContext): Promise<string | undefined> {
  const { shomei, key } = context;
  if (key.credentialId === null) return undefined;
  const row = await shomei.rssp.db
    .selectFrom('rssp_credentials')
    .select(['status', 'cert_serial'])
    .where('credential_id', '=', key.credentialId)
    .executeTakeFirst();
  if (row === undefined || row.status === 'revoked' || row.status === 'ended') return undefined;
  await shomei.rssp.credentials.revoke(key.credentialId, context.approvedBy, 'keyCompromise');
  return row.cert_serial ?? undefined;
}

function reasonFor(certificate: IssuedCertificate, keyId: string): RevocationReason {
  return certificate.keyId === keyId ? 'keyCompromise' : 'cACompromise';
}

/** Revokes what the embedded CA issued; lists what an outside CA must revoke; publishes fresh CRLs. */
export async function revokeAffectedCertificates(context: CompromiseContext): Promise<JsonObject> {
  const { shomei, key } = context;
  const revoked: string[] = [];
  const outside: string[] = [];
  const issuers = new Set<AuthorityName>();
  const credentialSerial = await revokeCredential(context);
  if (credentialSerial !== undefined) {
    const certificate = await shomei.ca.get(credentialSerial);
    revoked.push(credentialSerial);
    if (certificate !== undefined && certificate.issuer !== 'external')
      issuers.add(certificate.issuer as AuthorityName);
  }
  for (const certificate of await affectedCertificates(shomei, key.keyId, key.purpose)) {
    if (certificate.issuer === 'external') {
      outside.push(certificate.serialNumber);
      continue;
    }
    await shomei.ca.revoke(certificate.serialNumber, reasonFor(certificate, key.keyId), context.actor);
    revoked.push(certificate.serialNumber);
    issuers.add(certificate.issuer as AuthorityName);
  }
  const crls: JsonObject[] = [];
  // An authority whose own key is compromised signs its final CRL now: the destroy step ends its key.
  const ended = AUTHORITY_OF_PURPOSE[key.purpose];
  for (const issuer of issuers) {
    if (issuer === ended) continue;
    const der = await shomei.ca.crl(issuer);
    crls.push({ issuer, sha256: createHash('sha256').update(der).digest('hex') });
  }
  if (ended !== undefined) {
    const der = await shomei.ca.finalCrl(ended);
    crls.push({ issuer: ended, final: true, sha256: createHash('sha256').update(der).digest('hex') });
  }
  return {
    credentialRevoked: credentialSerial === undefined ? null : key.credentialId,
    revokedCertificates: revoked,
    outsideCaMustRevoke: outside,
    crls,
  };
}

/** Destroys the key in the HSM and marks its record, once; `key.destroy` records the destruction. */
async function destroyKey(context: CompromiseContext): Promise<boolean> {
  const { shomei, key } = context;
  const inToken = await shomei.crypto.hasKey(key.keyId);
  if (inToken) await shomei.crypto.destroyKey(key.keyId);
  const record = await shomei.keys.get(key.keyId);
  const active = record?.status === 'active';
  if (active) await shomei.keys.markDestroyed(key.keyId, `key compromise (incident ${context.incidentId})`);
  if (!inToken && !active) return false;
  await shomei.audit.trail.append({
    type: 'key.destroy',
    actor: context.actor,
    subject: { kind: 'key', id: key.keyId },
    outcome: 'success',
    details: { reason: 'key-compromise', incident: context.incidentId, purpose: key.purpose },
  });
  return true;
}

/** After this step the key is gone; `byThisStep` says whether this step removed it (else an earlier one). */
export async function destroyCompromisedKey(context: CompromiseContext): Promise<JsonObject> {
  return { keyDestroyed: true, byThisStep: await destroyKey(context) };
}

/** The provider re-keys what it can make itself; otherwise the report names the next step. */
export async function rekeyCompromisedKey(context: CompromiseContext): Promise<JsonObject> {
  const { shomei, key } = context;
  if (key.purpose === 'tsa') {
    const current = await shomei.tsa.status();
    if (current.keyId !== key.keyId)
      return { replacementKeyId: current.keyId, certificate: current.serialNumber };
    // The TSA's own renewal: new key and certificate, the compromised key destroyed with it.
    const renewal = await renewTsa(shomei, {
      operator: context.requestedBy,
      approvedBy: context.approvedBy,
      requestId: context.incidentId,
    });
    return { replacementKeyId: renewal.current.keyId, certificate: renewal.current.serialNumber };
  }
  if (key.purpose === PROVIDER_SEAL_PURPOSE || key.purpose === CHECKPOINT_KEY_PURPOSE) {
    // Both find "the active key of this purpose": the compromised one goes first.
    await destroyKey(context);
    const replacementKeyId =
      key.purpose === PROVIDER_SEAL_PURPOSE
        ? (await generateProviderSealKey(shomei.crypto, shomei.keys)).keyId
        : (await ensureCheckpointKey(shomei.crypto, shomei.keys)).keyId;
    await recordReplacement(context, replacementKeyId);
    return { replacementKeyId };
  }
  return { replacementKeyId: null, next: NEXT_STEP[key.purpose] ?? NEXT_STEP_OTHER };
}

/** The replacement is a ceremony key: recorded as `key.generate` like those of `shomei init`. */
async function recordReplacement(context: CompromiseContext, keyId: string): Promise<void> {
  const record = await context.shomei.keys.get(keyId);
  await context.shomei.audit.trail.append({
    type: 'key.generate',
    actor: context.actor,
    subject: { kind: 'key', id: keyId },
    outcome: 'success',
    details: {
      ceremony: 'key-compromise',
      incident: context.incidentId,
      purpose: context.key.purpose,
      algorithm: record?.algorithm ?? null,
      publicKeySha256: record?.public_key_sha256 ?? null,
    },
  });
}
