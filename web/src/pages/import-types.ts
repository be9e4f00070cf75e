/** GET /api/imports/{id} (src/contracts/workflow/imports.ts, ImportView). */
import type { Envelope } from './envelope-types.ts';
import type { ValidationReport } from './verify-types.ts';

export interface ImportView {
  readonly record: Envelope;
  readonly import: {
    readonly source: 'electronic' | 'paper-scan';
    readonly signatureStatus: 'signed' | 'none';
    readonly signatures: number;
    readonly indication: string | null;
    readonly validationError: string | null;
    readonly parties: readonly { name: string; company?: string; email?: string }[];
    readonly note: string | null;
    readonly importedBy: string;
    readonly importedAt: string;
  };
  readonly validation: ValidationReport | null;
}
