/**
 * The wire shape of the report (report-shapes.ts) and the model the checks build (types.ts) are the
 * same: the same field paths, and the same types an optional field's `| undefined` aside. A drift
 * fails tsc — a field missing from the wire shape would otherwise be dropped by the serialiser.
 * Kept apart from report-shapes.ts, which the web client type-checks without the server's modules.
 */
import type { ValidationReportView } from './report-shapes.ts';
import type { ValidationReport } from './types.ts';

type Defined<T> = T extends readonly (infer E)[]
  ? readonly Defined<E>[]
  : T extends object
    ? { [K in keyof T]: Defined<Exclude<T[K], undefined>> }
    : T;
type Paths<T, P extends string = ''> = T extends readonly (infer E)[]
  ? Paths<E, P>
  : T extends object
    ? { [K in keyof T & string]-?: `${P}${K}` | Paths<Exclude<T[K], undefined>, `${P}${K}.`> }[keyof T &
        string]
    : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const reportTypesAgree: Same<Defined<ValidationReportView>, Defined<ValidationReport>> = true;
export const reportFieldsAgree: Same<Paths<ValidationReportView>, Paths<ValidationReport>> = true;
