/**
 * The installation's trust services, built once (issue #17): which TSA makes every timestamp,
 * where validation data for outside chains comes from, and which CA certifies user credentials.
 * The CSC API, the e-contract PAdES paths, `shomei sign`, archive renewal and audit checkpoints all
 * take them from here, so setting SHOMEI_TSA_URL or SHOMEI_RSSP_CA changes every path at once.
 */
import { readFileSync } from 'node:fs';
import {
  combinedRevocationSource,
  type EmbeddedSigning,
  type EmbeddedSigningDependencies,
  openEmbeddedSigning,
  type RevocationSource,
  signatureCertificates,
  type TimestampAuthority,
} from '../ades/index.ts';
import type { AuditTrail } from '../audit/index.ts';
import {
  type CaAdapter,
  type CaAdapterKind,
  type CertificateAuthority,
  cfsslCaAdapter,
  checkOutsideCertificate,
  loadCaSettings,
  loadCredentialCaSettings,
  manualCaAdapter,
} from '../ca/index.ts';
import type { ShomeiConfig } from '../config/index.ts';
import { certificateFacts, parseCertificate, parseCertificates } from '../pki/index.ts';
import {
  type CertificateIssuer,
  type CertificateStatusSource,
  caAdapterIssuer,
  embeddedCaIssuer,
} from '../rssp/index.ts';
import {
  type EmbeddedTsa,
  externalTsaClient,
  GuardedTimestampSource,
  loadExternalTsaSettings,
  type TimestampFailure,
  type TimestampSource,
  type TimestampToken,
  tsaErrors,
} from '../tsa/index.ts';
import { OnlineRevocation } from '../validation/index.ts';
import { type TrustPath, trustPaths } from './trust-paths.ts';

/** What the manual upload needs of rssp's CredentialService. */
export interface CredentialInstaller {
  installCertificate(
    credentialId: string,
    certificate: Buffer,
    chain: readonly Buffer[],
    actorId: string,
  ): Promise<unknown>;
}

export interface TrustServicesDependencies {
  readonly config: ShomeiConfig;
  readonly ca: CertificateAuthority;
  readonly tsa: EmbeddedTsa;
  readonly audit: AuditTrail;
  readonly env?: NodeJS.ProcessEnv;
}

export interface TrustServices {
  /** Every timestamp: the guarded outside TSA when SHOMEI_TSA_URL is set, else the embedded TSA. */
  readonly timestamps: { readonly source: TimestampSource; readonly externalUrl?: string | undefined };
  /** The same source in the shape src/ades signs with (PAdES, CAdES, document timestamps). */
  readonly signingTimestamps?: TimestampAuthority | undefined;
  /** OCSP/CRL/AIA validation data for chains that are not the embedded CA's. */
  readonly onlineRevocation: RevocationSource;
  /** Who certifies CSC credentials, and the status of their certificates before each signature. */
  readonly credentialIssuer: CertificateIssuer & CertificateStatusSource;
  /** signDoc B-LT/B-LTA validation data: the embedded CA's own chain in-process, any other online. */
  readonly cscRevocation: RevocationSource;
  readonly credentialCa: CaAdapterKind;
  /** Asks the outside TSA with the client's own TLS and auth settings (/readyz); undefined without one. */
  readonly outsideTsaProbe?: (() => Promise<'ok' | 'unauthorised' | 'unreachable'>) | undefined;
  /** The outside TSA's breaker state, when one is configured. */
  outsideTsaState():
    | { readonly circuit: 'closed' | 'open'; readonly consecutiveFailures: number }
    | undefined;
  /** Which CA and which TSA each signing path uses, from the live configuration. */
  paths(): readonly TrustPath[];
  /**
   * The manual CA path's upload: the certificate (PEM, then its CA certificates) the outside CA
   * issued for a credential waiting for it, installed only when it chains to SHOMEI_CA_TRUSTED_CAS
   * and certifies the credential's key (CredentialService.installCertificate checks the key).
   */
  installOutsideCertificate(
    credentials: CredentialInstaller,
    credentialId: string,
    pem: string | Buffer,
    actorId: string,
  ): Promise<unknown>;
  /** The provider's e-seal set-up with these trust services (e-contract paths), opened once. */
  signingProvider(base: Omit<EmbeddedSigningDependencies, 'trust'>): () => Promise<EmbeddedSigning>;
}

