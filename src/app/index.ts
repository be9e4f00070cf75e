export {
  type BootstrapAssignment,
  type BootstrapOutcome,
  type BootstrapTraining,
  runBootstrapCeremony,
} from './bootstrap.ts';
export { type OperatorConsole, operatorConsole } from './console.ts';
export { type DemoAccount, ensureDemoAccounts } from './demo.ts';
export { type ReappliedDestructions, reapplyDestructionLog } from './destruction-reapply.ts';
export {
  acceptHsmConfiguration,
  checkHsmConfiguration,
  type HsmConfigurationCheck,
} from './hsm-configuration.ts';
export { type HsmConfigurationState, HsmConfigurationWatch } from './hsm-watch.ts';
export { KEY_COMPROMISE_KIND } from './key-compromise.ts';
export { type CompromiseProgress, reportKeyCompromise } from './key-compromise-request.ts';
export { type RekeyReport, rekey } from './key-hierarchy.ts';
export { documentValues, liveFacts, observedTrust } from './live-facts.ts';
export { allMigrations } from './migrations.ts';
export {
  type AuthenticatedOperator,
  authenticateOperator,
  decideApproval,
  type OperatorCredentials,
  type OperatorDoor,
  operatorFromSession,
  requestApproval,
  requirePrivilege,
  startOperatorSession,
} from './operator.ts';
export { dataPaths } from './paths.ts';
export { disclosureState, policyPublisher, renderPolicy } from './policy-documents.ts';
export { openSealSigning, type SealSigning } from './seal-signing.ts';
export { runServiceTermination, type TerminationRun } from './service-termination.ts';
export {
  type SettingDeclaration,
  settingsCatalogue,
  settingsCheck,
  settingsTable,
  undeclaredSettings,
} from './settings-catalogue.ts';
export { type InitialiseResult, initialise, openShomei, type Shomei } from './shomei.ts';
export { renewTsa, tsaRenewExecutor } from './tsa-renewal.ts';
export { type DocumentWork, openDocumentWork, type PortableValidationOptions } from './work.ts';
