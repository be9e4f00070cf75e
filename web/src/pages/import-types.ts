/**
 * GET /api/imports/{id}: the zod-inferred shape the server serialises with (src/contracts/model/shapes.ts),
 * its validation report typed as POST /api/verify answers it.
 */
import type { ImportViewShape } from '../../../src/contracts/model/shapes.ts';
import type { ValidationReport } from './verify-types.ts';

export type ImportView = Omit<ImportViewShape, 'validation'> & {
  readonly validation: ValidationReport | null;
};
