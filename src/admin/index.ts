/** The admin module: privileged roles with separation of duties, dual control, maintenance terminals, training records. */

export { mailAlertNotifier } from './alert-mail.ts';
export type { ConsoleGuard, ConsoleRoutes } from './console.ts';
export {
  type ApprovalRequest,
  type ApprovalStatus,
  DualControl,
  type DualControlExecutor,
  type DualControlKind,
  type JsonObject,
} from './dual-control.ts';
export type { AuditParameterTarget } from './executors.ts';
export { type RoleGrant, RoleGrants, type TrainingRecord } from './grants.ts';
export { adminMigrations } from './migrations.ts';
export {
  PUBLIC_NOTICE_KINDS,
  PUBLIC_NOTICE_TITLES,
  type PublicNotice,
  type PublicNoticeInput,
  type PublicNoticeKind,
  PublicNotices,
} from './notices.ts';
export {
  type AuthenticatedOperator,
  authenticateOperator,
  type OperatorAuthenticationDependencies,
  type OperatorCredentials,
  operatorUnauthenticated,
  requireOperatorPrivilege,
} from './operator-auth.ts';
export {
  isPolicyDocument,
  POLICY_DOCUMENT_TITLES,
  POLICY_ITEM_NAMES,
  POLICY_ITEMS,
  type PolicyItemName,
  type PolicyItemState,
  PolicyRegistry,
  type PolicyVersion,
  PUBLIC_POLICY_DOCUMENTS,
  type PublicPolicyDocument,
} from './policies.ts';
export {
  POLICY_PUBLISH_KIND,
  type PolicyPublishOptions,
  type PolicyRenderer,
  policyPublishExecutor,
} from './policy-publish.ts';
export { type PolicyRoutesOptions, policyRoutes } from './policy-routes.ts';
export {
  ADMIN_PRIVILEGES,
  type AdminPrivilege,
  PRIVILEGE_ROLES,
  type Privilege,
  privilegeCheckFor,
} from './privileges.ts';
export {
  type MyOperation,
  type MyPrivileges,
  type PrivilegesRoutesOptions,
  privilegesOf,
  privilegesRoutes,
} from './privileges-routes.ts';
export {
  findRoleConflict,
  isPrivileged,
  isRole,
  PRIVILEGED_ROLES,
  type PrivilegedRole,
  ROLE_NAMES,
  ROLES,
  type Role,
} from './roles.ts';
export { type AdminRoutesOptions, adminRoutes } from './routes.ts';
export {
  type AdminServices,
  type AdminSettings,
  type OpenAdminOptions,
  openAdminServices,
} from './service.ts';
export { type ApprovalRequestView, approvalRequestSchema, type MyPrivilegesView } from './shapes.ts';
export type { AdminTables } from './tables.ts';
export {
  clientCertificateOf,
  type MaintenanceTerminal,
  MaintenanceTerminals,
  type TerminalDecision,
} from './terminals.ts';
export {
  SERVICE_TERMINATION_KIND,
  ServiceTermination,
  serviceEndedAt,
  serviceTerminated,
  type TerminationPlan,
  type TerminationStep,
} from './termination.ts';
