/**
 * The embedded development CA (root + issuing CA with keys in the HSM), certificate profiles, the
 * RA approval queue, CRL and OCSP publication, and the adapter for an outside CA.
 */
export {
  type CaAdapter,
  type CaAdapterKind,
  type CaCertificateStatus,
  type CaSubmission,
  type CaSubmissionResult,
  embeddedCaAdapter,
  manualCaAdapter,
} from './adapter.ts';
export {
  DEVELOPMENT_CA_SUBJECTS,
  generateRecordedKey,
} from './authority-setup.ts';
export {
  type CaDependencies,
  CertificateAuthority,
  normaliseSerial,
  type PreparedCertificate,
} from './certificate-authority.ts';
export { type CertificateBasics, certificateBasics } from './certificate-view.ts';
export {
  type CfsslAdapterDependencies,
  CfsslClient,
  type CfsslSettings,
  cfsslCaAdapter,
  checkOutsideCertificate,
} from './cfssl.ts';
export { caConsoleRoutes, certificateRevokeExecutor } from './console-routes.ts';
export { caErrors } from './errors.ts';
export { ExternalCa, type ExternalCaDependencies, type ImportedKey } from './external-ca.ts';
export { caMigrations } from './migrations.ts';
export {
  type AuthorityNaming,
  authorityNaming,
  DEVELOPMENT_NAMING,
  NON_PRODUCTION_WORDS,
  requireNaming,
} from './naming.ts';
export {
  type CredentialCaSettings,
  credentialCaSettingsSchema,
  loadCredentialCaSettings,
} from './outside-settings.ts';
export { PROFILE_VALIDITY_DAYS } from './profiles.ts';
export { RegistrationAuthority } from './registration-authority.ts';
export { type CaRoutesOptions, caRoutes } from './routes.ts';
export {
  caSettingsSchema,
  DEVELOPMENT_POLICY_OID,
  type LoadedCaSettings,
  loadCaSettings,
} from './settings.ts';
export type { CaTables } from './tables.ts';
export {
  type ApplicationParty,
  type ApplicationStatus,
  type AuthorityName,
  type CaSettings,
  CERTIFICATE_PROFILES,
  type CertificateFilter,
  type CertificateProfile,
  type CertificateStatus,
  type Delegation,
  IDENTITY_CHECK_METHODS,
  type IdentityCheckMethod,
  type IssuedCertificate,
  type IssueRequest,
  REVOCATION_REASONS,
  type RevocationReason,
  type SignerApplication,
  type SignerApplicationInput,
  type SubjectAltNames,
} from './types.ts';
