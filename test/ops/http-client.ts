/**
 * A browser-like HTTP client for real `shomei start` processes: one cookie jar and CSRF token that
 * can be sent to any instance, as a load balancer without session affinity would.
 */
import { CSRF_HEADER } from '../../src/identity/index.ts';

export interface HttpResponse {
  readonly status: number;
  readonly body: Buffer;
  readonly contentType: string;
  text(): string;
  json<T = Record<string, unknown>>(): T;
}

export class HttpClient {
  readonly cookies = new Map<string, string>();
  csrf: string | undefined;
  readonly headers: Record<string, string> = {};

  async send(
    base: string,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    body?: unknown,
    options: { raw?: Buffer; contentType?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse> {
    const headers: Record<string, string> = { ...this.headers, ...options.headers };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (this.csrf !== undefined && method !== 'GET') headers[CSRF_HEADER] = this.csrf;
    let payload: string | Buffer | undefined = options.raw;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
    const response = await fetch(`${base}${url}`, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const contentType = response.headers.get('content-type') ?? '';
    const result: HttpResponse = {
      status: response.status,
      body: bytes,
      contentType,
      text: () => bytes.toString('utf8'),
      json: <T>() => JSON.parse(bytes.toString('utf8')) as T,
    };
    if (contentType.includes('json') && bytes.length > 0) {
      const parsed = result.json<{ csrfToken?: unknown }>();
      if (typeof parsed.csrfToken === 'string') this.csrf = parsed.csrfToken;
    }
    return result;
  }
}
