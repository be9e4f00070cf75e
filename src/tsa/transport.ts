/**
 * One HTTP(S) POST of a timestamp query. Written on node:http/https rather than fetch because
 * accredited TSAs in Japan commonly require TLS client authentication, and fetch takes no client
 * certificate or private CA without an extra dispatcher package.
 */
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import { tsaErrors } from './errors.ts';

export interface TsaTls {
  /** PEM client certificate (chain) and key for TLS client authentication. */
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** PEM CA certificates for the TSA's TLS server certificate (instead of the system's). */
  readonly ca?: Buffer;
}

export interface TsaTransportOptions {
  readonly timeoutMillis: number;
  readonly maxReplyBytes: number;
  readonly tls?: TsaTls | undefined;
}

export interface TsaHttpReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

interface Connection {
  readonly agent: Http.Agent;
  readonly send: typeof Http.request;
}

export class TsaTransport {
  private connection: Connection | undefined;

  constructor(
    private readonly url: URL,
    private readonly options: TsaTransportOptions,
  ) {}

  /**
   * node:http or node:https with its agent, on the first query: most installations timestamp with the
   * embedded TSA, and loading TLS cost every `shomei sign` a few milliseconds (ADR 046).
   */
  private connect(): Connection {
    if (this.connection !== undefined) return this.connection;
    const load = createRequire(import.meta.url);
    if (this.url.protocol === 'https:') {
      const https = load('node:https') as typeof Https;
      const tls = this.options.tls ?? {};
      const agent = new https.Agent({
        keepAlive: true,
        maxSockets: 8,
        cert: tls.cert,
        key: tls.key,
        ca: tls.ca,
      });
      this.connection = { agent, send: https.request };
    } else {
      const http = load('node:http') as typeof Http;
      this.connection = { agent: new http.Agent({ keepAlive: true, maxSockets: 8 }), send: http.request };
    }
    return this.connection;
  }

  post(body: Uint8Array, headers: Record<string, string>): Promise<TsaHttpReply> {
    const { agent, send } = this.connect();
    return new Promise<TsaHttpReply>((resolve, reject) => {
      const request = send(this.url, {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': String(body.byteLength) },
        timeout: this.options.timeoutMillis,
      });
      // One deadline for the whole exchange, not only for idle sockets: a TSA that trickles bytes is slow too.
      const deadline = setTimeout(
        () => request.destroy(tsaErrors.unreachable(`${this.url.origin}: timeout`)),
        this.options.timeoutMillis,
      );
      request.on('timeout', () => request.destroy(tsaErrors.unreachable(`${this.url.origin}: timeout`)));
      request.on('error', (error) => {
        clearTimeout(deadline);
        reject(
          error instanceof Error && 'code' in error && String(error.code).startsWith('SHOMEI_')
            ? error
            : tsaErrors.unreachable(`${this.url.origin}: connection failed`),
        );
      });
      request.on('response', (response) => {
        this.read(response).then(
          (reply) => {
            clearTimeout(deadline);
            resolve(reply);
          },
          (error: unknown) => {
            clearTimeout(deadline);
            request.destroy();
            reject(error);
          },
        );
      });
      request.end(body);
    });
  }

  close(): void {
    this.connection?.agent.destroy();
  }

  private async read(response: Http.IncomingMessage): Promise<TsaHttpReply> {
    const limit = this.options.maxReplyBytes;
    const status = response.statusCode ?? 0;
    const contentType = String(response.headers['content-type'] ?? '');
    if (Number(response.headers['content-length'] ?? '0') > limit) throw tsaErrors.tooLarge(limit);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response) {
      size += (chunk as Buffer).byteLength;
      if (size > limit) throw tsaErrors.tooLarge(limit);
      chunks.push(chunk as Buffer);
    }
    return { status, contentType, body: Buffer.concat(chunks) };
  }
}
