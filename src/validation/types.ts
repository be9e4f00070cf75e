/**
 * The validation report model (ETSI EN 319 102-1 §5.1.3 indications, EU DSS simple report shape):
 * facts per signature, an indication with its sub-indication, and reasons in Japanese and English.
 */
import type { ValidationPolicy } from './policy.ts';

export type Indication = 'TOTAL_PASSED' | 'INDETERMINATE' | 'TOTAL_FAILED';

/** The sub-indications of ETSI EN 319 102-1 table 5 that this verifier can reach. */
export type SubIndication =
  | 'FORMAT_FAILURE'
  | 'HASH_FAILURE'
  | 'SIG_CRYPTO_FAILURE'
  | 'REVOKED'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'SIG_CONSTRAINTS_FAILURE'
  | 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE'
  | 'CHAIN_CONSTRAINTS_FAILURE'
  | 'CERTIFICATE_CHAIN_GENERAL_FAILURE'
  | 'NO_SIGNING_CERTIFICATE_FOUND'
  | 'NO_CERTIFICATE_CHAIN_FOUND'
  | 'REVOKED_NO_POE'
  | 'REVOKED_CA_NO_POE'
  | 'OUT_OF_BOUNDS_NO_POE'
  | 'TRY_LATER'
  | 'SIGNED_DATA_NOT_FOUND';

/** PAdES / CAdES baseline level reached (ETSI EN 319 142-1, 319 122-1); `none` for a document timestamp. */
export type AchievedLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA' | 'none';

/** What a reason is about, so that a reader (and a test) can see the certificate, date or revision. */
export interface ReasonSubject {
  readonly certificate?: string;
  readonly date?: string;
  readonly revision?: number;
}

export interface Reason {
  /** Stable code, e.g. `REVOKED_BEFORE_SIGNING`. */
  readonly code: string;
  readonly ja: string;
  readonly en: string;
  readonly subject?: ReasonSubject;
}

export interface CertificateSummary {
  /** RFC 4514 subject, UTF-8. */
  readonly subject: string;
  readonly issuer: string;
  readonly serialNumber: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly fingerprintSha256: string;
}

export type RevocationStatus = 'good' | 'revoked' | 'unknown' | 'not-checked' | 'trust-anchor';

export interface CertificateCheck extends CertificateSummary {
  readonly revocation: RevocationStatus;
  readonly revocationTime?: string;
  /** Where the revocation answer came from. */
  readonly revocationSource?: 'ocsp' | 'crl' | 'none';
  readonly revocationOnline?: boolean;
}

export type TimestampKind = 'signature-timestamp' | 'document-timestamp' | 'archive-timestamp';

export interface TimestampValidationResult {
  readonly kind: TimestampKind;
  readonly indication: Indication;
  readonly subIndication?: SubIndication;
  /** genTime, ISO 8601 UTC (absent when the token could not be read). */
  readonly genTime?: string;
  readonly tsa?: CertificateSummary;
  readonly reasons: readonly Reason[];
}

export type ModificationLevel = 'NONE' | 'LTA_UPDATES' | 'FORM_FILLING' | 'ANNOTATIONS' | 'OTHER';

export interface RevisionChange {
  /** Revision index (0 is the original document). */
  readonly revision: number;
  readonly objectNumber: number;
  readonly level: ModificationLevel;
  readonly allowed: boolean;
  /** The rule that allowed or forbade it (`src/validation/modification-rules.ts`), e.g. `dss`, `content-forbidden`. */
  readonly rule?: string;
  readonly description: { readonly ja: string; readonly en: string };
}

export interface ModificationAnalysis {
  /** Revisions added after this signature, oldest first. */
  readonly laterRevisions: readonly number[];
  /** The highest level of change found (NONE when nothing followed). */
  readonly level: ModificationLevel;
  /** The highest level allowed (by DocMDP, or P=2 when the document is not certified). */
  readonly allowedLevel: ModificationLevel;
  readonly changes: readonly RevisionChange[];
}

export interface Coverage {
  /** Index of the revision this signature signed. */
  readonly revision?: number | undefined;
  readonly byteRange?: readonly number[];
  /** The byte range covers that whole revision except the /Contents hole. */
  readonly coversRevision: boolean;
  /** The byte range covers the whole file as received. */
  readonly coversWholeFile: boolean;
}

export interface SignatureValidationResult {
  /** `S1`, `S2`, … in file order; document timestamps are `T1`, `T2`, … */
  readonly id: string;
  readonly kind: 'signature' | 'document-timestamp';
  /** PAdES (ETSI.CAdES.detached), PKCS7 (adbe.pkcs7.detached), RFC3161 or CAdES (detached file). */
  readonly format: 'PAdES' | 'PKCS7' | 'RFC3161' | 'CAdES';
  readonly fieldName?: string;
  readonly indication: Indication;
  readonly subIndication?: SubIndication;
  readonly level: AchievedLevel;
  readonly signer?: CertificateSummary;
  readonly chain: readonly CertificateCheck[];
  /** From the signing-time attribute or /M: what the signer claims, not proven. */
  readonly claimedSigningTime?: string;
  /** The earliest proven time of existence (a valid timestamp), or the validation time. */
  readonly bestSignatureTime: string;
  readonly digestAlgorithm?: string;
  readonly timestamps: readonly TimestampValidationResult[];
  readonly coverage?: Coverage;
  readonly modifications?: ModificationAnalysis;
  /** Why the indication is what it is; empty only for TOTAL_PASSED without remarks. */
  readonly reasons: readonly Reason[];
  /** Remarks that do not change the indication. */
  readonly warnings: readonly Reason[];
  /** Findings the validation policy only records (level INFORM); absent when there are none. */
  readonly information?: readonly Reason[];
}

export interface ValidationReport {
  readonly schema: 'https://shomei.example/schemas/validation-report/v1';
  readonly validationTime: string;
  readonly document: {
    readonly type: 'pdf' | 'cades';
    readonly name?: string;
    readonly size: number;
    readonly sha256: string;
    readonly revisions?: number | undefined;
  };
  readonly policy: {
    /** The validation policy applied: its name and the SHA-256 of its canonical JSON. */
    readonly name: string;
    readonly digest: string;
    readonly trustAnchors: readonly CertificateSummary[];
    readonly online: boolean;
  };
  /** TOTAL_PASSED only when every signature and timestamp passed; the worst indication otherwise. */
  readonly indication: Indication;
  readonly signatures: readonly SignatureValidationResult[];
}

/** Fetches CRLs and OCSP responses over HTTP; a test may pass its own. */
export interface RevocationFetcher {
  ocsp(url: string, request: Uint8Array): Promise<Uint8Array>;
  crl(url: string): Promise<Uint8Array>;
}

export interface ValidationOptions {
  /** Trust anchors (DER). */
  readonly trustAnchors: readonly Uint8Array[];
  /** Fetch OCSP/CRL via AIA / CRLDP URLs (default false). */
  readonly online?: boolean;
  /** Replaces the HTTP fetcher used when `online` is true. */
  readonly fetcher?: RevocationFetcher;
  /** Validation time (default now); injectable for tests and for "what would it say on date X". */
  readonly validationTime?: Date;
  /** The document name shown in the report. */
  readonly name?: string;
  /** The validation policy (default: the shipped default-policy.json). */
  readonly policy?: ValidationPolicy;
}
