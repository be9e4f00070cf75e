/**
 * Production operation: TLS and mutual TLS, environment separation, backups, clock health,
 * metrics, readiness and cluster-wide locks for scheduled jobs.
 */

export {
  BACKUP_FORMAT,
  BACKUP_KEY_PURPOSE,
  type BackupManifest,
  type BackupSources,
  type BackupVerification,
  createBackup,
  generateBackupSigningKey,
  restoreBackup,
  verifyBackup,
} from './backup.ts';
export {
  BackupCatalogue,
  type BackupCatalogueOptions,
  type BackupRecord,
  type BackupVerifyResult,
  backupConsoleRoutes,
  backupRestoreExecutor,
} from './backup-console.ts';
export { ClockGuard, type ClockSettings, type ClockState } from './clock.ts';
export { advisoryKey, type ClusterLockResult, withClusterLock } from './cluster-lock.ts';
export {
  CHECKLIST,
  type ChecklistItem,
  type ChecklistRow,
  checklistMarkdown,
  checklistRows,
  checklistText,
  fillTemplate,
  type ItemKind,
  type LiveFacts,
} from './compliance.ts';
export { type ConfigCheck, checkConfiguration } from './config-check.ts';
export { applicationName, databaseConnectionOptions } from './database-health.ts';
export {
  type DisclosureRow,
  type DisclosureState,
  type DisclosureStatus,
  disclosureRows,
  disclosureText,
  type PublishedDocumentState,
} from './disclosure.ts';
export {
  checkTokenEnvironment,
  type EnvironmentMarks,
  environmentMarks,
  environmentMismatch,
  TOKEN_MARKER_PREFIX,
  TOKEN_MARKER_PURPOSE,
  tokenEnvironments,
} from './environment.ts';
export { ensureHealthKey, HEALTH_KEY_PURPOSE, type HsmProbe, hsmProbe } from './health-key.ts';
export {
  type OpsHttpOptions,
  registerOpsHttp,
  type VerifiedClientCertificate,
  verifiedClientCertificate,
} from './http.ts';
export { instrumentMailer, instrumentTimestampSource, signingTimer } from './instrumentation.ts';
export { listenFailed, type ManagementListener, startManagementListener } from './management.ts';
export { type OpsMetrics, opsMetrics, timed } from './metrics.ts';
export { collectMetrics, type MetricsSources } from './metrics-collect.ts';
export {
  holdMailWhilePassive,
  installationPassive,
  OperatingMode,
} from './operating-mode.ts';
export { type InstallationMode, operatingModeMigrations } from './operating-mode-table.ts';
export {
  assertProductionSafeguards,
  complianceFails,
  complianceNotMet,
  overridesInForce,
  PRODUCTION_SAFEGUARDS,
  type ProductionSafeguard,
  productionOverrides,
  productionSafeguards,
  type SafeguardRow,
  safeguardsText,
} from './production-gate.ts';
export { PROMOTE_KIND, promotionExecutor } from './promotion.ts';
export { type Readiness, readiness } from './readiness.ts';
export { requestIdFor } from './request-id.ts';
export { createOpsServices, type OpsParts, type OpsServices } from './service.ts';
export { loadOpsSettings, type OpsSettings, opsSettingsSchema } from './settings.ts';
export { parseNtpServer, querySntp, type SntpResult } from './sntp.ts';
export {
  assertCertificates,
  assertTlsConfigured,
  assertTlsPair,
  checkTlsFiles,
  embeddedTlsPaths,
  ensureEmbeddedTlsCertificate,
  prepareTls,
  type TlsMaterial,
} from './tls.ts';
