/**
 * First-run setup of the embedded CA: root and issuing CA keys generated in the HSM, the root
 * self-signed, the issuing CA certified by the root, and a delegated OCSP responder. Names come from
 * naming.ts: the development names say plainly that they are not for production trust.
 */
import type { Kysely } from 'kysely';
import type { AuditTrail } from '../audit/events.ts';
import { type CryptoModule, type DigestSigner, digestSignerFor, type KeyAlgorithm } from '../crypto/index.ts';
import {
  buildName,
  certificateFacts,
  type NameAttribute,
  parseCertificate,
  publicKeySha256,
} from '../pki/index.ts';
import type { FoundationTables, KeyRegistry } from '../store/index.ts';
import { randomSerial, signCertificate } from './certificate-builder.ts';
import { type AuthorityNaming, DEVELOPMENT_NAMING } from './naming.ts';
import { authorityUrls, issuingCaExtensions, rootExtensions } from './profiles.ts';
import type { CaTables } from './tables.ts';
import type { AuthorityName } from './types.ts';

/** The development names (kept for callers of the first release; see DEVELOPMENT_NAMING). */
export const DEVELOPMENT_CA_SUBJECTS: Record<AuthorityName | 'ocsp', readonly NameAttribute[]> = {
  root: DEVELOPMENT_NAMING.root,
  issuing: DEVELOPMENT_NAMING.issuing,
  ocsp: DEVELOPMENT_NAMING.ocsp,
};

const DAY = 86_400_000;
export const ROOT_VALIDITY_DAYS = 20 * 365;
export const ISSUING_VALIDITY_DAYS = 10 * 365;

export interface AuthoritySetupContext {
  readonly db: Kysely<FoundationTables & CaTables>;
  readonly crypto: CryptoModule;
  readonly keys: KeyRegistry;
  readonly audit?: AuditTrail;
  readonly publicUrl: string;
  /** Asked only when a certificate is created (production refuses without an organisation). */
  readonly naming: () => AuthorityNaming;
}

/** Generates a signing key in the HSM and records it; destroys it again if recording fails. */
export async function generateRecordedKey(
  context: Pick<AuthoritySetupContext, 'crypto' | 'keys'>,
  algorithm: KeyAlgorithm,
  label: string,
  purpose: string,
): Promise<DigestSigner> {
  const key = await context.crypto.generateSigningKey(algorithm, label);
  try {
    await context.keys.record({
      keyId: key.id,
      label: key.label,
      kind: key.kind,
      algorithm: key.algorithm,
      purpose,
      publicKey: key.publicKey,
    });
  } catch (error) {
    await context.crypto.destroyKey(key.id);
    throw error;
  }
  return digestSignerFor(context.crypto, key.id);
}

/** The issuing CA's issuer: the root's key and name, its extensions, and an end no later than the root's. */
async function underRoot(context: AuthoritySetupContext, signer: DigestSigner, now: Date) {
  const root = await context.db
    .selectFrom('ca_authorities')
    .selectAll()
    .where('name', '=', 'root')
    .executeTakeFirstOrThrow();
  const issuerSigner = await digestSignerFor(context.crypto, root.key_id);
  const rootCert = parseCertificate(Buffer.from(root.certificate));
  const rootEnd = certificateFacts(rootCert).notAfter;
  return {
    issuerSigner,
    issuerName: rootCert.certificate.tbsCertificate.subject,
    extensions: issuingCaExtensions(
      signer.publicKey,
      issuerSigner.publicKey,
      authorityUrls(context.publicUrl, 'root'),
    ),
    notAfter: new Date(Math.min(now.getTime() + ISSUING_VALIDITY_DAYS * DAY, rootEnd.getTime())),
  };
}

/** Creates the root or the issuing CA when it does not exist yet. Returns true when it created one. */
export async function ensureAuthority(
  context: AuthoritySetupContext,
  name: AuthorityName,
  algorithm: KeyAlgorithm,
): Promise<boolean> {
  const existing = await context.db
    .selectFrom('ca_authorities')
    .select('name')
    .where('name', '=', name)
    .executeTakeFirst();
  if (existing !== undefined) return false;
  const naming = context.naming();
  const signer = await generateRecordedKey(
    context,
    algorithm,
    `${naming.keyLabelPrefix}${name}-ca`,
    `ca-${name}`,
  );
  const now = new Date();
  const { issuerSigner, issuerName, extensions, notAfter } =
    name === 'issuing'
      ? await underRoot(context, signer, now)
      : {
          issuerSigner: signer,
          issuerName: buildName(naming.root),
          extensions: rootExtensions(signer.publicKey),
          notAfter: new Date(now.getTime() + ROOT_VALIDITY_DAYS * DAY),
        };
  const der = await signCertificate(
    {
      serialNumber: randomSerial(),
      subject: buildName(naming[name]),
      issuer: issuerName,
      notBefore: now,
      notAfter,
      publicKey: signer.publicKey,
      extensions,
    },
    issuerSigner,
  );
  const facts = certificateFacts(parseCertificate(der));
  await context.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('ca_authorities')
      .values({
        name,
        key_id: signer.keyId,
        certificate: der,
        serial_number: facts.serialNumber,
        subject: facts.subject,
        crl_number: 0,
        ocsp_key_id: null,
        ocsp_certificate: null,
        created_at: now.toISOString(),
        final_crl: null,
        last_crl: null,
        last_crl_number: null,
        last_crl_stamp: null,
        last_crl_produced_at: null,
      })
      .execute();
    await trx
      .insertInto('ca_certificates')
      .values({
        serial_number: facts.serialNumber,
        issuer: 'root',
        profile: 'ca',
        subject: facts.subject,
        certificate: der,
        public_key_sha256: publicKeySha256(signer.publicKey),
        key_id: signer.keyId,
        not_before: facts.notBefore.toISOString(),
        not_after: facts.notAfter.toISOString(),
        status: 'valid',
        revoked_at: null,
        revocation_reason: null,
        application_id: null,
        issued_at: now.toISOString(),
      })
      .execute();
  });
  await context.audit?.append({
    type: 'ca.authority.create',
    actor: { kind: 'process', id: 'shomei-init' },
    subject: { kind: 'certificate', id: facts.serialNumber },
    outcome: 'success',
    details: { authority: name, subject: facts.subject, keyId: signer.keyId, algorithm },
  });
  return true;
}
