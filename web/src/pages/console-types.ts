/**
 * Shapes of the operator console's answers (/api/admin/…, /api/me/privileges, /api/environment): the
 * zod-inferred types the server serialises with, not copies.
 */
export type {
  ApprovalRequestView as Approval,
  MyPrivilegesView as MyPrivileges,
  RoleGrantView as Grant,
} from '../../../src/admin/shapes.ts';
export type { AlertView as Alert, AuditRecordView as AuditEvent } from '../../../src/audit/shapes.ts';
export type {
  CertificateDetailView as CertificateDetail,
  CertificateSummaryView as Certificate,
} from '../../../src/ca/console-shapes.ts';
export type { BackupRecordView as Backup } from '../../../src/ops/backup-shapes.ts';
export type { EnvironmentView } from '../../../src/ops/environment-shapes.ts';
export type {
  ConsoleCredentialView as ConsoleCredential,
  CredentialApplicationView as CredentialApplication,
} from '../../../src/rssp/routes/credential-shapes.ts';
