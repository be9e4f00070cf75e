/**
 * A client for any CSC API v2 remote signature service (ours or another provider's): info, login,
 * credentials list/info/authorize, signHash with batches. Used by the e-contract service and by
 * `shomei sign --rssp`. Answers are size-limited and checked with zod before use.
 */
import { z } from 'zod';
import { shomeiError } from '../../errors/index.ts';
import { readLimitedBody } from '../../net/index.ts';

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export class CscClientError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${status} ${error}: ${description}`);
    this.name = 'CscClientError';
  }
}

const infoSchema = z.object({
  specs: z.string(),
  name: z.string(),
  region: z.string(),
  lang: z.string(),
  description: z.string(),
  authType: z.array(z.string()),
  methods: z.array(z.string()),
  oauth2: z.string().optional(),
  signAlgorithms: z.object({ algos: z.array(z.string()) }).optional(),
});
export type CscServiceInfo = z.infer<typeof infoSchema>;

const loginSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().optional(),
  expires_in: z.number().optional(),
});
const listSchema = z.object({
  credentialIDs: z.array(z.string()),
  credentialInfos: z.array(z.record(z.string(), z.unknown())).optional(),
});
const credentialInfoSchema = z.object({
  key: z.object({
    status: z.string(),
    algo: z.array(z.string()),
    len: z.number(),
    curve: z.string().optional(),
  }),
  cert: z
    .object({
      status: z.string().optional(),
      certificates: z.array(z.string()).optional(),
      serialNumber: z.string().optional(),
      subjectDN: z.string().optional(),
      issuerDN: z.string().optional(),
      validFrom: z.string().optional(),
      validTo: z.string().optional(),
    })
    .optional(),
  auth: z
    .object({
      mode: z.string(),
      expression: z.string().optional(),
      objects: z.array(z.record(z.string(), z.unknown())).optional(),
    })
    .optional(),
  SCAL: z.string().optional(),
  multisign: z.number(),
  lang: z.string().optional(),
  description: z.string().optional(),
});
export type CscCredentialInfo = z.infer<typeof credentialInfoSchema>;
const authorizeSchema = z.object({ SAD: z.string().min(1), expiresIn: z.number().optional() });
const signSchema = z.object({ signatures: z.array(z.string()) });

export interface CscClientOptions {
  /** The service's base URL, e.g. https://rssp.example.jp (the client adds /csc/v2/…). */
  readonly baseUrl: string;
  readonly accessToken?: string;
  readonly timeoutMs?: number;
}

export interface AuthorizeOptions {
  readonly credentialId: string;
  readonly hashes: readonly Uint8Array[];
  readonly hashAlgorithmOid: string;
  readonly pin: string;
  readonly otp: string;
  readonly numSignatures?: number;
}

export interface SignHashOptions {
  readonly credentialId: string;
  readonly sad: string;
  readonly hashes: readonly Uint8Array[];
  readonly signAlgo: string;
  readonly hashAlgorithmOid?: string;
  readonly signAlgoParams?: string;
}

export class CscClient {
  private accessToken: string | undefined;
  private readonly base: string;

  constructor(private readonly options: CscClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw shomeiError('SHOMEI_RSSP_CLIENT_URL', 'RSSP の URL が不正です。', 'The RSSP URL is invalid.', {
        status: 400,
      });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw shomeiError('SHOMEI_RSSP_CLIENT_URL', 'RSSP の URL が不正です。', 'The RSSP URL is invalid.', {
        status: 400,
      });
    }
    this.base = url.toString().replace(/\/$/, '');
    this.accessToken = options.accessToken;
  }

  get token(): string | undefined {
    return this.accessToken;
  }

  async info(lang?: string): Promise<CscServiceInfo> {
    return infoSchema.parse(await this.call('info', lang === undefined ? {} : { lang }, false));
  }

  /** auth/login with HTTP Basic; keeps the access token for later calls. */
  async login(
    username: string,
    password: string,
    rememberMe = false,
  ): Promise<{ accessToken: string; refreshToken?: string | undefined }> {
    const basic = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
    const body = loginSchema.parse(await this.call('auth/login', { rememberMe }, false, `Basic ${basic}`));
    this.accessToken = body.access_token;
    return {
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
    };
  }

  async logout(): Promise<void> {
    if (this.accessToken === undefined) return;
    await this.call('auth/revoke', { token: this.accessToken, token_type_hint: 'access_token' });
    this.accessToken = undefined;
  }

  async listCredentials(
    options: { credentialInfo?: boolean; certInfo?: boolean; authInfo?: boolean; onlyValid?: boolean } = {},
  ) {
    return listSchema.parse(await this.call('credentials/list', options));
  }

  async credentialInfo(
    credentialId: string,
    options: { certificates?: 'none' | 'single' | 'chain'; certInfo?: boolean } = {},
  ): Promise<CscCredentialInfo> {
    return credentialInfoSchema.parse(
      await this.call('credentials/info', { credentialID: credentialId, authInfo: true, ...options }),
    );
  }

  /** credentials/authorize (explicit mode, PIN AND OTP) for exactly these hashes. */
  async authorize(options: AuthorizeOptions): Promise<{ sad: string; expiresIn: number }> {
    const body = authorizeSchema.parse(
      await this.call('credentials/authorize', {
        credentialID: options.credentialId,
        numSignatures: options.numSignatures ?? options.hashes.length,
        hashes: options.hashes.map((h) => Buffer.from(h).toString('base64')),
        hashAlgorithmOID: options.hashAlgorithmOid,
        authData: [
          { id: 'PIN', value: options.pin },
          { id: 'OTP', value: options.otp },
        ],
      }),
    );
    return { sad: body.SAD, expiresIn: body.expiresIn ?? 3600 };
  }

  /** signatures/signHash for a batch; signatures come back in the order of `hashes`. */
  async signHash(options: SignHashOptions): Promise<Buffer[]> {
    const body = signSchema.parse(
      await this.call('signatures/signHash', {
        credentialID: options.credentialId,
        SAD: options.sad,
        hashes: options.hashes.map((h) => Buffer.from(h).toString('base64')),
        signAlgo: options.signAlgo,
        hashAlgorithmOID: options.hashAlgorithmOid,
        signAlgoParams: options.signAlgoParams,
      }),
    );
    if (body.signatures.length !== options.hashes.length) {
      throw new CscClientError(502, 'server_error', 'The service returned a different number of signatures');
    }
    return body.signatures.map((s) => Buffer.from(s, 'base64'));
  }

  private async call(
    method: string,
    body: unknown,
    withToken = true,
    authorization?: string,
  ): Promise<unknown> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (authorization !== undefined) headers.authorization = authorization;
    else if (withToken) {
      if (this.accessToken === undefined) throw new CscClientError(401, 'invalid_token', 'Not logged in');
      headers.authorization = `Bearer ${this.accessToken}`;
    }
    const response = await fetch(`${this.base}/csc/v2/${method}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      redirect: 'error',
    });
    const text = await readLimited(response);
    if (response.status === 204) return {};
    let parsed: unknown;
    try {
      parsed = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new CscClientError(
        response.status,
        'server_error',
        'The service answered with something that is not JSON',
      );
    }
    if (!response.ok) {
      const error = z
        .object({ error: z.string(), error_description: z.string().optional() })
        .safeParse(parsed);
      throw new CscClientError(
        response.status,
        error.success ? error.data.error : 'server_error',
        error.success ? (error.data.error_description ?? '') : `HTTP ${response.status}`,
      );
    }
    return parsed;
  }
}

function readLimited(response: Response): Promise<string> {
  const tooLarge = () => new CscClientError(502, 'server_error', 'The service response is too large');
  return readLimitedBody(response, MAX_RESPONSE_BYTES, tooLarge).then((body) => body.toString('utf8'));
}
