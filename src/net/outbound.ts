/**
 * The one door for HTTP requests to URLs that users supply (webhooks): the host is resolved and
 * every address checked before the request, and checked again in the socket's own lookup at connect
 * time, so a name that resolves to a public address first and to 127.0.0.1 a moment later (DNS
 * rebinding) still never connects inside. node:http(s) is used rather than fetch because its
 * `lookup` option is where the connect-time check belongs; redirects are not followed.
 */
import { type LookupAddress, type LookupAllOptions, type LookupOneOptions, lookup } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { type OutboundPolicy, refusedRange } from './address-policy.ts';
import { netErrors } from './errors.ts';

export const MAX_OUTBOUND_URL_LENGTH = 2000;

/** The URL's host without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    lookup(host, { all: true, verbatim: true }, (error, addresses) => {
      if (error !== null || addresses.length === 0) reject(netErrors.unresolvable(host));
      else resolve(addresses);
    });
  });
}

/**
 * Parses a user-supplied URL and refuses it unless it is http(s), carries no credentials, and its
 * host is (and every address it resolves to is) a public address. Returns the normalised URL.
 */
export async function checkOutboundUrl(raw: string, policy: OutboundPolicy = {}): Promise<URL> {
  if (raw.length > MAX_OUTBOUND_URL_LENGTH) throw netErrors.invalidUrl('too long');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw netErrors.invalidUrl('not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw netErrors.invalidUrl('http(s) only');
  if (url.username !== '' || url.password !== '') throw netErrors.invalidUrl('no credentials in the URL');
  const host = hostOf(url);
  const addresses = isIP(host) === 0 ? (await resolveAll(host)).map((a) => a.address) : [host];
  for (const address of addresses) {
    const range = refusedRange(address, policy);
    if (range !== undefined) throw netErrors.refused(url.hostname, range);
  }
  return url;
}

/** A socket lookup that refuses, at connect time, any address the policy does not allow. */
export function guardedLookup(policy: OutboundPolicy = {}): LookupFunction {
  return ((hostname: string, options: LookupOneOptions | LookupAllOptions, callback: never) => {
    const done = callback as (
      error: Error | null,
      address: string | LookupAddress[],
      family?: number,
    ) => void;
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) return done(error, []);
      for (const entry of addresses) {
        const range = refusedRange(entry.address, policy);
        if (range !== undefined) return done(netErrors.refused(hostname, range), []);
      }
      if (options.all === true) return done(null, addresses);
      const first = addresses[0];
      if (first === undefined) return done(netErrors.unresolvable(hostname), []);
      return done(null, first.address, first.family);
    });
  }) as LookupFunction;
}

export interface OutboundResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
}

/** POSTs a small body to a user-supplied URL through the guard; the response body is discarded. */
export async function guardedPost(
  raw: string,
  body: string,
  headers: Record<string, string>,
  options: OutboundPolicy & { timeoutMs?: number } = {},
): Promise<OutboundResponse> {
  const url = await checkOutboundUrl(raw, options);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    // One deadline for the whole exchange: a receiver that trickles bytes cannot hold a delivery.
    const deadline = setTimeout(() => request.destroy(new Error('timed out')), timeoutMs);
    const finish = (): void => clearTimeout(deadline);
    const request = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(options),
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          finish();
          resolve({ status: response.statusCode ?? 0, headers: response.headers });
        });
        response.on('error', (error) => {
          finish();
          reject(error);
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (error) => {
      finish();
      reject(error);
    });
    request.end(body);
  });
}
