/**
 * An outside CA server speaking CFSSL's HTTP API (CloudFlare's PKI toolkit, packaged in Debian as
 * golang-cfssl): `sign` (or `authsign` with an HMAC key) submits the CSR whose subject the RA
 * approved, `info` gives the CA certificate, `revoke` revokes by serial number. The chain is checked
 * against the configured trusted CAs (SHOMEI_CA_TRUSTED_CAS) and the certificate against the CSR's
 * key before either is used. Status is not asked of cfssl's API but of the CA's OCSP/CRL.
 */
import { createHmac } from 'node:crypto';
import * as z from 'zod';
import { shomeiError } from '../errors/index.ts';
import {
  buildChain,
  certificateFacts,
  csrPublicKey,
  type ParsedCertificate,
  parseCertificate,
  parseCertificates,
  parseCsr,
} from '../pki/index.ts';
import type { CaAdapter, CaCertificateStatus } from './adapter.ts';

export interface CfsslSettings {
  /** Base URL of `cfssl serve` (or multirootca), e.g. https://ca.example.jp:8888 */
  readonly url: string;
  readonly profile: string;
  /** Hex HMAC key for authsign (the server's auth_keys entry); never logged. */
  readonly authKey?: string | undefined;
  readonly timeoutMillis: number;
}

const MAX_REPLY_BYTES = 256 * 1024;

/** Built on first use: the embedded CA's installations never reach a CFSSL server (ADR 050). */
let reply: ReturnType<typeof buildReply> | undefined;

const buildReply = () =>
  z.object({
    success: z.boolean(),
    result: z.unknown().optional(),
    errors: z.array(z.object({ code: z.number().optional(), message: z.string() })).optional(),
  });

function cfsslFailed(operation: string, reason: string): Error {
  return shomeiError(
    'SHOMEI_CA_OUTSIDE_FAILED',
    `外部 CA (cfssl) の ${operation} に失敗しました (${reason})。何も登録していません。`,
    `The outside CA (cfssl) ${operation} failed (${reason}); nothing was recorded.`,
    { status: 502, details: { operation, reason } },
  );
}

export function untrustedChain(reason: string): Error {
  return shomeiError(
    'SHOMEI_CA_OUTSIDE_UNTRUSTED',
    `外部 CA の証明書が信頼する CA (SHOMEI_CA_TRUSTED_CAS) につながりません (${reason})。`,
    `The outside CA's certificate does not chain to a trusted CA (SHOMEI_CA_TRUSTED_CAS) (${reason}).`,
    { status: 502, details: { reason } },
  );
}

export class CfsslClient {
  constructor(private readonly settings: CfsslSettings) {}

  async call(endpoint: 'sign' | 'info' | 'revoke', body: object): Promise<unknown> {
    const json = Buffer.from(JSON.stringify(body), 'utf8');
    const authenticated = endpoint === 'sign' && this.settings.authKey !== undefined;
    const payload = authenticated
      ? {
          token: createHmac('sha256', Buffer.from(this.settings.authKey!, 'hex'))
            .update(json)
            .digest('base64'),
          request: json.toString('base64'),
        }
      : body;
    const url = new URL(`api/v1/cfssl/${authenticated ? 'authsign' : endpoint}`, `${this.settings.url}/`);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        redirect: 'error',
        signal: AbortSignal.timeout(this.settings.timeoutMillis),
      });
    } catch (error) {
      throw cfsslFailed(
        endpoint,
        (error as Error)?.name === 'TimeoutError' ? 'timeout' : 'connection failed',
      );
    }
    const text = await response.text();
    if (text.length > MAX_REPLY_BYTES) throw cfsslFailed(endpoint, 'reply too large');
    let parsed: z.infer<ReturnType<typeof buildReply>>;
    try {
      reply ??= buildReply();
      parsed = reply.parse(JSON.parse(text));
    } catch {
      throw cfsslFailed(endpoint, `HTTP ${response.status}, not a CFSSL reply`);
    }
    if (!parsed.success) {
      throw cfsslFailed(endpoint, (parsed.errors?.[0]?.message ?? `HTTP ${response.status}`).slice(0, 200));
    }
    return parsed.result;
  }
}

export interface CfsslAdapterDependencies {
  readonly settings: CfsslSettings;
  readonly trustedCas: readonly ParsedCertificate[];
  /** The issuing CA's OCSP/CRL answer (the online fetcher, cached per the status cache window). */
  readonly status: (certificate: Buffer, chain: readonly Buffer[]) => Promise<CaCertificateStatus>;
}

export function cfsslCaAdapter(deps: CfsslAdapterDependencies): CaAdapter {
  const client = new CfsslClient(deps.settings);
  const profile = deps.settings.profile;
  return {
    kind: 'cfssl',
    description: `outside CA (CFSSL API at ${new URL(deps.settings.url).origin})`,
    async submit(request) {
      const { certificate: caPem } = z
        .object({ certificate: z.string() })
        .parse(await client.call('info', { label: '', profile }));
      const result = z.object({ certificate: z.string() }).safeParse(
        await client.call('sign', {
          certificate_request: pemCsr(request.csr),
          profile,
        }),
      );
      if (!result.success) throw cfsslFailed('sign', 'no certificate in the reply');
      const leaf = parseCertificate(result.data.certificate);
      if (!certificateFacts(leaf).publicKey.equals(csrPublicKey(parseCsr(request.csr)))) {
        throw cfsslFailed('sign', 'the certificate does not certify the key of the request');
      }
      const chain = trustedChain(leaf, parseCertificates(caPem), deps.trustedCas);
      return { status: 'issued', certificate: leaf.der, chain };
    },
    async revoke(certificate, reason) {
      const facts = certificateFacts(parseCertificate(certificate));
      const serial = BigInt(`0x${facts.serialNumber}`).toString(10);
      const aki = facts.authorityKeyIdentifier?.replaceAll(':', '').toLowerCase() ?? '';
      // CFSSL keys its table by serial and authority key id; releases before 1.3 stored the key id
      // empty, so a "not found" is asked once more that way.
      try {
        await client.call('revoke', { serial, authority_key_id: aki, reason });
      } catch (error) {
        if (aki === '' || !String((error as Error).message).includes('not found')) throw error;
        await client.call('revoke', { serial, authority_key_id: '', reason });
      }
    },
    status: deps.status,
  };
}

function pemCsr(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE REQUEST-----\n${lines.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

/**
 * The manual path's upload: a PEM (the certificate, then any CA certificates) an outside CA issued,
 * accepted only when it chains to a trusted CA; returns the leaf and its chain. Whether it certifies
 * the right key is checked where it is installed (the credential's public key).
 */
export function checkOutsideCertificate(
  pem: string | Buffer,
  trusted: readonly ParsedCertificate[],
): { certificate: Buffer; chain: Buffer[] } {
  const [leaf, ...offered] = parseCertificates(pem);
  if (leaf === undefined) throw untrustedChain('no certificate');
  return { certificate: Buffer.from(leaf.der), chain: trustedChain(leaf, offered, trusted) };
}

/** The issuing CA and up to a trusted CA; the leaf's chain must end at one of `trusted`. */
export function trustedChain(
  leaf: ParsedCertificate,
  offered: readonly ParsedCertificate[],
  trusted: readonly ParsedCertificate[],
): Buffer[] {
  if (trusted.length === 0) throw untrustedChain('no trusted CA is configured');
  const result = buildChain(leaf, { anchors: trusted, intermediates: offered });
  if (!result.trusted) throw untrustedChain(result.reason);
  return result.chain.slice(1).map((c) => Buffer.from(c.der));
}
