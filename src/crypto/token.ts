/**
 * Finding and initialising the token that holds shomei's keys, and the PIN file that unlocks it.
 * PINs are generated from a CSPRNG, kept only in a 0600 file (or a file the operator provides), and
 * never logged. The PIN file holds the user PIN only: the Security Officer's PIN is not the
 * application's to keep (issue #22). `shomei init` leaves it once in `token-so-pin.json` beside the
 * PIN file for the operator to move to safe storage; shomei never reads that file.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { shomeiError } from '../errors/index.ts';
import { toCryptoError } from './errors.ts';
import { type Handle, type Pkcs11, pkcs11js, trimPadded } from './library.ts';

export interface TokenPins {
  readonly soPin: string;
  readonly userPin: string;
}

export function generatePin(): string {
  return randomBytes(18).toString('base64url');
}

export function readPinFile(pinFile: string): TokenPins {
  if (!existsSync(pinFile)) {
    throw shomeiError(
      'SHOMEI_HSM_PIN_FILE_MISSING',
      `トークン PIN ファイルがありません: ${pinFile} (shomei init を実行してください)`,
      `The token PIN file is missing: ${pinFile} (run shomei init)`,
      { status: 500, details: { pinFile } },
    );
  }
  const mode = statSync(pinFile).mode & 0o077;
  if (mode !== 0) {
    throw shomeiError(
      'SHOMEI_HSM_PIN_FILE_UNSAFE',
      `トークン PIN ファイルを所有者以外が読めます (chmod 600 が必要): ${pinFile}`,
      `The token PIN file is readable by others (needs chmod 600): ${pinFile}`,
      { status: 500, details: { pinFile } },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(pinFile, 'utf8'));
  } catch {
    parsed = undefined;
  }
  const pins = parsed as Partial<TokenPins> | undefined;
  if (typeof pins?.userPin !== 'string' || pins.userPin.length < 4) {
    throw shomeiError(
      'SHOMEI_HSM_PIN_FILE_INVALID',
      `トークン PIN ファイルの形式が不正です: ${pinFile}`,
      `The token PIN file is malformed: ${pinFile}`,
      { status: 500, details: { pinFile } },
    );
  }
  if (typeof pins.soPin === 'string' && pins.soPin !== '') moveSoPinOut(pinFile, pins.soPin, pins.userPin);
  // The SO PIN is never returned: nothing in shomei needs it after the token exists.
  return { soPin: '', userPin: pins.userPin };
}

/** Where `shomei init` leaves the SO PIN for the operator to take away (never read by shomei). */
export function soPinFileFor(pinFile: string): string {
  return path.join(path.dirname(pinFile), 'token-so-pin.json');
}

/**
 * Installations made before the SO PIN left the PIN file: the SO PIN goes to the file the operator
 * takes away, then the PIN file is replaced (write and rename, so it is never half-written) by one
 * holding the user PIN only. A PIN file shomei may not write (provided read-only by the operator) is
 * left as it is (the operator removes the SO PIN from it, docs/install.md).
 */
