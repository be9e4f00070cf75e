/**
 * The validation policy as data (issue #21 Deliver 3): the report names the policy applied (name and
 * digest); a policy that turns one FAIL into WARN changes exactly that verdict and nothing else in
 * the report; WARN raised to FAIL and lowered to INFORM move the finding; findings that say the signed
 * content is not what was signed cannot be lowered; a bad policy is a typed error, through the API
 * function, `shomei verify --policy` (exit 2) and `POST /api/verify`'s `policy` part alike.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isShomeiError } from '../../src/errors/index.ts';
import { parseCertificate } from '../../src/pki/index.ts';
import {
  DEFAULT_POLICY,
  parsePolicy,
  type ValidationPolicy,
  type ValidationReport,
  validatePdf,
} from '../../src/validation/index.ts';
import { runShomei } from '../helpers/run.ts';
import { type Corpus, openCorpus } from './corpus.ts';
import { opensslPki, pdfsigSign } from './independent.ts';

const SHIPPED = path.resolve(import.meta.dirname, '../../src/validation/default-policy.json');

let corpus: Corpus;
let anchors: Buffer[];
/** S1: shomei B-LT, TOTAL_PASSED; S2: pdfsig after it, TRY_LATER (its CA publishes no revocation data). */
let twoSigned: Buffer;
/** One validation time for every run, after the certificates were issued. */
let at: Date;

before(async () => {
  corpus = await openCorpus();
  const pki = opensslPki(corpus.file('independent'));
  anchors = [corpus.root, parseCertificate(readFileSync(pki.rootPem, 'utf8')).der];
  const ours = await corpus.sign('B-LT');
  const countersigned = corpus.file('policy-two-signatures.pdf');
  pdfsigSign(pki, ours, countersigned);
  twoSigned = readFileSync(countersigned);
  at = new Date();
});
after(async () => corpus.close());

/** The shipped default policy with some changes, through the same parser a user's file goes through. */
interface PolicyJson {
  name: string;
  thresholds: Record<string, number>;
  constraints: Record<string, string>;
}
const shipped = (): PolicyJson => JSON.parse(readFileSync(SHIPPED, 'utf8'));

function variant(change: (policy: PolicyJson) => void): ValidationPolicy {
  const json = shipped();
  change(json);
  return parsePolicy(JSON.stringify(json));
}

const validate = (policy?: ValidationPolicy) =>
  validatePdf(twoSigned, { trustAnchors: anchors, validationTime: at, ...(policy ? { policy } : {}) });

function policyError(text: string): { code: string; ja: string; en: string } {
  try {
    parsePolicy(text);
  } catch (error) {
    assert.ok(isShomeiError(error));
    return { code: error.code, ...error.messages };
  }
  assert.fail('the policy was accepted');
}

