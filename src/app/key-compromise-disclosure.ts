/**
 * The key-compromise procedure's `disclose` step (PS 3.6.1 危殆化の事実を関係者へ公開する; ADR 035):
 * one public notice per incident at /policies/notices, naming the key by its label, its certificates
 * by serial and subject, and from when relying parties must stop trusting what it made. A subscriber's
 * own signing key is not published — its holder is mailed and the CRL/OCSP answer says it is revoked —
 * since a public page would name a person. The notice is keyed by the incident: a resumed run finds it.
 */
import type { JsonObject } from '../admin/index.ts';
import type { CompromiseContext } from './key-compromise.ts';

const PURPOSE_NAMES: Readonly<Record<string, { ja: string; en: string }>> = {
  tsa: { ja: 'タイムスタンプ局の鍵', en: 'time-stamping authority key' },
  'provider-e-seal': { ja: '事業者の e シール用の鍵', en: "provider's e-seal key" },
  'ca-root': { ja: 'ルート認証局の鍵', en: 'root CA key' },
  'ca-issuing': { ja: '発行認証局の鍵', en: 'issuing CA key' },
  'audit-checkpoint': { ja: '監査記録の検証点の鍵', en: 'audit checkpoint key' },
};

async function replacementLabel(context: CompromiseContext, report: Readonly<Record<string, JsonObject>>) {
  const id = report.rekey?.replacementKeyId;
  if (typeof id !== 'string') return null;
  return (await context.shomei.keys.get(id))?.label ?? null;
}

function texts(
  context: CompromiseContext,
  facts: { after: string; revokedCount: number; replacement: string | null },
): { ja: string; en: string } {
  const { key } = context;
  const name = PURPOSE_NAMES[key.purpose] ?? { ja: `鍵 (${key.purpose})`, en: `key (${key.purpose})` };
  return {
    ja: [
      `本サービスの${name.ja} (${key.label}) が危殆化しました。この鍵は暗号装置から破棄し、関係する証明書 ${facts.revokedCount} 件を失効させました (理由: 鍵の危殆化)。`,
      `${facts.after} 以降にこの鍵で作られた署名・タイムスタンプ・e シールを信頼しないでください。検証では CRL・OCSP の失効情報を確認してください。`,
      facts.replacement === null
        ? '代わりの鍵は鍵生成の手順で用意し、用意ができ次第お知らせします。'
        : `代わりの鍵 (${facts.replacement}) で運用を続けています。`,
    ].join('\n'),
    en: [
      `The service's ${name.en} (${key.label}) was compromised. The key has been destroyed in the HSM and ${facts.revokedCount} certificate(s) concerned were revoked (reason: key compromise).`,
      `Do not trust signatures, timestamps or e-seals made with this key after ${facts.after}. Validators must check the CRL or OCSP answer.`,
      facts.replacement === null
        ? 'A replacement key will be made by the key ceremony and announced when ready.'
        : `The service continues with a replacement key (${facts.replacement}).`,
    ].join('\n'),
  };
}

export async function discloseCompromise(
  context: CompromiseContext,
  report: Readonly<Record<string, JsonObject>>,
): Promise<JsonObject> {
  const { shomei, key, incidentId } = context;
  if (key.credentialId !== null) return { published: false, reason: 'subscriber-key' };
  const own = await shomei.ca.list({ keyId: key.keyId });
  const certificates = own.map((c) => ({
    serialNumber: c.serialNumber,
    subject: c.subject,
    revokedAt: c.revokedAt?.toISOString() ?? null,
  }));
  // From the earliest revocation of the key's own certificates; without one, from now.
  const revocations = certificates.flatMap((c) => (c.revokedAt === null ? [] : [c.revokedAt])).sort();
  const after = revocations[0] ?? new Date().toISOString();
  const revoked = report.revoke?.revokedCertificates;
  const replacement = await replacementLabel(context, report);
  const { notice, created } = await shomei.admin.notices.publish(
    {
      kind: 'key-compromise',
      reference: incidentId,
      effectiveAt: after,
      facts: { keyLabel: key.label, purpose: key.purpose, certificates, replacementKeyLabel: replacement },
      text: texts(context, {
        after,
        revokedCount: Array.isArray(revoked) ? revoked.length : 0,
        replacement,
      }),
    },
    context.approvedBy,
  );
  return { published: true, created, notice: notice.reference, sha256: notice.sha256 };
}
