/**
 * A CSC or OAuth request refused for control characters in an identifier is recorded (GL 7.1.4: every
 * access attempt), the value made printable and short so that the record itself cannot be attacked.
 */
import type { RefusedInput } from '../errors.ts';
import { auditableIdentifier } from '../identifiers.ts';
import type { RsspParts } from '../parts.ts';

export type RecordRefusedInputDependencies = Pick<RsspParts, 'audit'>;

export async function recordRefusedInput(
  deps: RecordRefusedInputDependencies,
  refusal: { error: RefusedInput; route: string | undefined; source: string },
): Promise<void> {
  await deps.audit.append({
    type: 'csc.request.refuse',
    actor: { kind: 'anonymous', id: 'unknown' },
    outcome: 'failure',
    source: refusal.source,
    details: {
      route: auditableIdentifier(refusal.route, 100),
      field: auditableIdentifier(refusal.error.field, 64),
      value: auditableIdentifier(refusal.error.value),
      reason: 'control-characters',
    },
  });
}
