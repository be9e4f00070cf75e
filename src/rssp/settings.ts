/** Settings of the remote signature service (from SHOMEI_RSSP_… via src/config). */
export interface RsspSettings {
  readonly sadLifetimeSeconds: number;
  readonly maxFailedAttempts: number;
  readonly multisign: number;
  readonly accessTokenSeconds: number;
  readonly scal1Tenants: readonly string[];
  /** Lifetime of a credential-scope OAuth token (it acts as a SAD). */
  readonly credentialTokenSeconds: number;
  readonly refreshTokenSeconds: number;
  readonly authorizationCodeSeconds: number;
  readonly emailCodeSeconds: number;
  /** Longest a transaction continued with extendTransaction may run (JT2A appendix 1 method 2). */
  readonly transactionSeconds: number;
  /** Service name and base URL for info. */
  readonly serviceName: string;
  readonly publicUrl: string;
  /** signatures/signDoc `documents`: most decoded bytes in one request (the body limit follows from it). */
  readonly maxDocumentBytes?: number;
  /** operationMode "A": how long a result is kept for signPolling when the client gives no validity_period. */
  readonly asyncResultSeconds?: number;
  /** Upper bound of validity_period (seconds). */
  readonly maxAsyncResultSeconds?: number;
  /** How long a decoupled authorisation waits for the user's approval. */
  readonly approvalSeconds?: number;
  /**
   * How long the CA's "good" answer for a signing certificate is reused before asking again
   * (0: ask before every signature). Revocation through this process clears it at once.
   */
  readonly certificateStatusCacheSeconds?: number;
  /**
   * Most e-mailed one-time codes one credential may be sent per window (credentials/getChallenge);
   * a new code also cancels the ones still open, so guesses always face a single code.
   */
  readonly challengeLimit?: { readonly count: number; readonly windowSeconds: number };
  /** Days before a signing certificate ends when its holder is mailed (once per threshold). */
  readonly expiryNoticeDays?: readonly number[];
  /** Days after a signing certificate's end before its key is destroyed. */
  readonly keyDestructionGraceDays?: number;
  /** Seconds between the sweeps that destroy keys of expired or CA-revoked certificates. */
  readonly keySweepSeconds?: number;
}

export const DEFAULT_RSSP_SETTINGS: Omit<RsspSettings, 'publicUrl'> = {
  sadLifetimeSeconds: 300,
  maxFailedAttempts: 5,
  multisign: 1000,
  accessTokenSeconds: 3600,
  scal1Tenants: [],
  credentialTokenSeconds: 300,
  refreshTokenSeconds: 30 * 24 * 3600,
  authorizationCodeSeconds: 60,
  emailCodeSeconds: 300,
  transactionSeconds: 1800,
  serviceName: 'shomei remote signature service',
  maxDocumentBytes: 32 * 1024 * 1024,
  asyncResultSeconds: 300,
  maxAsyncResultSeconds: 3600,
  approvalSeconds: 300,
  certificateStatusCacheSeconds: 10,
  challengeLimit: { count: 5, windowSeconds: 900 },
  expiryNoticeDays: [30, 7],
  keyDestructionGraceDays: 30,
  keySweepSeconds: 3600,
};
