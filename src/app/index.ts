export { type OperatorConsole, operatorConsole } from './console.ts';
export { type DemoAccount, describeDemoAccounts, ensureDemoAccounts } from './demo.ts';
export { allMigrations } from './migrations.ts';
export { dataPaths } from './paths.ts';
export { type InitialiseResult, initialise, openShomei, type Shomei } from './shomei.ts';
export { renewTsa, tsaRenewExecutor } from './tsa-renewal.ts';
export { type DocumentWork, openDocumentWork, type PortableValidationOptions } from './work.ts';
