/**
 * Optional fields (CONTRIBUTING, "Optional fields"): where the receiving type is ours, declare
 * `x?: T | undefined` and pass `x` as it is. This helper is for the other places — a library's type
 * that forbids an explicit `undefined`, an object spread over defaults, or a reader that looks at
 * which keys exist — where a key holding `undefined` must not appear at all.
 */

/** `T` with every key whose type admits `undefined` made optional and `undefined`-free. */
export type WithoutUndefined<T extends object> = {
  [K in keyof T as undefined extends T[K] ? never : K]: T[K];
} & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** A shallow copy of `fields` without the keys whose value is `undefined`. */
export function withoutUndefined<T extends object>(fields: T): WithoutUndefined<T> {
  const present = Object.entries(fields).filter(([, value]) => value !== undefined);
  return Object.fromEntries(present) as WithoutUndefined<T>;
}
