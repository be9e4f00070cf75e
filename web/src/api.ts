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

function toApiError(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: LocalizedText } } | undefined)?.error;
  return new ApiError(error?.code ?? `HTTP_${status}`, error?.message, status);
}

export async function getJson<T>(path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  } catch {
    throw new ApiError('NETWORK', undefined, 0);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw toApiError(response.status, body);
  return body as T;
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
