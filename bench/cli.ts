/**
 * Start-up of the `shomei` command (issue #20): wall time of `--version`, `--help`, `verify` of a
 * 1-page PDF and `sign --level B-B` of a 1-page PDF, next to `node -e 0` in the same run; then the
 * whole command `sign --level B-LTA` of a ~10 MB PDF next to the in-process signing call for the same
 * file, with the difference. Medians of 5 runs each. Run: npx tsx bench/cli.ts
 * (bin/shomei.js runs the prebuilt dist/cli when it is newer than every source, ADR 031: run
 * scripts/setup.sh first; SHOMEI_RUN_FROM=dist|src picks one in a tree that others are editing).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { openEmbeddedSigning, signPdf } from '../src/ades/index.ts';
import { openShomei } from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log/index.ts';
import { makeTeam } from '../test/helpers/operators.ts';

const RUNS = 5;
const bin = path.resolve(import.meta.dirname, '..', 'bin', 'shomei.js');
const work = mkdtempSync(path.join(tmpdir(), 'shomei-bench-cli-'));
const home = path.join(work, 'home');
const settings = { SHOMEI_HOME: home, SHOMEI_LOG_LEVEL: 'silent' };
/** The provider's e-seal signs for an authenticated operator (ADR 019): a session file, set after init. */
let env: NodeJS.ProcessEnv = { ...process.env, ...settings };

/** A PDF of one text page, plus one opaque stream of `padBytes` (for the ~10 MB case). */
function writePdf(file: string, padBytes: number): void {
  const parts: Buffer[] = [Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets: number[] = [];
  let position = parts[0]!.length;
  const object = (body: Buffer | string): void => {
    offsets.push(position);
    const chunk = Buffer.concat([
      Buffer.from(`${offsets.length} 0 obj\n`, 'latin1'),
      typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
      Buffer.from('\nendobj\n', 'latin1'),
    ]);
    parts.push(chunk);
    position += chunk.length;
  };
  const text = 'BT /F1 24 Tf 72 720 Td (shomei bench) Tj ET';
  object('<< /Type /Catalog /Pages 2 0 R >>');
  object('<< /Type /Pages /Kids [4 0 R] /Count 1 /MediaBox [0 0 595 842] >>');
  object('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  object(
    `<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 3 0 R >> /XObject << /Pad 6 0 R >> >> /Contents 5 0 R >>`,
  );
  object(`<< /Length ${text.length} >>\nstream\n${text}\nendstream`);
  const pad = Buffer.alloc(padBytes, 0x41);
  object(
    Buffer.concat([
      Buffer.from(`<< /Type /XObject /Subtype /Form /BBox [0 0 1 1] /Length ${pad.length} >>\nstream\n`),
      pad,
      Buffer.from('\nendstream'),
    ]),
  );
  const xref = [`xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n`];
  for (const offset of offsets) xref.push(`${String(offset).padStart(10, '0')} 00000 n \n`);
  xref.push(`trailer\n<< /Size ${offsets.length + 1} /Root 1 0 R >>\nstartxref\n${position}\n%%EOF\n`);
  parts.push(Buffer.from(xref.join(''), 'latin1'));
  writeFileSync(file, Buffer.concat(parts));
}

function wall(args: readonly string[], extra: NodeJS.ProcessEnv = {}): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env: { ...env, ...extra }, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0 && !(args.includes('verify') && result.status === 1)) {
    throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  }
  return ms;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

interface Figure {
  readonly median: number;
  readonly best: number;
}

/** RUNS runs: the median, and the best, which on a shared machine says more about the code itself. */
function measure(label: string, args: readonly string[], extra: NodeJS.ProcessEnv = {}): Figure {
  const times = Array.from({ length: RUNS }, () => wall(args, extra));
  const figure = { median: median(times), best: Math.min(...times) };
  console.log(
    `${label.padEnd(34)} ${figure.median.toFixed(0).padStart(6)} ms median ${figure.best.toFixed(0).padStart(6)} ms best`,
  );
  return figure;
}

