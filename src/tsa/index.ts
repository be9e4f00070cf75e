/**
 * RFC 3161 time-stamping: the embedded TSA (server over HTTP at POST /tsa, and in-process), and a
 * client for any TSA URL. Both implement TimestampSource, whose `timestamp(digest, algorithm)`
 * returns the token DER (it fits src/ades's TimestampAuthority port).
 */
export { buildTimestampQuery, TsaClient } from './client.ts';
export { tsaErrors } from './errors.ts';
export {
  type GuardedTimestampOptions,
  GuardedTimestampSource,
  type TimestampFailure,
} from './guarded-source.ts';
export { tsaMigrations } from './migrations.ts';
export { type TsaRoutesOptions, tsaRoutes } from './routes.ts';
export {
  DEVELOPMENT_TSA_POLICY_OID,
  type ExternalTsaSettings,
  externalTsaClient,
  loadExternalTsaSettings,
  loadTsaSettings,
  tsaSettingsSchema,
} from './settings.ts';
export type { TsaTables } from './tables.ts';
export {
  EMBEDDED_TSA_SUBJECT,
  EmbeddedTsa,
  type EmbeddedTsaDependencies,
  type TsaCertificateStatus,
  type TsaRenewal,
  type TsaRenewalRequest,
  type TsaSetupDependencies,
} from './timestamp-authority.ts';
export { checkTimestampReply, checkTimestampToken } from './token-check.ts';
export type { TsaTls } from './transport.ts';
export type {
  TimestampRequestOptions,
  TimestampSource,
  TimestampToken,
  TokenCheckOptions,
  TsaClientOptions,
  TsaSettings,
} from './types.ts';
