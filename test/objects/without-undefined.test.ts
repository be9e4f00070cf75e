import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withoutUndefined } from '../../src/objects/index.ts';

describe('withoutUndefined', () => {
  it('drops keys holding undefined and keeps null, false, 0 and empty strings', () => {
    const fields = withoutUndefined({ a: 'x', b: undefined, c: null, d: false, e: 0, f: '' });
    assert.deepStrictEqual(fields, { a: 'x', c: null, d: false, e: 0, f: '' });
    assert.equal(Object.hasOwn(fields, 'b'), false);
  });

  it('leaves a default in place when spread over defaults, where an explicit undefined would erase it', () => {
    const defaults = { timeoutMs: 5000, retries: 2 };
    const given: { timeoutMs?: number | undefined; retries?: number | undefined } = {
      timeoutMs: undefined,
      retries: 3,
    };
    assert.deepStrictEqual({ ...defaults, ...given }, { timeoutMs: undefined, retries: 3 });
    assert.deepStrictEqual({ ...defaults, ...withoutUndefined(given) }, { timeoutMs: 5000, retries: 3 });
  });
});
