/**
 * Finding the token while another process rewrites SoftHSM2's token files (several instances on one
 * token directory): a read that fails with CKR_GENERAL_ERROR is tried again a few times; a lasting
 * failure and any other error still surface. The cluster test (test/ops/cluster.test.ts) starts two
 * real instances at once, where this was seen; this one makes the failure happen every time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findExistingTokenSlot, findTokenSlot } from '../../src/crypto/index.ts';

type Pkcs11 = Parameters<typeof findTokenSlot>[0];
const INITIALISED = 0x400; // CKF_TOKEN_INITIALIZED

/** A module with one slot whose token-info reads fail `failures` times with `message` first. */
function moduleFailing(failures: number, message: string): { pkcs11: Pkcs11; reads: () => number } {
  let reads = 0;
  const slot = Buffer.from([1]);
  const pkcs11 = {
    // biome-ignore lint/correctness/noComponentHookFactories: PKCS#11 function names, not React components
    C_GetSlotList: () => [slot],
    // biome-ignore lint/correctness/noComponentHookFactories: PKCS#11 function names, not React components
    C_GetTokenInfo: () => {
      reads += 1;
      if (reads <= failures) throw new Error(message);
      return { flags: INITIALISED, label: 'shomei'.padEnd(32, ' ') };
    },
  } as unknown as Pkcs11;
  return { pkcs11, reads: () => reads };
}

test('a token read that fails while another process writes is read again', () => {
  const { pkcs11, reads } = moduleFailing(2, 'CKR_GENERAL_ERROR');
  assert.deepEqual(findTokenSlot(pkcs11, 'shomei'), Buffer.from([1]));
  assert.equal(reads(), 3);
});

test('a lasting general error and any other error are not hidden', () => {
  const lasting = moduleFailing(100, 'CKR_GENERAL_ERROR');
  assert.throws(() => findTokenSlot(lasting.pkcs11, 'shomei'), /CKR_GENERAL_ERROR/);
  assert.equal(lasting.reads(), 5);
  const other = moduleFailing(1, 'CKR_DEVICE_ERROR');
  assert.throws(() => findTokenSlot(other.pkcs11, 'shomei'), /CKR_DEVICE_ERROR/);
  assert.equal(other.reads(), 1);
});

/** A module whose token is missing from the slot list the first `misses` times it is listed. */
function moduleMissing(misses: number): { pkcs11: Pkcs11; lists: () => number } {
  let lists = 0;
  const slot = Buffer.from([2]);
  const pkcs11 = {
    // biome-ignore lint/correctness/noComponentHookFactories: PKCS#11 function names, not React components
    C_GetSlotList: () => {
      lists += 1;
      return lists <= misses ? [] : [slot];
    },
    // biome-ignore lint/correctness/noComponentHookFactories: PKCS#11 function names, not React components
    C_GetTokenInfo: () => ({ flags: INITIALISED, label: 'shomei'.padEnd(32, ' ') }),
  } as unknown as Pkcs11;
  return { pkcs11, lists: () => lists };
}

test('a token that must exist is looked for again when another process hides it for a moment', () => {
  const hidden = moduleMissing(2);
  assert.deepEqual(findExistingTokenSlot(hidden.pkcs11, 'shomei'), Buffer.from([2]));
  assert.equal(hidden.lists(), 3);
  // Missing for good: undefined after five looks, for the caller's SHOMEI_HSM_TOKEN_NOT_FOUND.
  const gone = moduleMissing(100);
  assert.equal(findExistingTokenSlot(gone.pkcs11, 'shomei'), undefined);
  assert.equal(gone.lists(), 5);
  // `shomei init` looks once: a missing token is what it expects.
  const fresh = moduleMissing(100);
  assert.equal(findTokenSlot(fresh.pkcs11, 'shomei'), undefined);
  assert.equal(fresh.lists(), 1);
});
