/** Shapes of GET /api/me/credentials (src/rssp/routes/my-credentials.ts). */
export interface MyCredential {
  readonly credentialID: string;
  readonly status: 'pending-certificate' | 'active' | 'suspended' | 'revoked' | 'ended';
  readonly algorithm: string;
  readonly pinSet: boolean;
  readonly otpMethod: string | null;
  readonly locked: boolean;
  readonly certificate: {
    readonly serialNumber: string;
    readonly subjectDN: string;
    readonly issuerDN: string;
    readonly validFrom: string;
    readonly validTo: string;
  } | null;
}

export interface MyApplication {
  readonly id: string;
  readonly credentialId: string;
  readonly subject: string;
  readonly status: 'pending' | 'approved' | 'rejected';
  readonly submittedAt: string;
  readonly decisionReason: string | null;
  /** A renewal: the credential the new one replaces once approved. */
  readonly renewsCredentialId: string | null;
}

export interface MyCredentials {
  readonly credentials: readonly MyCredential[];
  readonly applications: readonly MyApplication[];
  /** The tenant's second factor at signing: the credential's own code, or the login app's. */
  readonly signingFactor: 'credential-otp' | 'login-totp';
}
