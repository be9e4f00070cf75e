/** Same-origin calls to the shomei API. Errors carry the server's stable code and its ja/en message. */

export interface LocalizedText {
  readonly ja: string;
  readonly en: string;
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    readonly text: LocalizedText | undefined,
    readonly status: number,
  ) {
    super(code);
  }
}

/**
 * The session's CSRF synchronizer token: identity hands it out with each login step and at
 * GET /api/auth/session; every non-GET request with the session cookie must echo it.
 */
let csrfToken: string | undefined;
/** A counterparty's short party session (from an e-mailed link + access code), sent as a header. */
let partyToken: string | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}
export function setPartyToken(token: string | undefined): void {
  partyToken = token;
}

function toApiError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: LocalizedText } } | undefined)?.error;
  return new ApiError(error?.code ?? `HTTP_${status}`, error?.message, status);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const result: Record<string, string> = { accept: 'application/json', ...extra };
  if (csrfToken !== undefined) result['x-csrf-token'] = csrfToken;
  if (partyToken !== undefined) result['x-shomei-party'] = partyToken;
  return result;
}

async function call(
  method: string,
  path: string,
  body?: BodyInit,
  type?: string,
  extra: Record<string, string> = {},
): Promise<Response> {
  try {
    return await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: headers(type === undefined ? extra : { ...extra, 'content-type': type }),
      body: body ?? null,
    });
  } catch {
    throw new ApiError('NETWORK', undefined, 0);
  }
}

async function jsonOf<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw toApiError(response.status, body);
  const token = (body as { csrfToken?: unknown } | undefined)?.csrfToken;
  if (typeof token === 'string') csrfToken = token;
  return body as T;
}

export async function getJson<T>(path: string): Promise<T> {
  return jsonOf<T>(await call('GET', path));
}

export async function sendJson<T>(
  method: 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  /** Extra request headers (e.g. the nonce and timestamp of a replay-protected request). */
  extraHeaders?: Record<string, string>,
): Promise<T> {
  return jsonOf<T>(
    await call(
      method,
      path,
      body === undefined ? undefined : JSON.stringify(body),
      body === undefined ? undefined : 'application/json',
      extraHeaders,
    ),
  );
}

/** Headers of a replay-protected request: a fresh single-use nonce and the current time. */
export function freshRequestHeaders(): Record<string, string> {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  const nonce = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  return { 'x-shomei-nonce': nonce, 'x-shomei-timestamp': new Date().toISOString() };
}

export async function postBytes<T>(path: string, bytes: ArrayBuffer, type: string): Promise<T> {
  return jsonOf<T>(await call('POST', path, bytes, type));
}

/** A binary download (the signed PDF, the evidence package) as bytes. */
export async function getBytes(path: string): Promise<ArrayBuffer> {
  const response = await call('GET', path);
  if (!response.ok) throw toApiError(response.status, await response.json().catch(() => undefined));
  return response.arrayBuffer();
}

/** Offers bytes to the user as a file. */
export function saveBytes(bytes: ArrayBuffer | string, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Uploads a form with progress (fetch cannot report upload progress, XMLHttpRequest can). */
export function uploadForm<T>(
  path: string,
  form: FormData,
  onProgress: (fraction: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', path);
    request.responseType = 'json';
    if (csrfToken !== undefined) request.setRequestHeader('x-csrf-token', csrfToken);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onerror = () => reject(new ApiError('NETWORK', undefined, 0));
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) resolve(request.response as T);
      else reject(toApiError(request.status, request.response));
    };
    request.send(form);
  });
}

/** Posts a form and returns the response body as text (e.g. the HTML validation report). */
export async function postFormText(path: string, form: FormData): Promise<string> {
  const response = await call('POST', path, form);
  if (!response.ok) throw toApiError(response.status, await response.json().catch(() => undefined));
  return response.text();
}

/** Posts JSON and returns the response body as text (e.g. an NDJSON export). */
export async function sendJsonText(path: string, body: unknown): Promise<string> {
  const response = await call('POST', path, JSON.stringify(body), 'application/json');
  if (!response.ok) throw toApiError(response.status, await response.json().catch(() => undefined));
  return response.text();
}

/** Posts raw bytes (e.g. application/pdf) with upload progress, for large files. */
export function uploadBytes<T>(
  path: string,
  bytes: ArrayBuffer,
  type: string,
  onProgress: (fraction: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', path);
    request.responseType = 'json';
    request.setRequestHeader('content-type', type);
    request.setRequestHeader('accept', 'application/json');
    if (csrfToken !== undefined) request.setRequestHeader('x-csrf-token', csrfToken);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onerror = () => reject(new ApiError('NETWORK', undefined, 0));
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) resolve(request.response as T);
      else reject(toApiError(request.status, request.response));
    };
    request.send(bytes);
  });
}