function moveSoPinOut(pinFile: string, soPin: string, userPin: string): void {
  const soFile = soPinFileFor(pinFile);
  const staged = `${pinFile}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    if (!existsSync(soFile)) writeSecret(soFile, { soPin });
    // Never drop an SO PIN that is not safely elsewhere.
    else if ((JSON.parse(readFileSync(soFile, 'utf8')) as { soPin?: unknown }).soPin !== soPin) return;
    writeSecret(staged, { userPin });
    renameSync(staged, pinFile);
  } catch {
    // Not writable here: the PIN file keeps working as it is.
    rmSync(staged, { force: true });
  }
}

function writeSecret(file: string, value: Record<string, string>): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(value)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
}

/** Writes the user PIN to the PIN file and the SO PIN, once, to the file the operator takes away. */
export function writePinFile(pinFile: string, pins: TokenPins): string {
  const soFile = soPinFileFor(pinFile);
  writeSecret(soFile, { soPin: pins.soPin });
  writeSecret(pinFile, { userPin: pins.userPin });
  return soFile;
}

const TOKEN_INFO_ATTEMPTS = 5;

/**
 * The token's information. SoftHSM2 keeps a token in files that every process sharing the token
 * directory rewrites (several instances, ADR 011); one that reads them while another process writes
 * gets CKR_GENERAL_ERROR. Read again a few times, 20–80 ms apart, before that error stands: a
 * persistent failure still surfaces after ~200 ms, and any other error at once.
 */
function tokenInfo(pkcs11: Pkcs11, slot: Handle): ReturnType<Pkcs11['C_GetTokenInfo']> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return pkcs11.C_GetTokenInfo(slot);
    } catch (error) {
      const general = error instanceof Error && error.message.includes('CKR_GENERAL_ERROR');
      if (!general || attempt >= TOKEN_INFO_ATTEMPTS) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 * attempt);
    }
  }
}

export function findTokenSlot(pkcs11: Pkcs11, label: string): Handle | undefined {
  for (const slot of pkcs11.C_GetSlotList(true)) {
    const info = tokenInfo(pkcs11, slot);
    if ((info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0 && trimPadded(info.label) === label) return slot;
  }
  return undefined;
}

/**
 * The slot of a token that must exist (opening the HSM, reconnecting). A process that lists the slots
 * while another instance on the same SoftHSM2 token directory rewrites the token's files can miss the
 * token altogether (seen in the cluster test's two simultaneous starts: SHOMEI_HSM_TOKEN_NOT_FOUND), so
 * the list is read again a few times, 20–80 ms apart, before the token is called missing. `shomei init`
 * asks findTokenSlot once: there, a missing token is the normal case.
 */
export function findExistingTokenSlot(pkcs11: Pkcs11, label: string): Handle | undefined {
  for (let attempt = 1; ; attempt += 1) {
    const slot = findTokenSlot(pkcs11, label);
    if (slot !== undefined || attempt >= TOKEN_INFO_ATTEMPTS) return slot;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 * attempt);
  }
}

/**
 * Initialises a fresh token with the given label and PINs (SO and user). Uses the first slot whose
 * token is not initialised yet, as SoftHSM2 always offers one.
 */
export function initialiseToken(pkcs11: Pkcs11, label: string, pins: TokenPins): Handle {
  const free = pkcs11
    .C_GetSlotList(true)
    .find((slot) => (pkcs11.C_GetTokenInfo(slot).flags & pkcs11js.CKF_TOKEN_INITIALIZED) === 0);
  if (free === undefined) {
    throw shomeiError(
      'SHOMEI_HSM_NO_FREE_SLOT',
      '初期化できる空きスロットが暗号モジュールにありません。',
      'The cryptographic module has no free slot to initialise.',
      { status: 500 },
    );
  }
  try {
    pkcs11.C_InitToken(free, pins.soPin, label.padEnd(32, ' '));
    // SoftHSM2 renumbers slots after initialisation: look the token up again by label.
    const slot = findTokenSlot(pkcs11, label);
    if (slot === undefined) throw new Error('CKR_TOKEN_NOT_RECOGNIZED: token vanished after C_InitToken');
    const session = pkcs11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    try {
      pkcs11.C_Login(session, pkcs11js.CKU_SO, pins.soPin);
      pkcs11.C_InitPIN(session, pins.userPin);
      pkcs11.C_Logout(session);
    } finally {
      pkcs11.C_CloseSession(session);
    }
    return slot;
  } catch (error) {
    throw toCryptoError(error, 'C_InitToken');
  }
}

/** Writes the SoftHSM2 configuration that keeps the token files inside the data directory. */
export function prepareManagedSoftHsm(home: string): string {
  const tokenDir = path.join(home, 'tokens');
  mkdirSync(tokenDir, { recursive: true, mode: 0o700 });
  const confPath = path.join(home, 'softhsm2.conf');
  if (!existsSync(confPath)) {
    writeFileSync(
      confPath,
      `# Written by shomei: SoftHSM2 token store for this data directory.\ndirectories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
      { mode: 0o600 },
    );
  }
  return confPath;
}
