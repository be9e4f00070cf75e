/**
 * Client-side PAdES with a remote key (CSC signatures/signHash): the SCA writes the signature
 * dictionary and byte range, builds the CMS signed attributes (content digest, signing-certificate-v2)
 * around the credential's certificate, has only their digest signed by the RSSP under a SAD bound to
 * exactly that digest, and embeds the finished CMS. The document never leaves the client.
 */
import { rm } from 'node:fs/promises';
import {
  completePdfSignature,
  preparePdfSignature,
  type SignatureLevel,
  type TimestampAuthority,
} from '../../ades/index.ts';
import type { SignatureScheme } from '../../crypto/index.ts';
import { type CscClient, CscClientError } from './csc-client.ts';

const SHA256 = '2.16.840.1.101.3.4.2.1';
const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const RSA_SHA256 = '1.2.840.113549.1.1.11';

export interface RemotePdfSigningOptions {
  readonly input: string | Uint8Array;
  readonly output: string;
  readonly credentialId: string;
  readonly pin: string;
  readonly otp: string;
  /** B-B (default) or B-T (then `tsa` stamps the signature value before embedding). */
  readonly level?: Extract<SignatureLevel, 'B-B' | 'B-T'>;
  readonly tsa?: TimestampAuthority;
  readonly reason?: string;
  readonly signerName?: string;
}

export async function signPdfWithCsc(
  client: CscClient,
  options: RemotePdfSigningOptions,
): Promise<{ output: string; cms: Buffer }> {
  const info = await client.credentialInfo(options.credentialId, { certificates: 'chain' });
  const [signer, ...chain] = (info.cert?.certificates ?? []).map((c) => Buffer.from(c, 'base64'));
  if (signer === undefined)
    throw new CscClientError(502, 'server_error', 'The credential has no certificate to sign with');
  const ecdsa = info.key.algo.includes(ECDSA_SHA256);
  const scheme: SignatureScheme = ecdsa ? 'ECDSA' : 'RSASSA-PKCS1-v1_5';
  const prepared = await preparePdfSignature({
    input: options.input,
    preparedPath: `${options.output}.prepared`,
    signerCertificate: signer,
    certificateChain: chain,
    digestAlgorithm: 'SHA-256',
    signatureScheme: scheme,
    level: options.level ?? 'B-B',
    reason: options.reason,
    signerName: options.signerName,
  });
  let signature: Buffer;
  try {
    const { sad } = await client.authorize({
      credentialId: options.credentialId,
      hashes: [prepared.digestToSign],
      hashAlgorithmOid: SHA256,
      pin: options.pin,
      otp: options.otp,
    });
    [signature] = (await client.signHash({
      credentialId: options.credentialId,
      sad,
      hashes: [prepared.digestToSign],
      signAlgo: ecdsa ? ECDSA_SHA256 : RSA_SHA256,
    })) as [Buffer];
  } catch (error) {
    await rm(prepared.state.preparedPath, { force: true });
    throw error;
  }
  return completePdfSignature({
    state: prepared.state,
    signatureValue: signature,
    output: options.output,
    ...(options.level === 'B-T' && options.tsa !== undefined ? { tsa: options.tsa } : {}),
  });
}
