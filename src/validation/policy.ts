/**
 * The validation policy as data (issue #21, after EU DSS's constraint.xml): the level of each
 * constraint — FAIL decides the indication, WARN is a warning, INFORM is recorded as information —
 * the thresholds the checks use, and what a document without DocMDP may gain. The checks find the
 * facts and name each finding by its constraint (the reason code); the policy decides where the
 * finding goes. default-policy.json is what shomei does by default: a constraint set to its default
 * level leaves the finding where the check put it (a TSA's missing revocation data is a warning, the
 * signer's a failure, under one code); another level moves the finding there. The report names the
 * policy by its name and the SHA-256 of its canonical JSON.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import * as z from 'zod';
import defaultPolicyJson from './default-policy.json' with { type: 'json' };
import { policyInvalid } from './errors.ts';
import type { Indication, Reason, SubIndication } from './types.ts';

export const CONSTRAINT_LEVELS = ['FAIL', 'WARN', 'INFORM'] as const;
export type ConstraintLevel = (typeof CONSTRAINT_LEVELS)[number];

const DAY_MS = 86_400_000;

export const validationPolicySchema = z
  .object({
    name: z.string().min(1).max(100),
    description: z
      .object({ ja: z.string().max(2000), en: z.string().max(2000) })
      .strict()
      .optional(),
    thresholds: z
      .object({
        /** Clock allowance between a timestamp and a revocation answer issued after it. */
        revocationFreshnessSlackMs: z.number().int().min(0).max(DAY_MS),
        /** How far the claimed signing time may lie after the timestamp before it is remarked on. */
        claimedTimeToleranceMs: z.number().int().min(0).max(DAY_MS),
      })
      .strict(),
    modifications: z
      .object({
        /** Highest change level a document without a certification signature may gain. */
        withoutCertification: z.enum(['LTA_UPDATES', 'FORM_FILLING', 'ANNOTATIONS']),
      })
      .strict(),
    constraints: z.record(z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/), z.enum(CONSTRAINT_LEVELS)),
  })
  .strict();

export type PolicyDocument = z.infer<typeof validationPolicySchema>;

export interface ValidationPolicy extends PolicyDocument {
  /** SHA-256 (hex) of the canonical JSON (keys sorted): the policy's identity in a report. */
  readonly digest: string;
}

/**
 * Findings that say the signed bytes, the signature value or the document shown are not what was
 * signed: no policy may make them anything but a failure.
 */
export const LOCKED_CONSTRAINTS: ReadonlySet<string> = new Set([
  'BYTE_RANGE_INVALID',
  'SIGNATURE_UNREADABLE',
  'FORMAT_FAILURE',
  'HASH_FAILURE',
  'SIG_CRYPTO_FAILURE',
  'MODIFIED_AFTER_SIGNING',
  'UNSIGNED_DATA_AFTER_EOF',
  'REVOKED_BEFORE_SIGNING',
]);

/** Largest policy file accepted. */
export const MAX_POLICY_BYTES = 64 * 1024;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function withDigest(document: PolicyDocument): ValidationPolicy {
  return { ...document, digest: createHash('sha256').update(canonical(document)).digest('hex') };
}

// Policies are parsed once or twice per process: zod's eval-compiled fast path (one per object shape)
// would cost more to build than it saves; the checks are the same without it (ADR 046, ADR 050).
export const DEFAULT_POLICY: ValidationPolicy = withDigest(
  validationPolicySchema.parse(defaultPolicyJson, { jitless: true }),
);

/** A policy from JSON text: its shape, known constraints only, locked constraints left at FAIL. */
export function parsePolicy(text: string): ValidationPolicy {
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES)
    throw policyInvalid(`larger than ${MAX_POLICY_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw policyInvalid('not JSON');
  }
  const parsed = validationPolicySchema.safeParse(json, { jitless: true });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw policyInvalid(`${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  for (const [code, level] of Object.entries(parsed.data.constraints)) {
    if (!(code in DEFAULT_POLICY.constraints)) throw policyInvalid(`unknown constraint ${code}`);
    if (LOCKED_CONSTRAINTS.has(code) && level !== 'FAIL')
      throw policyInvalid(`constraint ${code} cannot be lowered`);
  }
  return withDigest(parsed.data);
}

export async function readPolicyFile(file: string): Promise<ValidationPolicy> {
  try {
    if ((await stat(file)).size > MAX_POLICY_BYTES)
      throw policyInvalid(`larger than ${MAX_POLICY_BYTES} bytes`);
    return parsePolicy(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as { code?: string }).code === 'SHOMEI_VALIDATION_POLICY_INVALID') throw error;
    throw policyInvalid(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'I/O error'})`);
  }
}

/** The level this policy gives a finding the checks reported at `emitted`. */
export function levelOf(policy: ValidationPolicy, code: string, emitted: ConstraintLevel): ConstraintLevel {
  const chosen = policy.constraints[code];
  return chosen === undefined || chosen === DEFAULT_POLICY.constraints[code] ? emitted : chosen;
}

export interface PolicyVerdict {
  readonly indication: Indication;
  readonly subIndication: SubIndication;
  readonly reason: Reason;
}

export interface Sorted<V> {
  readonly verdicts: V[];
  readonly warnings: Reason[];
  readonly information: Reason[];
}

/**
 * Failures, warnings and information after the policy: a failure whose constraint is set to WARN
 * or INFORM moves there; a warning set to FAIL becomes a failed signature acceptance constraint
 * (ETSI EN 319 102-1 §5.2.8: INDETERMINATE / SIG_CONSTRAINTS_FAILURE).
 */
export function sortFindings<V extends PolicyVerdict>(
  policy: ValidationPolicy,
  verdicts: readonly V[],
  warnings: readonly Reason[],
  information: readonly Reason[] = [],
): Sorted<V | PolicyVerdict> {
  const out: Sorted<V | PolicyVerdict> = { verdicts: [], warnings: [], information: [...information] };
  const place = (reason: Reason, level: ConstraintLevel, verdict: V | undefined) => {
    if (level === 'INFORM') out.information.push(reason);
    else if (level === 'WARN') out.warnings.push(reason);
    else
      out.verdicts.push(
        verdict ?? { indication: 'INDETERMINATE', subIndication: 'SIG_CONSTRAINTS_FAILURE', reason },
      );
  };
  for (const verdict of verdicts)
    place(verdict.reason, levelOf(policy, verdict.reason.code, 'FAIL'), verdict);
  for (const warning of warnings) place(warning, levelOf(policy, warning.code, 'WARN'), undefined);
  return out;
}