describe('validation policy', () => {
  it('the default policy: the shipped file, named in the report with the digest of its content', async () => {
    const report = await validate();
    assert.equal(report.policy.name, 'shomei-default-2026');
    assert.match(report.policy.digest, /^[0-9a-f]{64}$/);
    assert.equal(report.policy.digest, DEFAULT_POLICY.digest);
    const reformatted = JSON.stringify(JSON.parse(readFileSync(SHIPPED, 'utf8')), null, 7);
    assert.equal(
      parsePolicy(reformatted).digest,
      DEFAULT_POLICY.digest,
      'layout does not change the identity',
    );
    assert.notEqual(variant((p) => (p.thresholds.claimedTimeToleranceMs = 1)).digest, DEFAULT_POLICY.digest);
    const [s1, s2] = report.signatures;
    assert.equal(s1!.indication, 'TOTAL_PASSED', JSON.stringify(s1!.reasons));
    assert.equal(s2!.subIndication, 'TRY_LATER');
    assert.equal(s2!.reasons[0]!.code, 'REVOCATION_DATA_MISSING');
    assert.equal(report.indication, 'INDETERMINATE');
  });

  it('REVOCATION_DATA_MISSING set to WARN changes exactly that verdict', async () => {
    const policy = variant((p) => {
      p.name = 'test: missing revocation data is a warning';
      p.constraints.REVOCATION_DATA_MISSING = 'WARN';
    });
    const [before, after] = [await validate(), await validate(policy)];
    const s2 = after.signatures[1]!;
    assert.equal(s2.indication, 'TOTAL_PASSED');
    assert.equal(s2.subIndication, undefined);
    assert.deepEqual(s2.reasons, []);
    assert.deepEqual(s2.warnings, [...before.signatures[1]!.reasons, ...before.signatures[1]!.warnings]);
    assert.equal(after.indication, 'TOTAL_PASSED');
    assert.deepEqual(after.policy, { ...before.policy, name: policy.name, digest: policy.digest });
    // Everything else is the same report.
    const rest = (r: ValidationReport) => ({
      ...r,
      indication: undefined,
      policy: undefined,
      signatures: r.signatures.map((s, i) =>
        i === 1 ? { ...s, indication: undefined, subIndication: undefined, reasons: [], warnings: [] } : s,
      ),
    });
    assert.deepEqual(rest(after), rest(before));
  });

  it('a warning raised to FAIL fails the signature as a constraint; lowered to INFORM it is only recorded', async () => {
    const base = (await validate()).signatures[0]!;
    assert.ok(
      base.warnings.some((w) => w.code === 'PERMITTED_CHANGES'),
      JSON.stringify(base.warnings),
    );
    const strict = (await validate(variant((p) => (p.constraints.PERMITTED_CHANGES = 'FAIL'))))
      .signatures[0]!;
    assert.equal(strict.indication, 'INDETERMINATE');
    assert.equal(strict.subIndication, 'SIG_CONSTRAINTS_FAILURE');
    assert.equal(strict.reasons[0]!.code, 'PERMITTED_CHANGES');
    assert.ok(!strict.warnings.some((w) => w.code === 'PERMITTED_CHANGES'));
    const quiet = (await validate(variant((p) => (p.constraints.PERMITTED_CHANGES = 'INFORM'))))
      .signatures[0]!;
    assert.equal(quiet.indication, 'TOTAL_PASSED');
    assert.ok(!quiet.warnings.some((w) => w.code === 'PERMITTED_CHANGES'));
    assert.deepEqual(
      quiet.information?.map((r) => r.code),
      ['PERMITTED_CHANGES'],
    );
  });

  it('refuses a policy that lowers a locked constraint, names an unknown one, or is not a policy', () => {
    const policy = shipped();
    const cases: [string, RegExp][] = [
      [
        JSON.stringify({ ...policy, constraints: { HASH_FAILURE: 'WARN' } }),
        /HASH_FAILURE cannot be lowered/,
      ],
      [
        JSON.stringify({ ...policy, constraints: { MODIFIED_AFTER_SIGNING: 'INFORM' } }),
        /MODIFIED_AFTER_SIGNING cannot be lowered/,
      ],
      [JSON.stringify({ ...policy, constraints: { NO_SUCH_CHECK: 'WARN' } }), /unknown constraint/],
      [JSON.stringify({ ...policy, extra: true }), /Unrecognized key/i],
      [
        JSON.stringify({ ...policy, thresholds: { ...policy.thresholds, claimedTimeToleranceMs: -1 } }),
        /thresholds/,
      ],
      ['{"name": ', /not JSON/],
      [' '.repeat(70 * 1024), /larger than/],
    ];
    for (const [text, message] of cases) {
      const error = policyError(text);
      assert.equal(error.code, 'SHOMEI_VALIDATION_POLICY_INVALID');
      assert.match(error.en, message);
      assert.match(error.ja, /検証ポリシーを使えません/);
    }
  });

  it('shomei verify --policy: the relaxed policy passes the document and is named; a bad file is exit 2', () => {
    const env = { ...corpus.embedded.shomei.env, SHOMEI_LANG: 'en' };
    const file = corpus.file('policy-cli.pdf');
    writeFileSync(file, twoSigned);
    const roots = corpus.file('policy-roots.pem');
    writeFileSync(
      roots,
      anchors
        .map(
          (der) =>
            `-----BEGIN CERTIFICATE-----\n${der
              .toString('base64')
              .match(/.{1,64}/g)!
              .join('\n')}\n-----END CERTIFICATE-----\n`,
        )
        .join(''),
    );
    const relaxed = corpus.file('relaxed-policy.json');
    const json = shipped();
    json.name = 'cli relaxed';
    json.constraints.REVOCATION_DATA_MISSING = 'WARN';
    writeFileSync(relaxed, JSON.stringify(json));
    const run = runShomei(['verify', file, '--trust', roots, '--policy', relaxed, '--json'], env);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as ValidationReport;
    assert.equal(report.policy.name, 'cli relaxed');
    assert.equal(report.policy.digest, parsePolicy(JSON.stringify(json)).digest);
    const bad = corpus.file('bad-policy.json');
    writeFileSync(bad, JSON.stringify({ ...json, constraints: { HASH_FAILURE: 'WARN' } }));
    const refused = runShomei(['verify', file, '--trust', roots, '--policy', bad], env);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /SHOMEI_VALIDATION_POLICY_INVALID/);
  });
});
