/** The CredentialInfo object of credentials/info and credentials/list (csc-api-v2 §4.9). */
import type { KeyAlgorithm } from '../../crypto/index.ts';
import { curveOid, keyLengthBits, signAlgorithmsFor } from '../algorithms.ts';
import { generalizedTime } from '../certificates.ts';
import type { CertificateStatus } from '../ports.ts';
import type { CredentialTable } from '../tables.ts';
import type { CredentialInfo } from './csc-shapes.ts';

export interface CredentialInfoOptions {
  readonly certificates: 'none' | 'single' | 'chain';
  readonly certInfo: boolean;
  readonly authInfo: boolean;
  readonly lang: 'ja-JP' | 'en-US';
  readonly now: Date;
  readonly certificateStatus: CertificateStatus | undefined;
  /** The credential's tenant signs with the login TOTP app instead of the credential's own code. */
  readonly loginFactor?: boolean;
}

export function credentialInfo(credential: CredentialTable, options: CredentialInfoOptions): CredentialInfo {
  const key = credential.key_algorithm as KeyAlgorithm;
  const usable =
    credential.status === 'active' && credential.key_id !== null && credential.locked_at === null;
  const curve = curveOid(key);
  const info: CredentialInfo = {
    ...(credential.description === null ? {} : { description: credential.description }),
    key: {
      status: usable ? 'enabled' : 'disabled',
      algo: signAlgorithmsFor(key),
      len: keyLengthBits(key),
      curve,
    },
    SCAL: credential.scal,
    multisign: credential.multisign,
    lang: options.lang,
  };
  if (credential.certificate !== null) {
    const cert: NonNullable<CredentialInfo['cert']> = { status: certificateStatus(credential, options) };
    if (options.certificates !== 'none') {
      const chain = JSON.parse(credential.certificate_chain ?? '[]') as string[];
      const own = Buffer.from(credential.certificate).toString('base64');
      cert.certificates = options.certificates === 'chain' ? [own, ...chain] : [own];
    }
    if (options.certInfo) {
      cert.issuerDN = credential.cert_issuer_dn;
      cert.serialNumber = credential.cert_serial;
      cert.subjectDN = credential.cert_subject_dn;
      cert.validFrom = generalizedTime(new Date(credential.cert_not_before!));
      cert.validTo = generalizedTime(new Date(credential.cert_not_after!));
    }
    info.cert = cert;
  }
  if (options.authInfo) info.auth = authObject(credential, options.lang, options.loginFactor ?? false);
  return info;
}

function certificateStatus(
  credential: CredentialTable,
  options: CredentialInfoOptions,
): 'valid' | 'expired' | 'revoked' | 'suspended' {
  if (
    credential.status === 'revoked' ||
    credential.status === 'ended' ||
    options.certificateStatus === 'revoked'
  ) {
    return 'revoked';
  }
  if (options.certificateStatus === 'suspended') return 'suspended';
  const now = options.now.toISOString();
  if (credential.cert_not_after !== null && now > credential.cert_not_after) return 'expired';
  return 'valid';
}

/** The 2.0 `auth` object: PIN AND OTP as Password objects (TOTP) or a challenge (mailed code). */
function authObject(
  credential: CredentialTable,
  lang: 'ja-JP' | 'en-US',
  loginFactor: boolean,
): NonNullable<CredentialInfo['auth']> {
  if (credential.auth_mode === 'oauth2code') return { mode: 'oauth2code' };
  const en = lang === 'en-US';
  const pin = {
    type: 'Password',
    id: 'PIN',
    format: 'N',
    label: 'PIN',
    description: en ? 'The PIN of the signing credential' : '署名用クレデンシャルの PIN',
  };
  const otp = loginFactor
    ? {
        type: 'Password',
        id: 'OTP',
        format: 'N',
        generator: 'totp',
        label: 'OTP',
        description: en
          ? 'The code of the authenticator app you log in with (organisation setting)'
          : 'ログインに使う認証アプリのコード (組織の設定)',
      }
    : credential.otp_method === 'email'
      ? {
          type: 'ChallengeResponse',
          id: 'OTP',
          format: 'N',
          generator: 'otp',
          label: 'OTP',
          description: en
            ? 'The one-time code sent by e-mail (credentials/getChallenge)'
            : 'メールで届くワンタイムコード',
        }
      : {
          type: 'Password',
          id: 'OTP',
          format: 'N',
          generator: 'totp',
          label: 'OTP',
          description: en ? 'The one-time code of the authenticator app' : '認証アプリのワンタイムコード',
        };
  return { mode: 'explicit', expression: 'PIN AND OTP', objects: [pin, otp] };
}