try {
  wall([bin, 'init']);
  const team = await makeTeam(
    { home, config: loadConfig(settings), env: settings, remove: () => undefined },
    ['security_officer', 'system_operator'],
  );
  env = { ...process.env, ...team.system_operator.env };
  const one = path.join(work, 'one.pdf');
  const big = path.join(work, 'big.pdf');
  writePdf(one, 0);
  writePdf(big, 10 * 1024 * 1024);
  wall([bin, 'sign', one, '-o', path.join(work, 'one-signed.pdf'), '--level', 'B-B']);

  const baseline = measure('node -e 0 (baseline)', ['-e', '0']);
  const figures: Record<string, Figure> = {
    '--version': measure('shomei --version', [bin, '--version']),
    '--help': measure('shomei --help', [bin, '--help']),
    verify: measure('shomei verify (1 page)', [bin, 'verify', path.join(work, 'one-signed.pdf')]),
    'sign B-B': measure('shomei sign --level B-B (1 page)', [
      bin,
      'sign',
      one,
      '-o',
      path.join(work, 'one-bb.pdf'),
      '--level',
      'B-B',
    ]),
  };
  for (const [name, { median: ms, best }] of Object.entries(figures)) {
    console.log(
      `  ${name.padEnd(10)} over node -e 0: median ${(ms - baseline.median).toFixed(0)} ms (${(ms / baseline.median).toFixed(2)}×), best ${(best - baseline.best).toFixed(0)} ms (${(best / baseline.best).toFixed(2)}×)`,
    );
  }
  // The same two commands compiled from source (ADR 044): what the code cache saves, in this run.
  const uncached = { SHOMEI_CODE_CACHE: 'off' };
  const verifyArgs = [bin, 'verify', path.join(work, 'one-signed.pdf')];
  const signArgs = [bin, 'sign', one, '-o', path.join(work, 'one-bb.pdf'), '--level', 'B-B'];
  for (const [name, args] of [
    ['verify', verifyArgs],
    ['sign B-B', signArgs],
  ] as const) {
    const off = measure(`  ${name}, no code cache`, args, uncached);
    const on = figures[name]!;
    console.log(
      `  ${name.padEnd(10)} with the code cache: ${(on.median / off.median).toFixed(2)}× the median without it (${(off.median - on.median).toFixed(0)} ms saved)`,
    );
  }

  const whole = median(
    Array.from({ length: 3 }, () =>
      wall([bin, 'sign', big, '-o', path.join(work, 'big-lta.pdf'), '--level', 'B-LTA']),
    ),
  );
  const shomei = await openShomei(loadConfig(env), createLogger({ level: 'silent' }));
  const inProcess: number[] = [];
  try {
    const signing = await openEmbeddedSigning(shomei);
    for (let i = 0; i < 3; i += 1) {
      const started = process.hrtime.bigint();
      await signPdf({
        input: big,
        output: path.join(work, `big-lta-${i}.pdf`),
        signer: signing.signer,
        certificateChain: signing.certificateChain,
        level: 'B-LTA',
        tsa: signing.tsa,
        revocationSource: signing.revocationSource,
        signingTime: new Date(),
        page: 0,
      });
      inProcess.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  } finally {
    await shomei.close();
  }
  const call = median(inProcess);
  console.log(`10 MB B-LTA whole command            ${whole.toFixed(0).padStart(6)} ms`);
  console.log(`10 MB B-LTA in-process signPdf       ${call.toFixed(0).padStart(6)} ms`);
  console.log(`difference (target ≤ 300 ms)         ${(whole - call).toFixed(0).padStart(6)} ms`);
  console.log(
    `run from ${process.env.SHOMEI_RUN_FROM ?? 'dist/cli if current, else src'}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
