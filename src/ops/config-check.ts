/**
 * `shomei config check`: the whole configuration checked without starting the server (issue #22) —
 * each check names its setting and says ok, failed, or why it was not run. Nothing is created: the
 * token is looked for, not initialised; a listener address is bound and released at once.
 */
import { existsSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import path from 'node:path';
import { loadCaSettings } from '../ca/index.ts';
import type { ShomeiConfig } from '../config/index.ts';
import { acquireLibrary, findTokenSlot, releaseLibrary } from '../crypto/index.ts';
import { describeError } from '../errors/index.ts';
import { externalTsaClient, loadExternalTsaSettings } from '../tsa/index.ts';
import { productionSafeguards } from './production-gate.ts';
import type { OpsSettings } from './settings.ts';
import { querySntp } from './sntp.ts';
import { assertTlsConfigured, checkTlsFiles } from './tls.ts';

export interface ConfigCheck {
  readonly check: string;
  readonly setting: string;
  readonly status: 'ok' | 'failed' | 'not-configured';
  readonly detail?: string | undefined;
}

async function attempt(
  check: string,
  setting: string,
  work: () => Promise<string | undefined> | string | undefined,
): Promise<ConfigCheck> {
  try {
    const detail = await work();
    return { check, setting, status: 'ok', detail };
  } catch (error) {
    const described = describeError(error);
    const detail =
      described.code === 'SHOMEI_INTERNAL'
        ? (error as Error).message
        : `${described.code}: ${described.message.en}`;
    return { check, setting, status: 'failed', detail };
  }
}

function tcpReachable(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.setTimeout(3000, () => socket.destroy(new Error(`no answer from ${host}:${port} in 3 s`)));
    socket.once('error', reject);
    socket.connect(port, host, () => {
      socket.end();
      resolve();
    });
  });
}