export function openTrustServices(deps: TrustServicesDependencies): TrustServices {
  const env = deps.env ?? process.env;
  const outside = loadExternalTsaSettings(env);
  const trustedCaCertificates = loadCaSettings(deps.config).trustedCas;
  const trustedCas = trustedCaCertificates.map((c) => c.der);
  // Built first: it checks the TSA settings' files and stops with a typed error naming the setting.
  const client = outside === undefined ? undefined : externalTsaClient(outside);
  const tsaAnchors =
    outside?.trustAnchorsFile === undefined
      ? []
      : parseCertificates(readFileSync(outside.trustAnchorsFile)).map((c) => c.der);
  const online = new OnlineRevocation({ certificates: [...tsaAnchors, ...trustedCas] });
  const statusSeconds = deps.config.rssp.certificateStatusCacheSeconds;
  // Before a signature the CA is asked again once the rssp status window has passed, whatever the
  // OCSP response's nextUpdate says: a revocation must stop signing within that window.
  const statusOnline = new OnlineRevocation({ certificates: trustedCas, maxAgeSeconds: statusSeconds });
  let guard: GuardedTimestampSource | undefined;
  if (outside !== undefined && client !== undefined) {
    guard = new GuardedTimestampSource(client, {
      origin: new URL(outside.url).origin,
      retries: outside.retries,
      breakerFailures: outside.breakerFailures,
      breakerSeconds: outside.breakerSeconds,
      ...(outside.revocationCheck === 'off'
        ? {}
        : { checkToken: (token: TimestampToken) => checkTsaCertificate(token, online) }),
      onFailure: (failure) => recordTsaFailure(deps.audit, new URL(outside.url).origin, failure),
    });
  }
  const source: TimestampSource = guard ?? deps.tsa;
  const credentialCa = loadCredentialCaSettings(env);
  const status = async (certificate: Buffer, chain: readonly Buffer[]) =>
    (await statusOnline.statusOf(certificate, await issuerOf(certificate, chain, statusOnline))).status;
  const adapter: CaAdapter | undefined =
    credentialCa.kind === 'cfssl'
      ? cfsslCaAdapter({ settings: credentialCa.cfssl!, trustedCas: trustedCaCertificates, status })
      : credentialCa.kind === 'manual'
        ? manualCaAdapter(status, async (certificate, reason) => {
            await deps.audit.append({
              type: 'certificate.revocation.requested',
              actor: { kind: 'process', id: 'rssp' },
              subject: {
                kind: 'certificate',
                id: certificateFacts(parseCertificate(certificate)).serialNumber,
              },
              outcome: 'success',
              details: { reason, ca: 'outside (manual)' },
            });
          })
        : undefined;
  const embeddedIssuer = embeddedCaIssuer(
    deps.ca,
    deps.config.environment === 'development' ? 'direct' : 'ra',
  );
  const credentialIssuer = adapter === undefined ? embeddedIssuer : caAdapterIssuer(adapter);
  const cscRevocation =
    embeddedIssuer.revocationSource === undefined
      ? online
      : combinedRevocationSource(embeddedIssuer.revocationSource, online);
  return {
    timestamps: { source, externalUrl: outside?.url },
    signingTimestamps: guard,
    onlineRevocation: online,
    credentialIssuer,
    cscRevocation,
    credentialCa: credentialCa.kind,
    outsideTsaProbe: client === undefined ? undefined : () => client.probe(),
    outsideTsaState: () => guard?.state(),
    paths: () => trustPaths(env),
    async installOutsideCertificate(credentials, credentialId, pem, actorId) {
      const { certificate, chain } = checkOutsideCertificate(pem, trustedCaCertificates);
      return credentials.installCertificate(credentialId, certificate, chain, actorId);
    },
    signingProvider(base) {
      let opened: Promise<EmbeddedSigning> | undefined;
      const trust = {
        signingTimestamps: guard,
        onlineRevocation: online,
      };
      return () => {
        opened ??= openEmbeddedSigning({ ...base, trust }).catch((error: unknown) => {
          opened = undefined;
          throw error;
        });
        return opened;
      };
    },
  };
}

/** The issuer certificate of `certificate`: in its stored chain, among known CAs, or via AIA. */
async function issuerOf(
  certificate: Buffer,
  chain: readonly Buffer[],
  online: OnlineRevocation,
): Promise<Buffer> {
  const issuerName = certificateFacts(parseCertificate(certificate)).issuer;
  const inChain = chain.find((c) => certificateFacts(parseCertificate(c)).subject === issuerName);
  if (inChain !== undefined) return inChain;
  const found = await online.issuerOf(certificate);
  if (found === undefined) throw tsaErrors.certificateInvalid('the issuer certificate cannot be found');
  return Buffer.from(found);
}

/** A token is used only when its TSA certificate is not revoked, by its CA's OCSP/CRL. */
async function checkTsaCertificate(token: TimestampToken, online: OnlineRevocation): Promise<void> {
  const { pool } = signatureCertificates(token.token);
  const issuer = await issuerOf(token.tsaCertificate, pool, online).catch(() => undefined);
  if (issuer === undefined) throw tsaErrors.certificateInvalid('the TSA certificate issuer cannot be found');
  let answer: Awaited<ReturnType<OnlineRevocation['statusOf']>>;
  try {
    answer = await online.statusOf(token.tsaCertificate, issuer);
  } catch {
    throw tsaErrors.certificateInvalid('the TSA certificate status cannot be obtained from its CA');
  }
  const subject = certificateFacts(parseCertificate(token.tsaCertificate)).subject;
  if (answer.status === 'revoked') throw tsaErrors.certificateRevoked(subject);
  if (answer.status !== 'good') throw tsaErrors.certificateInvalid('the TSA certificate status is unknown');
}

async function recordTsaFailure(audit: AuditTrail, origin: string, failure: TimestampFailure): Promise<void> {
  const details = { origin, code: failure.error.code, consecutiveFailures: failure.consecutiveFailures };
  const actor = { kind: 'process' as const, id: 'tsa-client' };
  const subject = { kind: 'tsa', id: origin };
  await audit.append({ type: 'tsa.request.failed', actor, subject, outcome: 'failure', details });
  // Opening the circuit is what raises the alert (audit rule trust-service-failure).
  if (failure.circuitOpened)
    await audit.append({ type: 'tsa.unavailable', actor, subject, outcome: 'failure', details });
}
