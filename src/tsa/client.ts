/**
 * RFC 3161 client for any TSA URL (HTTP or HTTPS, optional basic auth and TLS client certificate), with a timeout and a reply
 * size limit. Every reply is checked (token-check.ts) before it is returned.
 */

import { randomBytes } from 'node:crypto';
import { OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, TimeStampReq } from '@peculiar/asn1-tsp';
import { DIGEST_LENGTH, type DigestAlgorithm } from '../crypto/index.ts';
import { withoutUndefined } from '../objects/index.ts';
import { digestAlgorithmIdentifier, encode, PKI_LIMITS } from '../pki/index.ts';
import { tsaErrors } from './errors.ts';
import { positiveInteger } from './token-builder.ts';
import { checkTimestampReply } from './token-check.ts';
import { TsaTransport } from './transport.ts';
import type { TimestampRequestOptions, TimestampSource, TimestampToken, TsaClientOptions } from './types.ts';

/** A DER TimeStampReq, and the nonce it carries. */
export function buildTimestampQuery(
  digest: Uint8Array,
  digestAlgorithm: DigestAlgorithm,
  options: TimestampRequestOptions = {},
): { query: Buffer; nonce?: Uint8Array | undefined } {
  if (digest.byteLength !== DIGEST_LENGTH[digestAlgorithm]) {
    throw tsaErrors.malformed('the digest length does not match its algorithm');
  }
  let nonce: Uint8Array | undefined;
  if (options.nonce === undefined || options.nonce === true) {
    const bytes = randomBytes(8);
    bytes[0] = (bytes[0]! & 0x7f) | 0x01;
    nonce = new Uint8Array(bytes);
  } else if (options.nonce !== false) {
    nonce = options.nonce;
  }
  // asn1-schema's constructor types forbid an explicit undefined (the serialiser skips it alike).
  const query = new TimeStampReq(
    withoutUndefined({
      version: 1,
      messageImprint: new MessageImprint({
        hashAlgorithm: digestAlgorithmIdentifier(digestAlgorithm),
        hashedMessage: new OctetString(digest),
      }),
      reqPolicy: options.policy,
      nonce: nonce === undefined ? undefined : positiveInteger(nonce),
      certReq: options.certReq ?? true,
    }),
  );
  return { query: encode(query), nonce };
}

export class TsaClient implements TimestampSource {
  private readonly url: URL;
  private readonly transport: TsaTransport;

  constructor(private readonly options: TsaClientOptions) {
    try {
      this.url = new URL(options.url);
    } catch {
      throw tsaErrors.unreachable('invalid URL');
    }
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:')
      throw tsaErrors.unreachable('http or https only');
    if (this.url.username !== '' || this.url.password !== '') {
      // Credentials belong in the options, where they are kept out of logs and error details.
      throw tsaErrors.unreachable('credentials in the URL are not accepted; use username/password');
    }
    this.transport = new TsaTransport(this.url, {
      timeoutMillis: options.timeoutMillis ?? 10_000,
      maxReplyBytes: options.maxReplyBytes ?? PKI_LIMITS.timestampReply,
      tls: options.tls,
    });
  }

  /** Closes kept-alive connections to the TSA. */
  close(): void {
    this.transport.close();
  }

  async timestamp(
    digest: Uint8Array,
    digestAlgorithm: DigestAlgorithm = 'SHA-256',
    options: TimestampRequestOptions = {},
  ): Promise<Buffer> {
    return (await this.timestampWithDetails(digest, digestAlgorithm, options)).token;
  }

  async timestampWithDetails(
    digest: Uint8Array,
    digestAlgorithm: DigestAlgorithm = 'SHA-256',
    options: TimestampRequestOptions = {},
  ): Promise<TimestampToken> {
    const policy = options.policy ?? this.options.policy;
    const { query, nonce } = buildTimestampQuery(digest, digestAlgorithm, {
      ...options,
      policy,
    });
    const reply = await this.post(query);
    return checkTimestampReply(reply, {
      digest,
      digestAlgorithm,
      nonce,
      policy,
      toleranceMillis: this.options.toleranceMillis,
      trustAnchors: this.options.trustAnchors,
      certificates: this.options.certificates,
    });
  }

  /**
   * Whether the TSA answers this client — same TLS client certificate, private CA and basic auth as
   * a real request — without spending a token: an empty query, which an RFC 3161 server refuses
   * (4xx or a rejection). For /readyz. 401/403 mean our credentials are not accepted.
   */
  async probe(): Promise<'ok' | 'unauthorised' | 'unreachable'> {
    try {
      const response = await this.transport.post(new Uint8Array(0), this.headers());
      if (response.status === 401 || response.status === 403) return 'unauthorised';
      return response.status < 500 ? 'ok' : 'unreachable';
    } catch {
      return 'unreachable';
    }
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/timestamp-query' };
    if (this.options.username !== undefined) {
      const credentials = `${this.options.username}:${this.options.password ?? ''}`;
      headers.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
    }
    return headers;
  }

  /** Sends a DER query, returns the DER reply (HTTP errors and oversized replies are refused). */
  async post(query: Uint8Array): Promise<Buffer> {
    const response = await this.transport.post(query, this.headers());
    if (response.status !== 200) throw tsaErrors.unreachable(`${this.url.origin}: HTTP ${response.status}`);
    const type = response.contentType;
    if (!type.toLowerCase().startsWith('application/timestamp-reply')) {
      throw tsaErrors.malformed(`content type ${type.slice(0, 60) || '(none)'}`);
    }
    return response.body;
  }
}