function bindable(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** The PKCS#11 module loads and the token with the configured label is there (or not yet, before init). */
function checkToken(config: ShomeiConfig): string {
  // The managed SoftHSM2 keeps its token under SHOMEI_HOME; its configuration is read, never written here.
  const managedConf = path.join(config.home, 'softhsm2.conf');
  if (config.pkcs11.managedSoftHsm && existsSync(managedConf)) process.env.SOFTHSM2_CONF = managedConf;
  const pkcs11 = acquireLibrary(config.pkcs11.modulePath);
  try {
    const slot = findTokenSlot(pkcs11, config.pkcs11.tokenLabel);
    return slot === undefined
      ? `token "${config.pkcs11.tokenLabel}" not found (run shomei init)`
      : `token "${config.pkcs11.tokenLabel}" present`;
  } finally {
    releaseLibrary(config.pkcs11.modulePath);
  }
}

const TSA_SETTINGS =
  'SHOMEI_TSA_URL, SHOMEI_TSA_TLS_CERT, SHOMEI_TSA_TLS_KEY, SHOMEI_TSA_TLS_CA, SHOMEI_TSA_USERNAME, SHOMEI_TSA_PASSWORD';

/**
 * The outside TSA asked by the TSA client's own probe, as /readyz does: its client certificate,
 * private CA and basic auth, so a TSA that refuses our credentials fails here, not at the first seal.
 */
async function checkTsa(ops: OpsSettings, env: NodeJS.ProcessEnv): Promise<ConfigCheck> {
  if (ops.tsaUrl === undefined)
    return {
      check: 'tsa',
      setting: 'SHOMEI_TSA_URL',
      status: 'not-configured',
      detail: 'embedded TSA (not accredited)',
    };
  return attempt('tsa', TSA_SETTINGS, async () => {
    const settings = loadExternalTsaSettings(env);
    if (settings === undefined) throw new Error('SHOMEI_TSA_URL is not set');
    const client = externalTsaClient(settings);
    const answer = await client.probe().finally(() => client.close());
    if (answer === 'unauthorised') throw new Error('the TSA refuses our credentials (HTTP 401 or 403)');
    const origin = new URL(settings.url).origin;
    if (answer === 'unreachable') throw new Error(`no usable answer from ${origin}`);
    return `${origin} answers this client`;
  });
}

export async function checkConfiguration(
  config: ShomeiConfig,
  ops: OpsSettings,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConfigCheck[]> {
  const checks: ConfigCheck[] = [];
  checks.push(
    await attempt('tls', 'SHOMEI_TLS_CERT, SHOMEI_TLS_KEY, SHOMEI_TLS_CLIENT_CA', () => {
      assertTlsConfigured(ops, config.environment);
      checkTlsFiles(ops);
      return ops.tls.certFile !== undefined
        ? 'files: key matches certificate'
        : ops.tls.embedded
          ? 'embedded CA certificate'
          : 'plain HTTP (development only)';
    }),
  );
  for (const row of productionSafeguards(config, env)) {
    if (config.environment !== 'production') break;
    checks.push({
      check: `safeguard:${row.safeguard}`,
      setting: row.setting,
      status: row.status === 'not-met' ? 'failed' : 'ok',
      detail: row.status === 'met' ? 'met' : `${row.status}: ${row.finding.en}`,
    });
  }
  checks.push(
    await attempt('ca-names', 'SHOMEI_CA_ORGANIZATION, SHOMEI_CA_COUNTRY, SHOMEI_CA_NAME_PREFIX', () => {
      loadCaSettings(config, env);
      return undefined;
    }),
  );
  checks.push(
    await attempt('pkcs11', 'SHOMEI_PKCS11_MODULE, SHOMEI_PKCS11_TOKEN_LABEL', () => checkToken(config)),
  );
  if (config.mail.smtpUrl === undefined) {
    checks.push(
      config.environment === 'development'
        ? {
            check: 'smtp',
            setting: 'SHOMEI_SMTP_URL',
            status: 'not-configured',
            detail: 'development outbox',
          }
        : {
            check: 'smtp',
            setting: 'SHOMEI_SMTP_URL',
            status: 'failed',
            detail: 'required outside development',
          },
    );
  } else {
    const url = new URL(config.mail.smtpUrl);
    const port = Number(url.port || (url.protocol === 'smtps:' ? 465 : 25));
    checks.push(
      await attempt('smtp', 'SHOMEI_SMTP_URL', async () => {
        await tcpReachable(url.hostname, port);
        return `${url.hostname}:${port} answers`;
      }),
    );
  }
  checks.push(await checkTsa(ops, env));
  if (ops.clock.ntpServer === undefined)
    checks.push({
      check: 'ntp',
      setting: 'SHOMEI_NTP_SERVER',
      status: 'not-configured',
      detail: 'host synchronisation trusted',
    });
  else {
    const server = ops.clock.ntpServer;
    checks.push(
      await attempt('ntp', 'SHOMEI_NTP_SERVER', async () => {
        const result = await querySntp(server);
        if (Math.abs(result.offsetMs) > ops.clock.maxOffsetMs)
          throw new Error(
            `offset ${Math.round(result.offsetMs)} ms exceeds SHOMEI_CLOCK_MAX_OFFSET_MS ${ops.clock.maxOffsetMs}`,
          );
        return `offset ${Math.round(result.offsetMs)} ms`;
      }),
    );
  }
  const listen = ops.metrics.listen;
  if (listen === undefined)
    checks.push({
      check: 'metrics-listener',
      setting: 'SHOMEI_METRICS_LISTEN',
      status: 'not-configured',
      detail: ops.metrics.enabled ? '/metrics on the public listener' : 'metrics off',
    });
  else
    checks.push(
      await attempt('metrics-listener', 'SHOMEI_METRICS_LISTEN', async () => {
        await bindable(listen.host, listen.port);
        return `${listen.host}:${listen.port} free`;
      }),
    );
  return checks;
}
