/**
 * Loading a PKCS#11 module. A module may be initialised only once per process, so libraries are
 * shared by path and finalised when the last user closes.
 */
import { createRequire } from 'node:module';
import type * as Pkcs11Module from 'pkcs11js';
import type { PKCS11, Handle as Pkcs11Handle } from 'pkcs11js';
import { shomeiError } from '../errors/index.ts';
import { toCryptoError } from './errors.ts';

export type Pkcs11 = PKCS11;
export type Handle = Pkcs11Handle;

/**
 * pkcs11js is CommonJS with thousands of constants. Required as it is, not imported: an ES import
 * of it becomes, in the CommonJS command bundles, esbuild's namespace copy that defines a getter for
 * every constant (~10 ms of each `shomei sign`, ADR 050); under Node's own ESM loader it was only
 * reachable through the default export anyway.
 */
export const pkcs11js = createRequire(import.meta.url)('pkcs11js') as typeof Pkcs11Module;

interface LoadedLibrary {
  readonly pkcs11: Pkcs11;
  users: number;
  /** False after a re-initialisation whose C_Initialize failed: there is nothing to finalise then. */
  initialised: boolean;
}

const loaded = new Map<string, LoadedLibrary>();

export function acquireLibrary(modulePath: string): Pkcs11 {
  const existing = loaded.get(modulePath);
  if (existing !== undefined) {
    existing.users += 1;
    return existing.pkcs11;
  }
  const pkcs11 = new pkcs11js.PKCS11();
  try {
    pkcs11.load(modulePath);
  } catch (error) {
    throw shomeiError(
      'SHOMEI_HSM_UNAVAILABLE',
      `PKCS#11 モジュールを読み込めません: ${modulePath}`,
      `Cannot load the PKCS#11 module: ${modulePath}`,
      { status: 503, details: { modulePath }, cause: error },
    );
  }
  try {
    pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (error) {
    throw toCryptoError(error, 'C_Initialize');
  }
  loaded.set(modulePath, { pkcs11, users: 1, initialised: true });
  return pkcs11;
}

export function releaseLibrary(modulePath: string): void {
  const entry = loaded.get(modulePath);
  if (entry === undefined) return;
  entry.users -= 1;
  if (entry.users > 0) return;
  loaded.delete(modulePath);
  try {
    // A stopping server whose token went away (its directory removed under it) failed to initialise
    // the module again (reinitialiseLibrary); finalising it once more would throw
    // CKR_CRYPTOKI_NOT_INITIALIZED out of close() and the process would end as if it had crashed.
    if (entry.initialised) entry.pkcs11.C_Finalize();
  } finally {
    entry.pkcs11.close();
  }
}

/**
 * Finalises and initialises a loaded module again. A token that went away (SoftHSM2 directory moved,
 * network HSM restarted) leaves the module's view of it broken even after it is back; only a fresh
 * C_Initialize reads it again. Every session of this process on the module ends here, so the callers
 * (SessionPool.reopen) open new ones.
 */
export function reinitialiseLibrary(modulePath: string): Pkcs11 {
  const entry = loaded.get(modulePath);
  if (entry === undefined) return acquireLibrary(modulePath);
  try {
    entry.pkcs11.C_Finalize();
  } catch {
    // Already finalised by a failed earlier attempt: initialise below is what matters.
  }
  entry.initialised = false;
  try {
    entry.pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
  } catch (error) {
    throw toCryptoError(error, 'C_Initialize');
  }
  entry.initialised = true;
  return entry.pkcs11;
}

/** Token labels are blank-padded to 32 bytes by PKCS#11. */
export function trimPadded(value: string): string {
  return value.replace(/[\s\0]+$/, '');
}
