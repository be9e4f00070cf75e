/**
 * The validation report (docs/verification-report.md) as the server serialises it: the zod-inferred
 * types of src/validation/report-shapes.ts, not copies.
 */
export type {
  IndicationView as Indication,
  SignatureResultView as SignatureResult,
  ValidationReportView as ValidationReport,
} from '../../../src/validation/report-shapes.ts';
