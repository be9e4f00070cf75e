/** The subset of the server's validation report (docs/verification-report.md) this screen shows. */
export type Indication = 'TOTAL_PASSED' | 'INDETERMINATE' | 'TOTAL_FAILED';

export interface Reason {
  readonly code: string;
  readonly ja: string;
  readonly en: string;
}

export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
}

export interface TimestampResult {
  readonly kind: string;
  readonly indication: Indication;
  readonly genTime?: string;
  readonly tsa?: CertificateSummary;
}

export interface SignatureResult {
  readonly id: string;
  readonly kind: 'signature' | 'document-timestamp';
  readonly format: string;
  readonly indication: Indication;
  readonly subIndication?: string;
  readonly level: string;
  readonly signer?: CertificateSummary;
  readonly claimedSigningTime?: string;
  readonly bestSignatureTime: string;
  readonly timestamps: readonly TimestampResult[];
  readonly modifications?: {
    readonly changes: ReadonlyArray<{ revision: number; description: { ja: string; en: string } }>;
  };
  readonly reasons: readonly Reason[];
  readonly warnings: readonly Reason[];
}

export interface ValidationReport {
  readonly validationTime: string;
  readonly document: { readonly name?: string; readonly size: number; readonly sha256: string };
  readonly indication: Indication;
  readonly signatures: readonly SignatureResult[];
}
