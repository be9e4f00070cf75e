/** Shared steps of the CA tests: HSM keys with CSRs, and PEM files for openssl. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Shomei } from '../../src/app/index.ts';
import { generateRecordedKey } from '../../src/ca/index.ts';
import type { DigestSigner, KeyAlgorithm } from '../../src/crypto/index.ts';
import { buildCsr, type NameAttribute, toPem } from '../../src/pki/index.ts';

export function workDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'shomei-ca-'));
}

export function writePem(dir: string, name: string, der: Uint8Array, label = 'CERTIFICATE'): string {
  const file = path.join(dir, name);
  writeFileSync(file, toPem(der, label));
  return file;
}

/** A signing key generated in the HSM (recorded like any key of ours) and a CSR for it. */
export async function hsmKeyWithCsr(
  shomei: Shomei,
  subject: readonly NameAttribute[],
  algorithm: KeyAlgorithm = 'EC-P256',
  purpose = 'user-signing',
): Promise<{ signer: DigestSigner; csr: Buffer }> {
  const signer = await generateRecordedKey(shomei, algorithm, `test-${purpose}`, purpose);
  return { signer, csr: await buildCsr(signer, subject) };
}

export const YAMADA: readonly NameAttribute[] = [
  { type: 'C', value: 'JP' },
  { type: 'O', value: '株式会社サンプル' },
  { type: 'CN', value: '山田 太郎' },
];

/**
 * Runs an outside tool without blocking the event loop: needed when the tool talks to a server
 * running in this same test process (openssl ocsp -url, curl).
 */
export function runAsync(
  command: string,
  args: readonly string[],
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
  });
}
