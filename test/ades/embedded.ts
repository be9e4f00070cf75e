/** The embedded CA, TSA and provider e-seal for a fresh test home, with PEM files and an NSS db trusting its root. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type EmbeddedSigning, openEmbeddedSigning } from '../../src/ades/index.ts';
import { allMigrations } from '../../src/app/index.ts';
import { toPem } from '../../src/pki/index.ts';
import { applyMigrations } from '../../src/store/index.ts';
import { tsaMigrations } from '../../src/tsa/index.ts';
import { openTestShomei } from '../helpers/home.ts';
import { trustingNssDb } from './validators.ts';

export interface EmbeddedFixture extends EmbeddedSigning {
  readonly shomei: Awaited<ReturnType<typeof openTestShomei>>;
  readonly rootPemPath: string;
  /** TSA certificate and CA certificates, PEM (for openssl ts -untrusted). */
  readonly tsaChainPemPath: string;
  readonly nssDb: string;
  close(): Promise<void>;
}

export async function embeddedFixture(): Promise<EmbeddedFixture> {
  const shomei = await openTestShomei();
  const sets = allMigrations(shomei.database.dialect);
  const names = new Set(sets.flatMap((s) => Object.keys(s)));
  const tsa = tsaMigrations(shomei.database.dialect);
  if (!Object.keys(tsa).every((n) => names.has(n))) sets.push(tsa);
  await applyMigrations(shomei.database.db, sets);
  const signing = await openEmbeddedSigning(shomei);
  const rootPemPath = path.join(shomei.home, 'embedded-root.pem');
  writeFileSync(rootPemPath, toPem(signing.root, 'CERTIFICATE'));
  const tsaChainPemPath = path.join(shomei.home, 'tsa-chain.pem');
  writeFileSync(tsaChainPemPath, signing.tsaCertificates.map((c) => toPem(c, 'CERTIFICATE')).join(''));
  const nssDb = trustingNssDb(path.join(shomei.home, 'nss-embedded'), rootPemPath);
  return {
    ...signing,
    shomei,
    rootPemPath,
    tsaChainPemPath,
    nssDb,
    close: () => shomei.close(),
  };
}
