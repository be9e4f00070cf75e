/**
 * Validation data from the outside world (issue #17): revocation of any certificate fetched from
 * the URLs its issuer put in it (OCSP first, the CRL distribution point when OCSP gives no usable
 * answer) and missing CA certificates fetched through AIA caIssuers. Every answer is checked by
 * `revocationStatus` before it is kept. Answers are cached per issuer key and serial number until
 * their nextUpdate, so B-LT of many documents and the status check before every signature do not
 * ask the CA again within the validity the CA itself stated.
 *
 * The URLs come from certificates of CAs the operator configured (or their issuers), so they may
 * legitimately be on loopback or a private network; this fetcher is deliberately separate from the
 * webhook guard that refuses private addresses.
 */
import { createHash } from 'node:crypto';
import type { RevocationInformation, RevocationSource } from '../ades/index.ts';
import { type Clock, systemClock } from '../clock/index.ts';
import { type ShomeiError, shomeiError } from '../errors/index.ts';
import { issuedBy, type ParsedCertificate, parseCertificates } from '../pki/index.ts';
import { factsOf, parseCertificateOnce } from './facts.ts';
import { httpRevocationFetcher, ocspRequest, revocationStatus } from './revocation.ts';
import type { RevocationFetcher } from './types.ts';

export interface CertificateStatusAnswer {
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly source: 'ocsp' | 'crl';
  readonly revocationTime?: Date | undefined;
  readonly nextUpdate?: Date | undefined;
}

export interface OnlineRevocationOptions {
  /** How OCSP requests and CRLs travel (default: HTTP with a timeout and a size limit). */
  readonly fetcher?: RevocationFetcher;
  /** CA certificates known beforehand (trust anchors, the outside TSA's chain). */
  readonly certificates?: readonly Uint8Array[];
  /** How long an answer without nextUpdate is reused (default 300 s). */
  readonly defaultTtlSeconds?: number;
  /** Reuse a cached answer at most this long even when its nextUpdate is later (default: no limit). */
  readonly maxAgeSeconds?: number;
  readonly now?: Clock;
}

interface CachedAnswer {
  readonly information: RevocationInformation;
  readonly answer: CertificateStatusAnswer;
  readonly fetchedAt: number;
  readonly expires: number;
}

const MAX_ENTRIES = 2048;
const MAX_CA_CERTIFICATE_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

export function revocationUnavailable(subject: string, problems: readonly string[]): ShomeiError {
  return shomeiError(
    'SHOMEI_REVOCATION_UNAVAILABLE',
    `証明書 (${subject}) の失効情報を発行 CA の OCSP/CRL から取得できませんでした。`,
    `The revocation status of the certificate (${subject}) could not be obtained from its CA's OCSP/CRL.`,
    { status: 502, details: { subject, problems: problems.slice(0, 4) } },
  );
}

function cacheKey(certificate: ParsedCertificate, issuer: ParsedCertificate): string {
  const issuerKey = createHash('sha256').update(factsOf(issuer).publicKey).digest('hex');
  return `${issuerKey}:${factsOf(certificate).serialNumber}`;
}

/** A RevocationSource (B-LT/B-LTA) and certificate status source (before signing) over OCSP/CRL URLs. */
export class OnlineRevocation implements RevocationSource {
  readonly certificates: Uint8Array[];
  private readonly cache = new Map<string, Promise<CachedAnswer>>();
  private readonly issuers = new Map<string, Promise<Uint8Array | undefined>>();
  private readonly fetcher: RevocationFetcher;
  private readonly now: Clock;

  constructor(private readonly options: OnlineRevocationOptions = {}) {
    this.certificates = [...(options.certificates ?? [])];
    this.fetcher = options.fetcher ?? httpRevocationFetcher;
    this.now = options.now ?? systemClock;
  }

  async revocationFor(certificate: Uint8Array, issuer: Uint8Array): Promise<RevocationInformation> {
    return (await this.lookup(certificate, issuer)).information;
  }

  /** The certificate's status now, from the issuing CA's OCSP responder or CRL (cached). */
  async statusOf(certificate: Uint8Array, issuer: Uint8Array): Promise<CertificateStatusAnswer> {
    return (await this.lookup(certificate, issuer)).answer;
  }

