/**
 * Errors of the CSC API v2. The `error` codes and `error_description` strings are the specification's
 * own (csc-api-v2 notes §4, §9), so that SCA clients can match them; routes outside /csc/v2 and
 * /oauth2 see ordinary SHOMEI_… errors.
 */
import { ShomeiError, shomeiError } from '../errors/index.ts';
import { hasControlCharacters } from './identifiers.ts';

export type CscErrorCode =
  | 'invalid_request'
  | 'invalid_authentication_data'
  | 'invalid_otp'
  | 'invalid_hash'
  | 'invalid_grant'
  | 'invalid_client'
  | 'invalid_scope'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'authentication_error'
  | 'access_denied'
  | 'expired_token'
  | 'invalid_token'
  | 'not_implemented'
  | 'accepted_request'
  | 'temporarily_unavailable'
  | 'server_error';

/** A protocol error carrying the CSC/OAuth `error` code and the specified `error_description`. */
export class CscError extends ShomeiError {
  readonly error: CscErrorCode;
  readonly description: string;

  constructor(error: CscErrorCode, description: string, status: number, ja?: string) {
    super(error, { ja: ja ?? description, en: description }, { status });
    this.name = 'CscError';
    this.error = error;
    this.description = description;
  }
}

export function isCscError(error: unknown): error is CscError {
  return error instanceof CscError;
}

export const invalidRequest = (description: string): CscError =>
  new CscError('invalid_request', description, 400);

/** The specification's descriptions, in one place so that tests and routes share the exact text. */
export const CSC = {
  missingString: (name: string) => invalidRequest(`Missing (or invalid type) string parameter ${name}`),
  missingInteger: (name: string) => invalidRequest(`Missing (or invalid type) integer parameter ${name}`),
  missingArray: (name: string) => invalidRequest(`Missing (or invalid type) array parameter ${name}`),
  invalidParameter: (name: string) => invalidRequest(`Invalid parameter ${name}`),
  emptyHashArray: () => invalidRequest('Empty hash array'),
  invalidBase64Hash: () => invalidRequest('Invalid Base64 hash string parameter'),
  invalidDigestLength: () => invalidRequest('Invalid digest value length'),
  hashNotAuthorized: () => invalidRequest('Hash is not authorized by the SAD'),
  sadExpired: () => invalidRequest('SAD expired'),
  certificateExpired: () => invalidRequest('Signing certificate is expired'),
  credentialDisabled: () => invalidRequest('The credential identified by credentialID is disabled'),
  credentialLocked: () => invalidRequest('Credential locked'),
  numSignaturesTooLow: () => invalidRequest('Invalid value for parameter numSignatures'),
  numSignaturesTooHigh: () => invalidRequest('Numbers of signatures is too high'),
  userIdMustBeNull: () => invalidRequest('userID parameter MUST be null'),
  malformedAuthorizationHeader: () => invalidRequest('Malformed authorization header'),
  invalidAuthenticationData: () =>
    new CscError('invalid_authentication_data', 'The authentication data is invalid', 400),
  invalidToken: () => new CscError('invalid_token', 'The access token is not valid', 401),
  expiredToken: () => new CscError('expired_token', 'The access token has expired', 401),
  accessDenied: (description = 'The access token does not permit this operation') =>
    new CscError('access_denied', description, 401),
  notImplemented: () => new CscError('not_implemented', 'The method is not implemented', 501),
  // Not in the specification's list; access_denied with 429 tells an SCA to wait, not to fix input.
  tooManyChallenges: () =>
    new CscError(
      'access_denied',
      'Too many one-time codes were requested; wait before asking again',
      429,
      'ワンタイムコードの要求が多すぎます。しばらく待ってから再度要求してください。',
    ),
} as const;

/** Errors that never cross the protocol boundary (service misuse from our own code or the CLI). */
export function credentialNotFound(credentialId: string): ShomeiError {
  return shomeiError(
    'SHOMEI_RSSP_CREDENTIAL_NOT_FOUND',
    `署名用クレデンシャル ${credentialId} がありません。`,
    `There is no signing credential ${credentialId}.`,
    { status: 404, details: { credentialId } },
  );
}

export function credentialState(credentialId: string, status: string, wanted: string): ShomeiError {
  return shomeiError(
    'SHOMEI_RSSP_CREDENTIAL_STATE',
    `クレデンシャル ${credentialId} は状態 ${status} のため、この操作 (${wanted}) はできません。`,
    `Credential ${credentialId} is ${status}, so it cannot be ${wanted}.`,
    { status: 409, details: { credentialId, status, wanted } },
  );
}

/**
 * A parameter whose value no identifier, code or token can have (control characters): refused as the
 * specification's invalid parameter, and recorded, since it is an attempt at the audit trail or the logs.
 */
export class RefusedInput extends CscError {
  constructor(
    readonly field: string,
    readonly value: string,
  ) {
    super('invalid_request', `Invalid parameter ${field}`, 400);
  }
}

/** Refuses a value with control characters (see RefusedInput). */
export function printable(name: string, value: string): string {
  if (hasControlCharacters(value)) throw new RefusedInput(name, value);
  return value;
}
