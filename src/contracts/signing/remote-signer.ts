/**
 * How a signer-type party's own key signs: through a CSC API v2 style RSSP, in-process (src/rssp) or
 * any conformant service by URL (src/rssp/client). The SAD is requested for exactly the digests of
 * this signing and used at once; PIN and one-time code pass through and are never kept.
 */
import type { DigestAlgorithm, SignatureScheme } from '../../crypto/index.ts';
import { CscClient } from '../../rssp/client/index.ts';
import { isCscError, type RemoteSignatureService, type RsspPrincipal } from '../../rssp/index.ts';
import { contractErrors } from '../model/errors.ts';

const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

export interface SignerCertificates {
  /** The signer's certificate first, then its issuers (DER). */
  readonly chain: readonly Buffer[];
  readonly scheme: SignatureScheme;
}

export interface RemoteSignRequest {
  readonly userId: string;
  readonly credentialId: string;
  /** SHA-256 digests of the signed attributes, one per document. */
  readonly digests: readonly Buffer[];
  readonly pin: string;
  readonly otp: string;
  readonly source?: string | undefined;
}

export interface SignedDigests {
  readonly signatures: Buffer[];
  /** The factors that activated the SAD, as the RSSP named them (null: a remote RSSP does not say). */
  readonly activation: string | null;
}

export interface RemoteSigner {
  certificates(userId: string, credentialId: string): Promise<SignerCertificates>;
  /** Authorises (PIN + OTP → SAD bound to exactly these digests) and signs them. */
  signDigests(request: RemoteSignRequest): Promise<SignedDigests>;
}

export const DIGEST: DigestAlgorithm = 'SHA-256';

function signAlgoFor(scheme: SignatureScheme): string {
  return scheme === 'ECDSA' ? ECDSA_WITH_SHA256 : SHA256_WITH_RSA;
}

function refused(error: unknown, attemptsLeft?: number): Error {
  // The RSSP's protocol errors in the signer's words (the CSC description is English by specification).
  if (isCscError(error) && error.error === 'invalid_authentication_data')
    return attemptsLeft === 0
      ? contractErrors.signingCredentialLocked()
      : contractErrors.signingAuthenticationWrong(attemptsLeft);
  if (isCscError(error) && error.description === 'Credential locked')
    return contractErrors.signingCredentialLocked();
  const description =
    typeof error === 'object' && error !== null && 'description' in error
      ? String((error as { description: unknown }).description)
      : error instanceof Error
        ? error.message
        : 'refused';
  return contractErrors.signingFailed(description.slice(0, 200));
}

/** The RSSP of this installation, called in-process with the party's own account as the principal. */
export function inProcessRemoteSigner(rssp: RemoteSignatureService): RemoteSigner {
  const principalFor = (userId: string): RsspPrincipal => ({
    tokenHash: `contracts:${userId}`,
    scope: 'service',
    userId,
    tenantId: null,
    clientId: null,
    credentialId: null,
    authMethod: 'contracts-session',
  });
  return {
    async certificates(userId, credentialId) {
      const credential = await rssp.credentials.get(credentialId);
      if (credential === undefined || credential.user_id !== userId || credential.certificate === null) {
        throw contractErrors.signingFailed('credential not usable');
      }
      const chain = (JSON.parse(credential.certificate_chain ?? '[]') as string[]).map((c) =>
        Buffer.from(c, 'base64'),
      );
      return {
        chain: [Buffer.from(credential.certificate), ...chain],
        scheme: credential.key_algorithm.startsWith('EC') ? 'ECDSA' : 'RSASSA-PKCS1-v1_5',
      };
    },
    async signDigests(request) {
      const principal = principalFor(request.userId);
      try {
        const credential = await rssp.credentials.require(request.credentialId);
        const { sad, authenticationMethod } = await rssp.activation.authorizeCredential(
          principal,
          request.userId,
          {
            credentialId: request.credentialId,
            numSignatures: request.digests.length,
            hashes: request.digests,
            hashAlgorithmOid: SHA256_OID,
            authData: [
              { id: 'PIN', value: request.pin },
              { id: 'OTP', value: request.otp },
            ],
            source: request.source,
          },
        );
        const signatures = await rssp.signing.signHash(principal, {
          credentialId: request.credentialId,
          sad,
          hashes: request.digests.map((d) => d.toString('base64')),
          hashAlgorithmOid: SHA256_OID,
          signAlgo: signAlgoFor(credential.key_algorithm.startsWith('EC') ? 'ECDSA' : 'RSASSA-PKCS1-v1_5'),
          source: request.source,
        });
        return { signatures, activation: authenticationMethod ?? null };
      } catch (error) {
        throw refused(error, await attemptsAfter(rssp, error, request.credentialId));
      }
    },
  };
}

/** After a wrong PIN or code, the tries the credential's budget still allows (read, not guessed). */
async function attemptsAfter(
  rssp: RemoteSignatureService,
  error: unknown,
  credentialId: string,
): Promise<number | undefined> {
  if (!isCscError(error) || error.error !== 'invalid_authentication_data') return undefined;
  return (await rssp.credentials.attempts(credentialId).catch(() => undefined))?.attemptsLeft;
}

/** Any CSC API v2 RSSP by URL; `accessTokenFor` supplies the user's service token at that RSSP. */
export function cscRemoteSigner(
  baseUrl: string,
  accessTokenFor: (userId: string) => Promise<string>,
): RemoteSigner {
  const client = async (userId: string) =>
    new CscClient({ baseUrl, accessToken: await accessTokenFor(userId), timeoutMs: 30_000 });
  return {
    async certificates(userId, credentialId) {
      try {
        const info = await (await client(userId)).credentialInfo(credentialId, { certificates: 'chain' });
        const chain = (info.cert?.certificates ?? []).map((c: string) => Buffer.from(c, 'base64'));
        const scheme: SignatureScheme = (info.key?.algo ?? []).includes('1.2.840.10045.2.1')
          ? 'ECDSA'
          : 'RSASSA-PKCS1-v1_5';
        return { chain, scheme };
      } catch (error) {
        throw refused(error);
      }
    },
    async signDigests(request) {
      try {
        const c = await client(request.userId);
        const info = await c.credentialInfo(request.credentialId);
        const scheme = (info.key?.algo ?? []).includes('1.2.840.10045.2.1') ? 'ECDSA' : 'RSASSA-PKCS1-v1_5';
        const { sad } = await c.authorize({
          credentialId: request.credentialId,
          hashes: request.digests,
          hashAlgorithmOid: SHA256_OID,
          pin: request.pin,
          otp: request.otp,
          numSignatures: request.digests.length,
        });
        const signatures = await c.signHash({
          credentialId: request.credentialId,
          sad,
          hashes: request.digests,
          signAlgo: signAlgoFor(scheme),
          hashAlgorithmOid: SHA256_OID,
        });
        return { signatures, activation: null };
      } catch (error) {
        throw refused(error);
      }
    },
  };
}
