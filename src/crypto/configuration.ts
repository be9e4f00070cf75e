/**
 * What the HSM is, as far as shomei can see (JT2A part III appendix 1 §7: changes to the HSM's
 * configuration are detected and logged): the PKCS#11 module file and its self-description, the
 * token's maker, model and serial, and every mechanism with its key sizes and flags. Counters and
 * free memory are left out, so the fingerprint changes only when the configuration does.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { shomeiError } from '../errors/index.ts';
import { acquireLibrary, releaseLibrary } from './library.ts';
import { findExistingTokenSlot } from './token.ts';

export interface HsmConfiguration {
  readonly module: {
    readonly path: string;
    /** SHA-256 of the module file, or null when the path is a name the loader resolves. */
    readonly sha256: string | null;
    readonly manufacturer: string;
    readonly description: string;
    readonly version: string;
    readonly cryptoki: string;
  };
  readonly token: {
    readonly label: string;
    readonly manufacturer: string;
    readonly model: string;
    readonly serialNumber: string;
    readonly hardware: string;
    readonly firmware: string;
  };
  /** "mechanism:minKeySize-maxKeySize:flags", sorted. */
  readonly mechanisms: readonly string[];
}

const text = (value: string) => value.replace(/\0/g, '').trim();
const version = (v: { major: number; minor: number }) => `${v.major}.${v.minor}`;

export function describeHsmConfiguration(modulePath: string, tokenLabel: string): HsmConfiguration {
  const pkcs11 = acquireLibrary(modulePath);
  try {
    const slot = findExistingTokenSlot(pkcs11, tokenLabel);
    if (slot === undefined) {
      throw shomeiError(
        'SHOMEI_HSM_TOKEN_NOT_FOUND',
        `ラベル "${tokenLabel}" のトークンが見つかりません。`,
        `No token labelled "${tokenLabel}" was found.`,
        { status: 503, details: { tokenLabel } },
      );
    }
    const info = pkcs11.C_GetInfo();
    const token = pkcs11.C_GetTokenInfo(slot);
    const mechanisms = pkcs11
      .C_GetMechanismList(slot)
      .map((m) => {
        const i = pkcs11.C_GetMechanismInfo(slot, m);
        return `0x${m.toString(16).padStart(8, '0')}:${i.minKeySize}-${i.maxKeySize}:${i.flags}`;
      })
      .sort();
    return {
      module: {
        path: modulePath,
        sha256: existsSync(modulePath)
          ? createHash('sha256').update(readFileSync(modulePath)).digest('hex')
          : null,
        manufacturer: text(info.manufacturerID),
        description: text(info.libraryDescription),
        version: version(info.libraryVersion),
        cryptoki: version(info.cryptokiVersion),
      },
      token: {
        label: text(token.label),
        manufacturer: text(token.manufacturerID),
        model: text(token.model),
        serialNumber: text(token.serialNumber),
        hardware: version(token.hardwareVersion),
        firmware: version(token.firmwareVersion),
      },
      mechanisms,
    };
  } finally {
    releaseLibrary(modulePath);
  }
}

/** SHA-256 over the description's canonical JSON (keys in the order above). */
export function hsmConfigurationFingerprint(configuration: HsmConfiguration): string {
  return createHash('sha256').update(JSON.stringify(configuration)).digest('hex');
}
