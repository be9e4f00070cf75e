/**
 * Seeded fuzzing of validation on a document with two shomei signatures and a document timestamp
 * (B-LT, then B-LTA). Every mutant must end either in a typed SHOMEI_… error with Japanese and
 * English text or in a report with a verdict per signature; a mutant whose bytes differ from the
 * original is never TOTAL_PASSED (the document timestamp covers every byte outside its own hole);
 * one changed hex digit inside one CMS, or one damaged DSS certificate, leaves the other signatures
 * validated. SHOMEI_FUZZ_COUNT (default 200) and SHOMEI_FUZZ_SEED choose the run;
 * `npm run fuzz:validation` runs 3,000.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { isShomeiError } from '../../src/errors/index.ts';
import { listSignatures, openPdf, PdfArray, PdfRef } from '../../src/pdf/index.ts';
import { type ValidationReport, validatePdf } from '../../src/validation/index.ts';
import { type Corpus, openCorpus } from './corpus.ts';

const COUNT = Number(process.env.SHOMEI_FUZZ_COUNT ?? 200);
const SEED = Number(process.env.SHOMEI_FUZZ_SEED ?? 14);

/** mulberry32: a reproducible sequence for a seed (node:crypto has no seeded generator; nothing secret here). */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Holes {
  /** [start, end) of each /Contents hex string, by signature. */
  readonly holes: readonly (readonly [number, number])[];
  /** Offsets of DSS certificate stream data. */
  readonly dssCertificates: readonly number[];
}

let corpus: Corpus;
let original: Buffer;
let layout: Holes;

async function layoutOf(bytes: Buffer): Promise<Holes> {
  const holes = (await listSignatures(bytes)).map((s) => [s.byteRange![1]!, s.byteRange![2]!] as const);
  const reader = await openPdf(bytes);
  try {
    const certs = reader.resolve(reader.dict(reader.catalog.get('DSS'))?.get('Certs'));
    const offsets = (certs instanceof PdfArray ? certs.items : [])
      .map((item) => (item instanceof PdfRef ? reader.objectOffset(item) : undefined))
      .filter((o): o is number => o !== undefined)
      .map((o) => bytes.indexOf('stream', o) + 'stream\n'.length);
    return { holes, dssCertificates: offsets };
  } finally {
    reader.close();
  }
}

before(async () => {
  corpus = await openCorpus();
  const first = await corpus.sign('B-LT');
  original = readFileSync(await corpus.sign('B-LTA', { source: first }));
  layout = await layoutOf(original);
});
after(async () => corpus.close());

const validate = (bytes: Buffer) => validatePdf(bytes, { trustAnchors: [corpus.root] });

type Mutant = { readonly kind: string; readonly bytes: Buffer };

/** One seeded mutant: byte flips anywhere, inside a CMS, inside a DSS certificate, truncation, token damage. */
function mutate(random: () => number): Mutant {
  const bytes = Buffer.from(original);
  const at = (n: number) => Math.floor(random() * n);
  const choice = at(6);
  if (choice === 0) {
    for (let i = 1 + at(4); i > 0; i -= 1) {
      const pos = at(bytes.length);
      bytes[pos] = bytes[pos]! ^ (1 + at(255));
    }
    return { kind: 'flip', bytes };
  }
  if (choice === 1) {
    const [start, end] = layout.holes[at(layout.holes.length)]!;
    const pos = start + 1 + at(Math.min(end - start - 2, 4000));
    bytes[pos] = bytes[pos] === 0x30 ? 0x41 : 0x30;
    return { kind: 'cms-hex-digit', bytes };
  }
  if (choice === 2 && layout.dssCertificates.length > 0) {
    const pos = layout.dssCertificates[at(layout.dssCertificates.length)]! + at(64);
    bytes[pos] = bytes[pos]! ^ 0xff;
    return { kind: 'dss-certificate', bytes };
  }
  if (choice === 3) return { kind: 'truncate', bytes: bytes.subarray(0, at(bytes.length)) };
  if (choice === 4) {
    const tokens = ['obj', 'endobj', 'stream', 'xref', 'trailer', 'R', '/Type', '<<', '>>', '['];
    const token = tokens[at(tokens.length)]!;
    let pos = bytes.indexOf(token, at(bytes.length));
    if (pos < 0) pos = bytes.indexOf(token);
    bytes.write('#'.repeat(token.length), pos, 'latin1');
    return { kind: 'token', bytes };
  }
  const pos = at(bytes.length);
  bytes[pos] = 0x30 + at(10);
  return { kind: 'digit', bytes };
}

