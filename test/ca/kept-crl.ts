/**
 * The CRL kept in the database (ADR 049), checked the same way on SQLite (embedded-ca.test.ts) and
 * PostgreSQL (postgres.test.ts): two CA instances over one database stand for two processes.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Shomei } from '../../src/app/index.ts';
import { CertificateAuthority } from '../../src/ca/index.ts';
import { toPem } from '../../src/pki/index.ts';
import { run } from '../helpers/run.ts';
import { hsmKeyWithCsr, YAMADA } from './helpers.ts';

interface Shown {
  readonly number: number;
  readonly text: string;
}

/** openssl's reading of an issuing-CA CRL: its signature must verify under the issuing CA and root. */
async function shown(shomei: Shomei, dir: string, der: Buffer, name: string): Promise<Shown> {
  const chain = path.join(dir, 'kept-chain.pem');
  const certificates = [await shomei.ca.certificate('issuing'), await shomei.ca.certificate('root')];
  writeFileSync(chain, certificates.map((c) => toPem(c, 'CERTIFICATE')).join(''));
  const file = path.join(dir, name);
  writeFileSync(file, der);
  const result = run('openssl', ['crl', '-in', file, '-inform', 'DER', '-CAfile', chain, '-noout', '-text']);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stderr + result.stdout, /verify OK/);
  const number = /CRL Number:\s*\n\s*(\d+)/.exec(result.stdout)?.[1];
  assert.ok(number !== undefined, result.stdout);
  return { number: Number(number), text: result.stdout };
}

function listed(crl: Shown, serial: string): boolean {
  return crl.text.includes(`Serial Number: ${serial.toUpperCase()}`);
}

async function crlCounter(shomei: Shomei): Promise<number> {
  const row = await shomei.ca.db
    .selectFrom('ca_authorities')
    .select('crl_number')
    .where('name', '=', 'issuing')
    .executeTakeFirstOrThrow();
  return Number(row.crl_number);
}

/** A second CA over the same database, HSM and settings: what another process or instance would open. */
function secondInstance(shomei: Shomei): CertificateAuthority {
  return new CertificateAuthority({
    database: shomei.database,
    crypto: shomei.crypto,
    keys: shomei.keys,
    settings: shomei.ca.settings,
  });
}

export async function checkKeptCrl(shomei: Shomei, dir: string): Promise<void> {
  const a = shomei.ca;
  const b = secondInstance(shomei);
  const first = await hsmKeyWithCsr(shomei, YAMADA);
  const one = await a.issue({ csr: first.csr, profile: 'signer' });
  const second = await hsmKeyWithCsr(shomei, YAMADA);
  const two = await a.issue({ csr: second.csr, profile: 'signer' });
  const three = await a.issue({ csr: (await hsmKeyWithCsr(shomei, YAMADA)).csr, profile: 'signer' });

  // Both instances serve the same CRL: signed once (the counter moved by one), then read from the row.
  const fromA = await a.crl('issuing');
  const counter = await crlCounter(shomei);
  assert.deepEqual(await b.crl('issuing'), fromA, 'the other instance serves the same bytes');
  assert.deepEqual(await a.crl('issuing'), fromA);
  assert.equal(await crlCounter(shomei), counter, 'no further CRL signed');
  const before = await shown(shomei, dir, fromA, 'kept-a.crl');

  // A revocation through one instance is in the next CRL of the other, with a higher number.
  await b.revoke(one.serialNumber, 'keyCompromise');
  const afterRevocation = await shown(shomei, dir, await a.crl('issuing'), 'kept-revoked.crl');
  assert.ok(listed(afterRevocation, one.serialNumber), 'the revocation is listed');
  assert.ok(!listed(before, one.serialNumber));
  assert.ok(afterRevocation.number > before.number, `${afterRevocation.number} > ${before.number}`);
  assert.deepEqual(await b.crl('issuing'), await a.crl('issuing'));

  // Past half its validity the kept CRL is replaced, still listing every revocation.
  const validity = shomei.ca.settings.crlValidityHours * 3_600_000;
  await shomei.ca.db
    .updateTable('ca_authorities')
    .set({ last_crl_produced_at: new Date(Date.now() - validity / 2 - 60_000).toISOString() })
    .where('name', '=', 'issuing')
    .execute();
  const renewed = await shown(shomei, dir, await b.crl('issuing'), 'kept-renewed.crl');
  assert.ok(renewed.number > afterRevocation.number, 'a new CRL after half its life');
  assert.ok(listed(renewed, one.serialNumber));

  // Calls in one instance at once share one signing.
  await b.revoke(three.serialNumber, 'affiliationChanged');
  const atOnce = await Promise.all([a.crl('issuing'), a.crl('issuing')]);
  assert.deepEqual(atOnce[0], atOnce[1], 'one CRL for both calls');
  const once = await shown(shomei, dir, atOnce[0]!, 'kept-once.crl');
  assert.equal(once.number, renewed.number + 1, 'one number taken');
  assert.equal(await crlCounter(shomei), once.number, 'one CRL signed');
  assert.ok(listed(once, three.serialNumber));

  // Two instances racing after a revocation: each answer verifies and lists it; the higher is kept.
  await a.revoke(two.serialNumber, 'superseded');
  const raced = await Promise.all([a.crl('issuing'), b.crl('issuing')]);
  const racedShown = await Promise.all(raced.map((der, i) => shown(shomei, dir, der, `kept-race-${i}.crl`)));
  for (const crl of racedShown) {
    assert.ok(listed(crl, one.serialNumber) && listed(crl, two.serialNumber), 'every revocation listed');
    assert.ok(crl.number > renewed.number);
  }
  const highest = racedShown[0]!.number >= racedShown[1]!.number ? raced[0] : raced[1];
  assert.deepEqual(await secondInstance(shomei).crl('issuing'), highest, 'the highest-numbered one is kept');
}