  /** Forgets every cached answer (e.g. when a revocation was made known another way). */
  forget(): void {
    this.cache.clear();
  }

  /** The issuer of `certificate` via its AIA caIssuers URL, checked to have signed it. */
  async issuerOf(certificate: Uint8Array): Promise<Uint8Array | undefined> {
    const child = parseCertificateOnce(certificate);
    const known = this.certificates.find((der) => issuedBy(child, parseCertificateOnce(der)));
    if (known !== undefined) return known;
    for (const url of factsOf(child).caIssuersUrls.slice(0, 2)) {
      let pending = this.issuers.get(url);
      if (pending === undefined) {
        pending = fetchCaCertificates(url).then(
          (found) => found.find((der) => issuedBy(child, parseCertificateOnce(der))),
          () => undefined,
        );
        this.issuers.set(url, pending);
      }
      const issuer = await pending;
      if (issuer !== undefined) {
        this.certificates.push(issuer);
        return issuer;
      }
      this.issuers.delete(url);
    }
    return undefined;
  }

  private lookup(certificateDer: Uint8Array, issuerDer: Uint8Array): Promise<CachedAnswer> {
    const certificate = parseCertificateOnce(certificateDer);
    const issuer = parseCertificateOnce(issuerDer);
    const key = cacheKey(certificate, issuer);
    const now = this.now().getTime();
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      return cached.then((entry) =>
        this.fresh(entry, now) ? entry : this.refetch(key, certificate, issuer),
      );
    }
    return this.refetch(key, certificate, issuer);
  }

  private fresh(entry: CachedAnswer, now: number): boolean {
    if (now >= entry.expires) return false;
    const maxAge = this.options.maxAgeSeconds;
    return maxAge === undefined || now - entry.fetchedAt < maxAge * 1000;
  }

  private refetch(
    key: string,
    certificate: ParsedCertificate,
    issuer: ParsedCertificate,
  ): Promise<CachedAnswer> {
    const pending = this.fetchAnswer(certificate, issuer);
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, pending);
    // A failure is not remembered: the next signature asks again.
    pending.catch(() => {
      if (this.cache.get(key) === pending) this.cache.delete(key);
    });
    return pending;
  }

  private async fetchAnswer(
    certificate: ParsedCertificate,
    issuer: ParsedCertificate,
  ): Promise<CachedAnswer> {
    const facts = factsOf(certificate);
    const problems: string[] = [];
    const fetchedAt = this.now().getTime();
    const attempts: { urls: readonly string[]; kind: 'ocsp' | 'crl' }[] = [
      { urls: facts.ocspUrls.slice(0, 2), kind: 'ocsp' },
      { urls: facts.crlUrls.slice(0, 2), kind: 'crl' },
    ];
    for (const { urls, kind } of attempts) {
      for (const url of urls) {
        try {
          const der =
            kind === 'ocsp'
              ? await this.fetcher.ocsp(url, ocspRequest(certificate, issuer))
              : await this.fetcher.crl(url);
          const material = { ocspResponses: kind === 'ocsp' ? [der] : [], crls: kind === 'crl' ? [der] : [] };
          const answer = await revocationStatus(certificate, issuer, material, undefined);
          if (answer.status === 'none' || answer.source === 'none') {
            problems.push(`${url}: no usable ${kind.toUpperCase()} answer`);
            continue;
          }
          const ttl = (this.options.defaultTtlSeconds ?? 300) * 1000;
          return {
            information: material,
            answer: {
              status: answer.status,
              source: answer.source,
              revocationTime: answer.revocationTime,
              nextUpdate: answer.nextUpdate,
            },
            fetchedAt,
            expires: answer.nextUpdate?.getTime() ?? fetchedAt + ttl,
          };
        } catch (error) {
          problems.push(`${url}: ${(error as Error).message}`);
        }
      }
    }
    if (problems.length === 0) problems.push('the certificate names no OCSP responder and no CRL');
    throw revocationUnavailable(facts.subject, problems);
  }
}

/** CA certificates at an AIA caIssuers URL (DER, or PEM for servers that publish that). */
async function fetchCaCertificates(url: string): Promise<Buffer[]> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return [];
  const response = await fetch(parsed, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > MAX_CA_CERTIFICATE_BYTES) throw new Error('too large');
  return parseCertificates(body).map((c) => Buffer.from(c.der));
}