/**
 * Every byte is covered by some signature's /ByteRange except the /Contents hole of the newest one
 * (the document timestamp): its zero padding after the DER value is signed by nobody.
 */
function signedBytesChanged(bytes: Buffer): boolean {
  if (bytes.length !== original.length) return true;
  const [start, end] = layout.holes.reduce((a, b) => (b[0] > a[0] ? b : a));
  for (let i = 0; i < bytes.length; i += 1)
    if (bytes[i] !== original[i] && (i < start || i >= end)) return true;
  return false;
}

function checkReport(report: ValidationReport, mutant: Mutant, label: string): void {
  assert.ok(report.signatures.length > 0, label);
  for (const s of report.signatures) {
    assert.ok(['TOTAL_PASSED', 'INDETERMINATE', 'TOTAL_FAILED'].includes(s.indication), label);
    if (s.indication !== 'TOTAL_PASSED')
      assert.ok(s.reasons.length > 0 && s.reasons[0]!.ja && s.reasons[0]!.en, label);
  }
  if (signedBytesChanged(mutant.bytes)) assert.notEqual(report.indication, 'TOTAL_PASSED', label);
  if (mutant.kind === 'cms-hex-digit' || mutant.kind === 'dss-certificate')
    assert.equal(report.signatures.length, 3, `${label}: every signature still has a verdict`);
}

describe(`validation fuzz (seed ${SEED}, ${COUNT} mutants)`, () => {
  it('the unmutated document passes: the mutants start from a valid file', async () => {
    const report = await validate(original);
    assert.equal(report.indication, 'TOTAL_PASSED', JSON.stringify(report.signatures.map((s) => s.reasons)));
    assert.equal(report.signatures.length, 3);
    assert.ok(layout.dssCertificates.length > 0);
  });

  it('every mutant: a typed error or a verdict per signature, never a pass with changed bytes', async (t) => {
    const random = generator(SEED);
    const seen = new Map<string, number>();
    /** What became of the mutants of each kind: typed error, report not passed, report passed. */
    const outcomes = new Map<string, { error: number; notPassed: number; passed: number }>();
    for (let i = 0; i < COUNT; i += 1) {
      const mutant = mutate(random);
      const label = `mutant ${i} (${mutant.kind}, seed ${SEED})`;
      let report: ValidationReport | undefined;
      try {
        report = await validate(mutant.bytes);
      } catch (error) {
        assert.ok(isShomeiError(error), `${label}: untyped ${String(error)}`);
        assert.match(error.code, /^SHOMEI_/, label);
        assert.ok(error.messages.ja && error.messages.en, label);
        assert.notEqual(mutant.kind, 'cms-hex-digit', `${label}: a damaged CMS is that signature's verdict`);
        assert.notEqual(
          mutant.kind,
          'dss-certificate',
          `${label}: a damaged DSS is not the document's error`,
        );
      }
      if (report) checkReport(report, mutant, label);
      seen.set(mutant.kind, (seen.get(mutant.kind) ?? 0) + 1);
      const tally = outcomes.get(mutant.kind) ?? { error: 0, notPassed: 0, passed: 0 };
      if (report === undefined) tally.error += 1;
      else if (report.indication === 'TOTAL_PASSED') tally.passed += 1;
      else tally.notPassed += 1;
      outcomes.set(mutant.kind, tally);
    }
    t.diagnostic(`outcomes by kind: ${JSON.stringify(Object.fromEntries(outcomes))}`);
    // Each kind of damage was tried: the generator did not collapse onto one.
    assert.equal(seen.size, 6, JSON.stringify([...seen]));
  });
});
