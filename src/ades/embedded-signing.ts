/**
 * The embedded default for signing: the provider's e-seal key (in the HSM) with its certificate
 * from the embedded CA, the embedded TSA for timestamps, and the embedded CA for revocation data.
 * Set up on first use (idempotent), so `shomei sign` works right after `shomei init`. The CA and
 * TSA tables must exist (their migrations are part of the application's list).
 */
import { CertificateAuthority, loadCaSettings } from '../ca/index.ts';
import type { ShomeiConfig } from '../config/index.ts';
import type { CryptoModule, DigestSigner, KeyAlgorithm } from '../crypto/index.ts';
import { digestSignerFor } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import { buildCsr } from '../pki/index.ts';
import type { Database, KeyRegistry } from '../store/index.ts';
import { EmbeddedTsa, loadTsaSettings } from '../tsa/index.ts';
import { embeddedRevocationSource } from './authority-revocation.ts';
import type { TimestampAuthority } from './timestamp.ts';
import type { RevocationSource } from './validation-data.ts';

export const PROVIDER_SEAL_PURPOSE = 'provider-e-seal';
const PROVIDER_SEAL_ALGORITHM: KeyAlgorithm = 'RSA-2048';

export interface EmbeddedSigningDependencies {
  readonly config: ShomeiConfig;
  readonly database: Database;
  readonly crypto: CryptoModule;
  readonly keys: KeyRegistry;
  /** The application's CA and TSA when it has them (otherwise opened here). */
  readonly ca?: CertificateAuthority;
  readonly tsa?: EmbeddedTsa;
}

export interface EmbeddedSigning {
  readonly signer: DigestSigner;
  /** Provider e-seal certificate first, then issuing CA and root (DER). */
  readonly certificateChain: readonly Buffer[];
  readonly tsa: TimestampAuthority;
  readonly revocationSource: RevocationSource;
  readonly ca: CertificateAuthority;
  /** The embedded root certificate (DER): the trust anchor a verifier needs. */
  readonly root: Buffer;
  /** The TSA certificate and its CA chain (DER). */
  readonly tsaCertificates: readonly Buffer[];
}

function sealCertificateRevoked(serialNumber: string): Error {
  return shomeiError(
    'SHOMEI_ADES_SIGNER_CERTIFICATE_REVOKED',
    `電子シールの証明書 (シリアル ${serialNumber}) は失効しています。新しい鍵と証明書が必要です。`,
    `The e-seal certificate (serial ${serialNumber}) is revoked. A new key and certificate are needed.`,
    { status: 409, details: { serialNumber } },
  );
}

async function providerSeal(
  deps: EmbeddedSigningDependencies,
  ca: CertificateAuthority,
): Promise<{ signer: DigestSigner; certificate: Buffer }> {
  const [record] = await deps.keys.findActiveByPurpose(PROVIDER_SEAL_PURPOSE);
  if (record !== undefined) {
    const issued = await ca.list({ keyId: record.key_id, profile: 'e-seal' });
    // A revoked certificate means the key must not be used again (key compromise, cessation):
    // never re-certify it silently; the operator generates a new key.
    const revoked = issued.find((c) => c.status === 'revoked');
    if (revoked !== undefined) throw sealCertificateRevoked(revoked.serialNumber);
    const signer = await digestSignerFor(deps.crypto, record.key_id);
    const current = issued.find(
      (c) => c.notAfter.getTime() > Date.now() && c.notBefore.getTime() <= Date.now(),
    );
    if (current !== undefined) return { signer, certificate: current.der };
    const renewed = await ca.issue({
      csr: await buildCsr(signer, ca.naming().eSeal),
      profile: 'e-seal',
      actor: { kind: 'process', id: 'shomei-sign' },
    });
    return { signer, certificate: renewed.der };
  }
  // Named first: production without SHOMEI_CA_ORGANIZATION stops before a key is made.
  const subject = ca.naming().eSeal;
  const key = await deps.crypto.generateSigningKey(PROVIDER_SEAL_ALGORITHM, 'shomei-provider-e-seal');
  await deps.keys.record({
    keyId: key.id,
    label: key.label,
    kind: key.kind,
    algorithm: key.algorithm,
    purpose: PROVIDER_SEAL_PURPOSE,
    ...(key.publicKey === undefined ? {} : { publicKey: key.publicKey }),
  });
  const signer = await digestSignerFor(deps.crypto, key.id);
  const issued = await ca.issue({
    csr: await buildCsr(signer, subject),
    profile: 'e-seal',
    actor: { kind: 'process', id: 'shomei-sign' },
  });
  return { signer, certificate: issued.der };
}

export async function openEmbeddedSigning(deps: EmbeddedSigningDependencies): Promise<EmbeddedSigning> {
  const ca =
    deps.ca ??
    new CertificateAuthority({
      database: deps.database,
      crypto: deps.crypto,
      keys: deps.keys,
      settings: loadCaSettings(deps.config).settings,
    });
  await ca.setup();
  const tsaDeps = { database: deps.database, crypto: deps.crypto, settings: loadTsaSettings() };
  await EmbeddedTsa.setup({
    ...tsaDeps,
    keys: deps.keys,
    naming: () => ({ subject: ca.naming().tsa, keyLabel: `${ca.naming().keyLabelPrefix}tsa` }),
    issueCertificate: async (csr) => {
      const issued = await ca.issue({ csr, profile: 'tsa', actor: { kind: 'process', id: 'shomei-sign' } });
      return { certificate: issued.der, chain: await ca.chain() };
    },
  });
  const tsa = deps.tsa ?? new EmbeddedTsa(tsaDeps);
  const seal = await providerSeal(deps, ca);
  const chain = await ca.chain();
  const tsaCertificates = [await tsa.certificate(), ...(await tsa.chain())];
  const revocationSource = embeddedRevocationSource(ca, tsaCertificates);
  return {
    signer: seal.signer,
    certificateChain: [seal.certificate, ...chain],
    tsa,
    revocationSource,
    ca,
    root: chain[chain.length - 1]!,
    tsaCertificates,
  };
}
