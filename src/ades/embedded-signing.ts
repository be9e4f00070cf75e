/**
 * The provider's signing set-up: the e-seal key (in the HSM) with its certificate from the embedded
 * CA, timestamps from the outside TSA when one is configured (else the embedded TSA), and
 * revocation data from the embedded CA for its own chain and from OCSP/CRL URLs for any other.
 * The e-seal key comes from the key ceremony at `shomei init`; its certificate is issued on first use,
 * so `shomei sign` works right after `shomei init`. The CA and
 * TSA tables must exist (their migrations are part of the application's list).
 */
import { CertificateAuthority, loadCaSettings } from '../ca/index.ts';
import type { ShomeiConfig } from '../config/index.ts';
import type { CryptoModule, DigestSigner, KeyAlgorithm } from '../crypto/index.ts';
import { digestSignerFor } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import { buildChain, buildCsr, parseCertificate } from '../pki/index.ts';
import type { Database, KeyRegistry } from '../store/index.ts';
import { EmbeddedTsa, loadTsaSettings } from '../tsa/index.ts';
import { embeddedRevocationSource } from './authority-revocation.ts';
import { combinedRevocationSource } from './combined-revocation.ts';
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
  /**
   * The installation's trust services (src/app/trust-services.ts): the outside TSA for every
   * timestamp when SHOMEI_TSA_URL is set, and online validation data for chains that are not the
   * embedded CA's (an outside CA's, an accredited TSA's).
   */
  readonly trust?: {
    readonly signingTimestamps?: TimestampAuthority | undefined;
    readonly onlineRevocation?: RevocationSource;
  };
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
): Promise<{ signer: DigestSigner; certificate: Buffer; chain?: Buffer[] }> {
  const [record] = await deps.keys.findActiveByPurpose(PROVIDER_SEAL_PURPOSE);
  if (record !== undefined) {
    const outside = await outsideSealCertificate(deps, ca, record.key_id);
    if (outside !== undefined)
      return { signer: await digestSignerFor(deps.crypto, record.key_id), ...outside };
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
  // Made only by the key ceremony at `shomei init` (ADR 019), never implicitly on first use.
  throw shomeiError(
    'SHOMEI_KEY_NOT_FOUND',
    '事業者 e シール鍵がありません。鍵生成の儀式 (shomei init) で生成してください。',
    'There is no provider e-seal key; generate it in the key ceremony (shomei init).',
    { status: 500, details: { purpose: PROVIDER_SEAL_PURPOSE } },
  );
}

/** The key ceremony step for the provider e-seal key (idempotent): generated in the HSM and recorded. */
export async function generateProviderSealKey(
  crypto: CryptoModule,
  keys: KeyRegistry,
): Promise<{ keyId: string; generated: boolean }> {
  const [record] = await keys.findActiveByPurpose(PROVIDER_SEAL_PURPOSE);
  if (record !== undefined) return { keyId: record.key_id, generated: false };
  const key = await crypto.generateSigningKey(PROVIDER_SEAL_ALGORITHM, 'shomei-provider-e-seal');
  await keys.record({
    keyId: key.id,
    label: key.label,
    kind: key.kind,
    algorithm: key.algorithm,
    purpose: PROVIDER_SEAL_PURPOSE,
    publicKey: key.publicKey,
  });
  return { keyId: key.id, generated: true };
}

/**
 * A certificate an outside CA issued for the seal key and the operator imported (`shomei ca external
 * import`, checked against the key and the trusted CAs then) wins over the embedded CA's, with its
 * chain up to the trusted CA it was checked against.
 */
async function outsideSealCertificate(
  deps: EmbeddedSigningDependencies,
  ca: CertificateAuthority,
  keyId: string,
): Promise<{ certificate: Buffer; chain: Buffer[] } | undefined> {
  const now = Date.now();
  const imported = (await ca.list({ keyId, profile: 'imported' })).find(
    (c) => c.status !== 'revoked' && c.notBefore.getTime() <= now && c.notAfter.getTime() > now,
  );
  if (imported === undefined) return undefined;
  const trusted = loadCaSettings(deps.config).trustedCas;
  const chain = buildChain(parseCertificate(imported.der), { anchors: trusted, intermediates: trusted });
  if (!chain.trusted) return undefined;
  return { certificate: imported.der, chain: chain.chain.slice(1).map((c) => Buffer.from(c.der)) };
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
  const chain = seal.chain ?? (await ca.chain());
  const tsaCertificates = [await tsa.certificate(), ...(await tsa.chain())];
  const embedded = embeddedRevocationSource(ca, tsaCertificates);
  const online = deps.trust?.onlineRevocation;
  const revocationSource = online === undefined ? embedded : combinedRevocationSource(embedded, online);
  return {
    signer: seal.signer,
    certificateChain: [seal.certificate, ...chain],
    tsa: deps.trust?.signingTimestamps ?? tsa,
    revocationSource,
    ca,
    root: chain[chain.length - 1]!,
    tsaCertificates,
  };
}
