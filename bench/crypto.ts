/**
 * Signatures per second through CryptoModule, next to a tight raw pkcs11js loop on the same token
 * and `openssl speed` for the same algorithms, all measured in this run. Prints ratios; the target is
 * CryptoModule ≥ 0.8 × raw pkcs11js, with one session and with two concurrent sessions.
 *
 *   npx tsx bench/crypto.ts [seconds-per-measurement]
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pkcs11js from 'pkcs11js';
import { initialise, openShomei } from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { digestInfo, findTokenSlot, type KeyAlgorithm, readPinFile } from '../src/crypto/index.ts';
import { createLogger } from '../src/log/index.ts';

const seconds = Number(process.argv[2] ?? 2);
const home = mkdtempSync(path.join(tmpdir(), 'shomei-bench-'));
const config = loadConfig({ SHOMEI_HOME: home, SHOMEI_PKCS11_SESSIONS: '2' });
await initialise(config);
const shomei = await openShomei(config, createLogger({ level: 'silent' }));

async function rate(concurrency: number, once: (worker: number) => Promise<unknown>): Promise<number> {
  const slice = seconds / SLICES;
  const end = performance.now() + slice * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < end) {
        await once(worker);
        count += 1;
      }
    }),
  );
  return count / slice;
}

const SLICES = 6;

/**
 * The baseline and the candidate measured in alternating slices (ABBA…), so that a change in the
 * machine's load during the run weighs on both alike instead of on whichever ran second.
 */
async function interleaved(
  baseline: () => Promise<number>,
  candidate: () => Promise<number>,
): Promise<[number, number]> {
  let a = 0;
  let b = 0;
  for (let i = 0; i < SLICES; i++) {
    if (i % 2 === 0) {
      a += await baseline();
      b += await candidate();
    } else {
      b += await candidate();
      a += await baseline();
    }
  }
  return [a / SLICES, b / SLICES];
}

/** A separate raw pkcs11js handle on the same token: C_SignInit + C_Sign with nothing around it. */
function rawPkcs11(keyId: string, ec: boolean): { sync: () => void; async: (i: number) => Promise<unknown> } {
  const p = new pkcs11js.PKCS11();
  p.load(config.pkcs11.modulePath);
  try {
    p.C_Initialize();
  } catch {
    // Already initialised by CryptoModule in this process: pkcs11js shares the loaded library.
  }
  const slot = findTokenSlot(p, config.pkcs11.tokenLabel)!;
  const sessions = [0, 1].map(() =>
    p.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION),
  );
  try {
    p.C_Login(sessions[0]!, pkcs11js.CKU_USER, readPinFile(config.pkcs11.pinFile).userPin);
  } catch {
    // Login state is shared with CryptoModule's sessions.
  }
  p.C_FindObjectsInit(sessions[0]!, [
    { type: pkcs11js.CKA_ID, value: Buffer.from(keyId, 'hex') },
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
  ]);
  const key = p.C_FindObjects(sessions[0]!, 1)[0]!;
  p.C_FindObjectsFinal(sessions[0]!);
  const digest = createHash('sha256').update('bench').digest();
  const input = ec ? digest : digestInfo('SHA-256', digest);
  const mechanism = { mechanism: ec ? pkcs11js.CKM_ECDSA : pkcs11js.CKM_RSA_PKCS };
  const out = [Buffer.alloc(1024), Buffer.alloc(1024)];
  return {
    sync: () => {
      p.C_SignInit(sessions[0]!, mechanism, key);
      p.C_Sign(sessions[0]!, input, out[0]!);
    },
    async: (i: number) => {
      p.C_SignInit(sessions[i]!, mechanism, key);
      return p.C_SignAsync(sessions[i]!, input, out[i]!);
    },
  };
}

function opensslSpeed(algorithm: KeyAlgorithm): number {
  const args =
    algorithm === 'RSA-2048'
      ? ['speed', '-seconds', String(seconds), 'rsa2048']
      : ['speed', '-seconds', String(seconds), 'ecdsap256'];
  const out = spawnSync('openssl', args, { encoding: 'utf8' }).stdout;
  const line = out
    .split('\n')
    .find((l) => (algorithm === 'RSA-2048' ? /^rsa\s+2048/ : /256 bits ecdsa/).test(l.trim()));
  const numbers = (line ?? '')
    .trim()
    .split(/\s+/)
    .map(Number)
    .filter((n) => Number.isFinite(n));
  // Columns: … sign verify sign/s verify/s — sign/s is the second to last number.
  return numbers[numbers.length - 2] ?? Number.NaN;
}

const rows: string[] = [];
let worst = Number.POSITIVE_INFINITY;
for (const algorithm of ['RSA-2048', 'EC-P256'] as const) {
  const key = await shomei.crypto.generateSigningKey(algorithm, `bench-${algorithm}`);
  const ec = algorithm === 'EC-P256';
  const raw = rawPkcs11(key.id, ec);
  const digest = createHash('sha256').update(randomBytes(16)).digest();
  const viaModule = () => shomei.crypto.signDigest(key.id, digest, { digestAlgorithm: 'SHA-256' });

  const [raw1, mod1] = await interleaved(
    () => rate(1, async () => raw.sync()),
    () => rate(1, viaModule),
  );
  const [raw2, mod2] = await interleaved(
    () => rate(2, (worker) => raw.async(worker)),
    () => rate(2, viaModule),
  );
  const openssl = opensslSpeed(algorithm);
  worst = Math.min(worst, mod1 / raw1, mod2 / raw2);
  rows.push(
    `${algorithm.padEnd(9)} 1 session: module ${mod1.toFixed(0).padStart(6)}/s raw ${raw1.toFixed(0).padStart(6)}/s ratio ${(mod1 / raw1).toFixed(2)} | 2 sessions: module ${mod2.toFixed(0).padStart(6)}/s raw ${raw2.toFixed(0).padStart(6)}/s ratio ${(mod2 / raw2).toFixed(2)} | openssl speed 1 core ${openssl.toFixed(0)}/s (module/openssl ${(mod1 / openssl).toFixed(2)})`,
  );
}
console.log(`bench/crypto (${seconds}s per measurement, SoftHSM2 at ${config.pkcs11.modulePath})`);
for (const row of rows) console.log(row);
console.log(
  `lowest CryptoModule/raw ratio: ${worst.toFixed(2)} (target ≥ 0.80) ${worst >= 0.8 ? 'MET' : 'NOT MET'}`,
);
await shomei.close();
rmSync(home, { recursive: true, force: true });
