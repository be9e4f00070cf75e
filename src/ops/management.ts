/**
 * The management listener (SHOMEI_METRICS_LISTEN): /metrics on its own address, so that metrics can
 * stay on the monitoring network while the public listener serves none (issue #22). Plain HTTP,
 * like Prometheus scrapes by default; bind it to a loopback or monitoring-only interface.
 */
import Fastify from 'fastify';
import { shomeiError } from '../errors/index.ts';
import { opsMetrics } from './metrics.ts';
import { collectMetrics, type MetricsSources } from './metrics-collect.ts';
import type { OpsSettings } from './settings.ts';

export interface ManagementListener {
  readonly address: string;
  close(): Promise<void>;
}

export async function startManagementListener(
  settings: OpsSettings,
  sources: MetricsSources,
): Promise<ManagementListener | undefined> {
  const listen = settings.metrics.listen;
  if (listen === undefined || !settings.metrics.enabled) return undefined;
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) =>
    reply.type(opsMetrics().registry.contentType).send(await collectMetrics(sources)),
  );
  try {
    const address = await app.listen({ host: listen.host, port: listen.port });
    return { address, close: () => app.close() };
  } catch (error) {
    await app.close();
    throw listenFailed('SHOMEI_METRICS_LISTEN', `${listen.host}:${listen.port}`, error);
  }
}

/** A listener that could not bind, naming the setting: the port is taken, or the address is not ours. */
export function listenFailed(setting: string, where: string, cause: unknown): Error {
  const code = (cause as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    return shomeiError(
      'SHOMEI_PORT_IN_USE',
      `設定 ${setting} のアドレス ${where} は既に使われています。別のプロセスを止めるか、別のポートを指定してください。`,
      `Setting ${setting}: the address ${where} is already in use. Stop the other process or choose another port.`,
      { status: 500, details: { setting, address: where }, cause },
    );
  }
  return shomeiError(
    'SHOMEI_LISTEN_FAILED',
    `設定 ${setting} のアドレス ${where} で待ち受けできません (${code ?? 'error'})。`,
    `Setting ${setting}: cannot listen on ${where} (${code ?? 'error'}).`,
    { status: 500, details: { setting, address: where, reason: code ?? null }, cause },
  );
}
