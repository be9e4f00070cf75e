/**
 * PAdES signing at B-B and B-LTA of a 1-page, a 100-page and a ~100 MB PDF, next to a plain streamed
 * SHA-256 of the same file measured in the same run. Keys in the HSM (SoftHSM2), timestamps from the
 * embedded TSA, revocation data from the embedded CA. Each measurement runs in its own process so that
 * peak RSS belongs to that operation. Target: B-LTA of 100 MB ≤ 1.5 × hash time + 1 s, RSS < 256 MB.
 * Run: npx tsx bench/pades.ts
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEmbeddedSigning, type SignatureLevel, signPdf } from '../src/ades/index.ts';
import { initialise, openShomei } from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log/index.ts';
import { writeSamplePdf } from '../test/ades/sample-pdf.ts';

interface Measurement {
  readonly ms: number;
  /** Peak RSS of the whole process, MiB. */
  readonly peakRssMiB: number;
  /** RSS just before the measured operation (application opened), MiB. */
  readonly baseRssMiB: number;
}

const rssMiB = (): number => process.memoryUsage().rss / 1024 / 1024;
const peakMiB = (): number => process.resourceUsage().maxRSS / 1024;

async function child(mode: string, file: string, home: string): Promise<Measurement> {
  if (mode === 'hash') {
    const base = rssMiB();
    const start = performance.now();
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }))
      hash.update(chunk as Buffer);
    hash.digest();
    return { ms: performance.now() - start, peakRssMiB: peakMiB(), baseRssMiB: base };
  }
  const config = loadConfig({ ...process.env, SHOMEI_HOME: home, SHOMEI_LOG_LEVEL: 'silent' });
  const shomei = await openShomei(config, createLogger({ level: 'silent' }));
  try {
    const signing = await openEmbeddedSigning(shomei);
    const sign = (input: string, output: string) =>
      signPdf({
        input,
        output,
        signer: signing.signer,
        certificateChain: signing.certificateChain,
        level: mode as SignatureLevel,
        tsa: signing.tsa,
        revocationSource: signing.revocationSource,
      });
    // A server signs in a warm process: one small signature first (HSM sessions, TSA, CA, JIT).
    const warmUp = `${file}.warm-up.pdf`;
    writeSamplePdf(warmUp, { pages: 1 });
    await sign(warmUp, `${warmUp}.signed.pdf`);
    rmSync(warmUp, { force: true });
    rmSync(`${warmUp}.signed.pdf`, { force: true });
    const output = `${file}.${mode}.signed.pdf`;
    const base = rssMiB();
    const start = performance.now();
    await sign(file, output);
    const ms = performance.now() - start;
    rmSync(output, { force: true });
    return { ms, peakRssMiB: peakMiB(), baseRssMiB: base };
  } finally {
    await shomei.close();
  }
}

function measure(mode: string, file: string, home: string): Measurement {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, '--child', mode, file, home],
    {
      encoding: 'utf8',
      env: { ...process.env, SHOMEI_LOG_LEVEL: 'silent' },
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{')) throw new Error(`${mode} failed: ${result.stderr}`);
  return JSON.parse(line) as Measurement;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'shomei-bench-pades-'));
  const home = path.join(dir, 'home');
  try {
    await initialise(loadConfig({ ...process.env, SHOMEI_HOME: home, SHOMEI_LOG_LEVEL: 'silent' }));
    const files = [
      {
        name: '1 page',
        file: path.join(dir, 'one.pdf'),
        make: (f: string) => writeSamplePdf(f, { pages: 1 }),
      },
      {
        name: '100 pages',
        file: path.join(dir, 'hundred.pdf'),
        make: (f: string) => writeSamplePdf(f, { pages: 100 }),
      },
      {
        name: '~100 MB',
        file: path.join(dir, 'large.pdf'),
        make: (f: string) => writeSamplePdf(f, { pages: 10, paddingBytes: 100 * 1024 * 1024 }),
      },
    ];
    // Sets up the e-seal key, CA and TSA once, outside the measurements.
    files[0]!.make(files[0]!.file);
    measure('B-B', files[0]!.file, home);
    console.log(
      'file        size(MB)  sha256(ms)  level  sign(ms)  ratio  target(ms)  peakRSS(MiB)  baseRSS(MiB)',
    );
    for (const { name, file, make } of files) {
      make(file);
      const size = statSync(file).size / 1024 / 1024;
      const hash = measure('hash', file, home);
      for (const level of ['B-B', 'B-LTA'] as const) {
        const signed = measure(level, file, home);
        const target = 1.5 * hash.ms + 1000;
        console.log(
          [
            name.padEnd(10),
            size.toFixed(1).padStart(9),
            hash.ms.toFixed(0).padStart(11),
            level.padStart(6),
            signed.ms.toFixed(0).padStart(9),
            (signed.ms / hash.ms).toFixed(1).padStart(6),
            `${target.toFixed(0)}${signed.ms <= target ? ' ok' : ' MISS'}`.padStart(11),
            `${signed.peakRssMiB.toFixed(0)}${signed.peakRssMiB < 256 ? ' ok' : ' MISS'}`.padStart(13),
            signed.baseRssMiB.toFixed(0).padStart(13),
          ].join(' '),
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const [, , , mode, file, home] = process.argv;
  child(mode!, file!, home!)
    .then((m) => {
      process.stdout.write(`${JSON.stringify(m)}\n`);
      process.exit(0);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    });
} else {
  await main();
}
