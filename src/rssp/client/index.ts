/** CSC API v2 client (for the e-contract service's RemoteSigner and `shomei sign --rssp`). */
export {
  type AuthorizeOptions,
  CscClient,
  CscClientError,
  type CscClientOptions,
  type CscCredentialInfo,
  type CscServiceInfo,
  type SignHashOptions,
} from './csc-client.ts';
export { type RemotePdfSigningOptions, signPdfWithCsc } from './pades.ts';
