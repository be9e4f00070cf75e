import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Shomei } from '../../src/app/index.ts';
import { parseCrl, serialHex } from '../../src/pki/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { run } from '../helpers/run.ts';
import { hsmKeyWithCsr, workDir, writePem, YAMADA } from './helpers.ts';
import { checkKeptCrl } from './kept-crl.ts';

let shomei: Shomei & TestHome;
let drop: () => Promise<void>;

before(async () => {
  const database = await createTestDatabase();
  drop = database.drop;
  shomei = await openTestShomei({ SHOMEI_DATABASE_URL: database.url });
});

after(async () => {
  await shomei.close();
  await drop();
});

describe('embedded CA and TSA on PostgreSQL', () => {
  test('issue, revoke, CRL numbers and TSA serials work the same on PostgreSQL', async () => {
    assert.equal(shomei.database.dialect, 'postgres');
    const issued = await shomei.ca.issue({ ...(await hsmKeyWithCsr(shomei, YAMADA)), profile: 'signer' });
    const dir = workDir();
    const root = writePem(dir, 'root.pem', await shomei.ca.certificate('root'));
    const issuing = writePem(dir, 'issuing.pem', await shomei.ca.certificate('issuing'));
    const leaf = writePem(dir, 'leaf.pem', issued.der);
    assert.equal(run('openssl', ['verify', '-CAfile', root, '-untrusted', issuing, leaf]).status, 0);
    const crlNumber = async () => {
      const crl = parseCrl(await shomei.ca.crl('issuing'));
      const ext = crl.crl.tbsCertList.crlExtensions?.find((e) => e.extnID === '2.5.29.20');
      assert.ok(ext !== undefined);
      return Buffer.from(ext.extnValue.buffer).toString('hex');
    };
    const first = await crlNumber();
    await shomei.ca.revoke(issued.serialNumber, 'affiliationChanged');
    const second = await crlNumber();
    assert.notEqual(first, second, 'each new CRL gets a new number');
    assert.equal(await shomei.ca.statusOf(issued.der), 'revoked');
    const digest = createHash('sha256').update('pg').digest();
    const serials = await Promise.all(
      Array.from(
        { length: 5 },
        async () => (await shomei.tsa.timestampWithDetails(digest, 'SHA-256')).serialNumber,
      ),
    );
    assert.equal(new Set(serials).size, 5);
    assert.ok(serials.every((s) => serialHex(Buffer.from(s.padStart(2, '0'), 'hex')) === s));
  });

  test('the CRL kept in the database: one CRL for two instances, replaced on revocation or half its life (ADR 049)', async () => {
    await checkKeptCrl(shomei, workDir());
  });
});
