/**
 * Embedded TSA throughput: timestamps per second over HTTP on loopback and in-process, next to the
 * raw signing rate of the TSA's own HSM key measured in the same run, printed as ratios.
 * Run: npx tsx bench/tsa.ts [seconds-per-phase]
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { initialise, openShomei } from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { digestSignerFor } from '../src/crypto/index.ts';
import { createLogger } from '../src/log/index.ts';
import { buildServer } from '../src/server/index.ts';
import { buildTimestampQuery, checkTimestampReply } from '../src/tsa/index.ts';

const seconds = Number(process.argv[2] ?? '3');
const home = mkdtempSync(path.join(tmpdir(), 'shomei-bench-tsa-'));
const config = loadConfig({ ...process.env, SHOMEI_HOME: home, SHOMEI_LOG_LEVEL: 'silent' });
await initialise(config);
const shomei = await openShomei(config, createLogger({ level: 'silent' }));
const concurrency = Math.max(2, config.pkcs11.sessions) * 2;

/** Runs `work` with `concurrency` loops for `seconds`, returns completed operations per second. */
async function rate(work: () => Promise<void>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await work();
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

try {
  const digest = createHash('sha256').update('bench').digest();
  const keyId = (await shomei.keys.findActiveByPurpose('tsa'))[0]?.key_id;
  if (keyId === undefined) throw new Error('no TSA key');
  const signer = await digestSignerFor(shomei.crypto, keyId);

  const server = await buildServer(shomei);
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  if (address === null || typeof address !== 'object') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}/tsa`;
  const { query, nonce } = buildTimestampQuery(digest, 'SHA-256');
  // node:http with a keep-alive agent: fetch (undici) in the same process costs more CPU per request
  // than the server does, and would be measured instead of the TSA.
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const post = (): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/timestamp-query', 'content-length': query.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(query);
    });
  // Every reply in the run must be a granted, valid timestamp; check one fully before timing.
  checkTimestampReply(await post(), {
    digest,
    digestAlgorithm: 'SHA-256',
    ...(nonce === undefined ? {} : { nonce }),
  });
  await rate(async () => void (await signer.signDigest(digest, 'SHA-256'))); // warm-up

  const raw = await rate(async () => void (await signer.signDigest(digest, 'SHA-256')));
  const inProcess = await rate(async () => void (await shomei.tsa.timestamp(digest, 'SHA-256')));
  const http = await rate(async () => {
    const reply = await post();
    if (reply[0] !== 0x30) throw new Error('not a reply');
  });
  agent.destroy();
  await server.close();

  const row = (name: string, value: number) =>
    `${name.padEnd(40)} ${value.toFixed(0).padStart(8)} /s   ${(value / raw).toFixed(2).padStart(5)} × raw`;
  process.stdout.write(
    [
      `embedded TSA, ${signer.algorithm} key in the HSM, ${concurrency} in flight, ${seconds} s per phase`,
      row('raw signDigest (baseline)', raw),
      row('in-process timestamp (EmbeddedTsa)', inProcess),
      row('HTTP POST /tsa on loopback', http),
      '',
    ].join('\n'),
  );
} finally {
  await shomei.close();
  rmSync(home, { recursive: true, force: true });
}
