/** Public types of the embedded CA, its RA queue and the external-CA adapter. */
import type { AuditActor } from '../audit/events.ts';
import type { KeyAlgorithm } from '../crypto/index.ts';
import type { NameAttribute, PkiInput } from '../pki/index.ts';
import { CERTIFICATE_PROFILES, type CERTIFICATE_STATUSES, REVOCATION_REASONS } from './lists.ts';
import type { AuthorityNaming } from './naming.ts';

export { CERTIFICATE_PROFILES, REVOCATION_REASONS };
export type CertificateProfile = (typeof CERTIFICATE_PROFILES)[number];
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/** The two tiers of the embedded CA. */
export type AuthorityName = 'root' | 'issuing';

export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

export interface IssuedCertificate {
  /** Lower-case hex. */
  readonly serialNumber: string;
  readonly issuer: AuthorityName | 'external';
  readonly profile: CertificateProfile | 'ca' | 'imported';
  /** RFC 4514, UTF-8. */
  readonly subject: string;
  readonly der: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The HSM key (CKA_ID hex) the certificate is for, when we hold it. */
  readonly keyId?: string;
  readonly status: CertificateStatus;
  readonly revokedAt?: Date;
  readonly revocationReason?: RevocationReason;
  readonly applicationId?: string;
  readonly issuedAt: Date;
}

export interface SubjectAltNames {
  readonly dnsNames?: readonly string[];
  readonly emailAddresses?: readonly string[];
}

export interface IssueRequest {
  /** PKCS#10, DER or PEM. Its signature is checked; its key must be one of ours or an approved application's. */
  readonly csr: PkiInput;
  readonly profile: CertificateProfile;
  /** The subject to certify; defaults to the CSR's subject (the RA passes the verified subject). */
  readonly subject?: readonly NameAttribute[] | undefined;
  readonly altNames?: SubjectAltNames;
  /** Defaults per profile (signer 2 years, TSA 5 years, …); never beyond the issuing CA. */
  readonly validityDays?: number | undefined;
  readonly applicationId?: string;
  readonly actor?: AuditActor;
}

export interface CertificateFilter {
  readonly status?: CertificateStatus | undefined;
  readonly profile?: CertificateProfile | 'ca' | 'imported' | undefined;
  readonly keyId?: string | undefined;
  readonly limit?: number | undefined;
}

export interface CaSettings {
  readonly rootAlgorithm: KeyAlgorithm;
  readonly issuingAlgorithm: KeyAlgorithm;
  readonly ocspAlgorithm: KeyAlgorithm;
  /** Base URL for AIA, CRL DP and OCSP (config.http.publicUrl). */
  readonly publicUrl: string;
  /** Certificate policy placed in every certificate the development CA issues. */
  readonly policyOid: string;
  /** How long a CRL is good for (nextUpdate − thisUpdate). */
  readonly crlValidityHours: number;
  /** How long an OCSP response is good for. */
  readonly ocspValidityMinutes: number;
  /**
   * Names of the CA's own certificates (SHOMEI_CA_ORGANIZATION, …_COUNTRY, …_NAME_PREFIX). Absent:
   * the development names; null: production without an organisation, where nothing may be named.
   */
  readonly naming?: AuthorityNaming | null;
}

// --- RA queue -----------------------------------------------------------------------------------

export const IDENTITY_CHECK_METHODS = [
  /** 対面での本人確認 */
  'in-person',
  /** 本人確認書類 (運転免許証など) の確認 */
  'identity-document',
  /** 公的個人認証 (マイナンバーカード, JPKI) */
  'jpki',
  /** 登記事項証明書・印鑑証明書 (法人) */
  'corporate-registry',
  /** 既存の電子証明書による確認 */
  'existing-certificate',
] as const;
export type IdentityCheckMethod = (typeof IDENTITY_CHECK_METHODS)[number];

export interface ApplicationParty {
  readonly name: string;
  readonly organisation?: string | undefined;
  readonly email?: string | undefined;
  /** Account id in shomei, when the party has one. */
  readonly userId?: string | undefined;
}

/**
 * When the applicant applies for someone else: the applicant is the 利用申請者 and the certificate's
 * subject (署名権限者) has delegated signing to a 署名代行者 under a mandate (委任状).
 */
export interface Delegation {
  /** 署名権限者: the certificate holder who delegates. */
  readonly principal: ApplicationParty;
  /** 署名代行者: who signs on the principal's behalf. */
  readonly signingAgent: ApplicationParty;
  /** Reference of the mandate document (委任状) the RA checked. */
  readonly mandateReference: string;
}

export interface SignerApplicationInput {
  readonly profile: 'signer' | 'e-seal';
  /** The subject to be certified, e.g. C=JP, O=株式会社サンプル, CN=山田 太郎. */
  readonly subject: readonly NameAttribute[];
  readonly altNames?: SubjectAltNames;
  /** 利用申請者: who submits the application. */
  readonly applicant: ApplicationParty;
  readonly identityCheck: { readonly method: IdentityCheckMethod; readonly reference: string };
  readonly delegation?: Delegation;
  /** PKCS#10 for the key (normally generated in our HSM for the credential). */
  readonly csr: PkiInput;
  readonly submittedBy: AuditActor;
}

export type ApplicationStatus = 'pending' | 'approved' | 'rejected';

export interface SignerApplication {
  readonly id: string;
  readonly status: ApplicationStatus;
  readonly profile: 'signer' | 'e-seal';
  readonly subject: readonly NameAttribute[];
  readonly altNames: SubjectAltNames;
  readonly applicant: ApplicationParty;
  readonly identityCheck: { readonly method: IdentityCheckMethod; readonly reference: string };
  readonly delegation?: Delegation;
  /** Hex SHA-256 of the CSR's SubjectPublicKeyInfo. */
  readonly publicKeySha256: string;
  readonly submittedAt: Date;
  readonly submittedBy: string;
  readonly decidedAt?: Date;
  readonly decidedBy?: string;
  readonly decisionReason?: string;
  readonly certificateSerial?: string;
}
