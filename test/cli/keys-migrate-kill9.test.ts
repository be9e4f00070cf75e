/**
 * `shomei keys migrate-wrapped` killed with SIGKILL in the middle of a run, then run again (ADR 017):
 * every document from before the key hierarchy (a token key of its own) ends sealed under the
 * document KEK and opens to the same bytes, every per-document token key is destroyed and recorded
 * once, and pkcs11-tool (another process) sees the token shrink by exactly the migrated keys.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { initialise, openShomei, type Shomei } from '../../src/app/index.ts';
import type { AuditTables } from '../../src/audit/index.ts';
import type { ContractActor } from '../../src/contracts/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { type ContractsHarness, createUser, samplePdf } from '../contracts/harness.ts';
import { makeTestHome, type TestHome } from '../helpers/home.ts';
import { makeTeam, type TestOperator } from '../helpers/operators.ts';
import { runShomei, SHOMEI_BIN } from '../helpers/run.ts';
import { listTokenObjects } from '../helpers/token.ts';

/** More than one page of the migration (100 rows each), so a kill after the first lands mid-run. */
const DOCUMENTS = 130;
const PER_ENVELOPE = 10; // the most an envelope takes

let home: TestHome;
let admin: TestOperator;
const plaintexts = new Map<string, string>();
const legacyKeys = new Set<string>();

function open(): Promise<Shomei> {
  return openShomei(home.config, createLogger({ level: 'silent' }));
}

/** Token objects as pkcs11-tool sees them (session objects never show). */
function tokenObjectCount(): number {
  return (
    listTokenObjects(home).match(/^(Private Key|Public Key|Secret Key|Certificate|Data) Object/gm) ?? []
  ).length;
}

/** Documents as they were before ADR 017: each content key sealed by a token key of its own. */
async function makeLegacyDocuments(shomei: Shomei): Promise<void> {
  const user = await createUser({ shomei } as unknown as ContractsHarness, {
    email: 'owner@migrate.example',
    tenantSlug: 'migrate',
  });
  const actor: ContractActor = {
    kind: 'user',
    userId: user.id,
    tenantId: user.tenantId,
    email: user.email,
    authentication: 'password+totp',
  };
  const { contracts, crypto, keys } = shomei;
  const vault = contracts.context.vault;
  for (let e = 0; e < DOCUMENTS / PER_ENVELOPE; e++) {
    const envelope = await contracts.create(actor, {
      title: `移行 ${e}`,
      counterparty: 'M株式会社',
      signingOrder: 'parallel',
      parties: [
        { role: 'signer', signingMode: 'witness-type', email: 'w@migrate.example', name: '佐藤 花子' },
      ],
    });
    for (let d = 0; d < PER_ENVELOPE; d++) {
      await contracts.addDocument(actor, envelope.id, `${e}-${d}.pdf`, samplePdf(1, `doc ${e}-${d}`));
    }
  }
  const rows = await contracts.context.db.selectFrom('contract_documents').selectAll().execute();
  assert.equal(rows.length, DOCUMENTS);
  for (const row of rows) {
    plaintexts.set(row.id, (await vault.read(row)).toString('base64'));
    const contentKey = await vault.contentKeyOf(row);
    const own = await crypto.createSecretKey('data-encryption', `contracts:document:${row.id}`);
    await keys.record({
      keyId: own.id,
      label: own.label,
      kind: own.kind,
      algorithm: own.algorithm,
      purpose: 'contract-document',
    });
    const sealed = await crypto.encryptWithKey(own.id, contentKey);
    await contracts.context.db
      .updateTable('contract_documents')
      .set({ hsm_key_id: own.id, sealed_key: sealed })
      .where('id', '=', row.id)
      .execute();
    legacyKeys.add(own.id);
  }
}

/** Runs the command and sends SIGKILL as soon as it reports its first page of progress. */
function migrateKilledAfterFirstPage(): Promise<{ progressLines: number; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SHOMEI_BIN, 'keys', 'migrate-wrapped'], {
      env: { ...process.env, ...admin.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let progressLines = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      progressLines = (stdout.match(/^\{"progress"/gm) ?? []).length;
      if (progressLines > 0 && child.exitCode === null) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal === null) reject(new Error(`migration finished before it was killed (${code}): ${stderr}`));
      else resolve({ progressLines, signal });
    });
  });
}

before(async () => {
  home = makeTestHome();
  await initialise(home.config);
  const team = await makeTeam(home, ['security_officer', 'system_administrator'], {}, ['security_officer']);
  admin = team.system_administrator;
  const shomei = await open();
  try {
    await makeLegacyDocuments(shomei);
  } finally {
    await shomei.close();
  }
});
after(() => home?.remove());

describe('shomei keys migrate-wrapped after kill -9', () => {
  it('a second run finishes the migration: no key lost, none destroyed twice, the token shrinks by exactly the migrated keys', async () => {
    const before = tokenObjectCount();

    const killed = await migrateKilledAfterFirstPage();
    assert.equal(killed.signal, 'SIGKILL');
    const midway = tokenObjectCount();
    assert.ok(midway < before, 'the killed run had destroyed some per-document keys');
    assert.ok(midway > before - DOCUMENTS, 'and was killed before it destroyed them all');

    const resumed = runShomei(['keys', 'migrate-wrapped'], admin.env);
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.equal(tokenObjectCount(), before - DOCUMENTS);

    const shomei = await open();
    try {
      const kek = await shomei.keyHierarchy.keks.currentKek('contract-document');
      const rows = await shomei.contracts.context.db.selectFrom('contract_documents').selectAll().execute();
      assert.equal(rows.length, DOCUMENTS);
      for (const row of rows) {
        assert.equal(row.hsm_key_id, kek, `document ${row.id} is sealed under the document KEK`);
        const bytes = await shomei.contracts.context.vault.read(row);
        assert.equal(bytes.toString('base64'), plaintexts.get(row.id), `document ${row.id} opens unchanged`);
      }
      for (const keyId of legacyKeys) {
        assert.equal(await shomei.crypto.hasKey(keyId), false);
        assert.equal((await shomei.keys.get(keyId))?.status, 'destroyed');
      }
      // Each per-document key's destruction is in the audit trail, and exactly one record destroyed
      // its token object (a key the killed run destroyed but had not recorded is recorded with 0).
      const destroyed = new Map<string, number>();
      const audit = shomei.database.db.withTables<AuditTables>();
      const records = await audit
        .selectFrom('audit_events')
        .select(['subject_id', 'details'])
        .where('type', '=', 'key.destroy')
        .execute();
      for (const record of records) {
        const details = JSON.parse(String(record.details)) as { hsmObjectsDestroyed?: number };
        const id = String(record.subject_id);
        if (!legacyKeys.has(id)) continue;
        destroyed.set(id, (destroyed.get(id) ?? 0) + (details.hsmObjectsDestroyed ?? 0));
      }
      assert.equal(destroyed.size, DOCUMENTS);
      for (const [keyId, objects] of destroyed) assert.equal(objects, 1, `key ${keyId}`);
      const summaries = await audit
        .selectFrom('audit_events')
        .select('seq')
        .where('type', '=', 'key.rewrap')
        .execute();
      assert.equal(summaries.length, 1, 'only the run that finished recorded its summary');
    } finally {
      await shomei.close();
    }
  });
});
