/**
 * Flat costs as the store grows (issue #20, ADR 017): per-operation latency of
 *   - sealing a new document's content key under the document KEK (C_Encrypt, AES-GCM),
 *   - opening a document's content key (its row looked up by id, C_Decrypt),
 *   - signing a digest with a credential's wrapped key, cold (store lookup, derive, C_UnwrapKey,
 *     C_Sign: more keys in turn than the session-key LRU holds) and cached (C_Sign on the LRU copy),
 * at growing numbers of documents and credentials in one installation (SQLite, the managed SoftHSM2
 * token). At each size it prints the medians and p95, the token's object count as pkcs11-tool (another
 * process) sees it, and the database size; at the end, the ratio of the largest size's median to the
 * smallest's for each operation (target ≤ 1.5) and the load average.
 *
 * The store grows by rows, not by calls: documents beyond the measured ones are rows with a random
 * sealed key under the current KEK, and credentials beyond the measured ones are wrapped-key rows
 * copying a real blob under other key ids (they would fail their binding check if ever used). That is
 * what grows at a provider: rows in the database, while the token keeps its KEKs (O(epochs)). The
 * signing path is CryptoModule.signDigest, which CSC signatures/signHash calls once the SAD is checked
 * (bench/rssp.ts measures that HTTP path).
 *
 *   npx tsx bench/scale.ts [--documents 1000,10000,100000] [--credentials 1000,10000] [--samples 300]
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { initialise, openShomei } from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/log/index.ts';
import type { KeyHierarchyTables } from '../src/store/index.ts';
import { run } from '../test/helpers/run.ts';

const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '1000,10000,100000' },
    credentials: { type: 'string', default: '1000,10000' },
    samples: { type: 'string', default: '300' },
  },
});
const sizes = (list: string): number[] => list.split(',').map(Number);
const documentSizes = sizes(values.documents);
const credentialSizes = sizes(values.credentials);
const SAMPLES = Number(values.samples);
/** More keys in turn than the session-key LRU (256) holds, so each cold signature unwraps. */
const COLD_KEYS = 300;
const INSERT_BATCH = 500;
const ROUNDS = 6;

const home = mkdtempSync(path.join(tmpdir(), 'shomei-scale-'));
const config = loadConfig({ SHOMEI_HOME: home, SHOMEI_LOG_LEVEL: 'silent' });
await initialise(config);
const shomei = await openShomei(config, createLogger({ level: 'silent' }));
const documents = shomei.contracts.context;
/** A document row as the vault reads it (the contracts module keeps its table types to itself). */
type DocumentTable = Parameters<typeof documents.vault.contentKeyOf>[0];

function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * The lowest of the rounds' medians (the figure compared across sizes) and the p95 of all samples.
 * The machine is shared: a burst of someone else's work lifts one round's median, not all of them.
 */
function summary(samples: readonly number[]): { median: number; p95: number } {
  const round = Math.ceil(samples.length / ROUNDS);
  const medians = Array.from({ length: ROUNDS }, (_, r) =>
    quantile(samples.slice(r * round, (r + 1) * round), 0.5),
  );
  return { median: Math.min(...medians), p95: quantile(samples, 0.95) };
}

async function timed(count: number, once: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await once(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

/** Objects in the token as another process sees them (session objects never show). */
function tokenObjects(): number {
  const pins = JSON.parse(readFileSync(config.pkcs11.pinFile, 'utf8')) as { userPin: string };
  const listed = run(
    'pkcs11-tool',
    ['--module', config.pkcs11.modulePath, '--token-label', 'shomei', '--login', '--pin', pins.userPin, '-O'],
    { env: { ...process.env, SOFTHSM2_CONF: path.join(home, 'softhsm2.conf') } },
  );
  if (listed.status !== 0) throw new Error(listed.stderr);
  return (listed.stdout.match(/^(Private Key|Public Key|Secret Key|Certificate|Data) Object/gm) ?? []).length;
}

async function databaseMegabytes(): Promise<number> {
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(shomei.database.db);
  let bytes = 0;
  for (const suffix of ['', '-wal']) {
    try {
      bytes += statSync(path.join(home, `shomei.db${suffix}`)).size;
    } catch {
      // No WAL file at this moment.
    }
  }
  return bytes / 1e6;
}

/** One envelope that every document row belongs to (the service caps envelopes at 10; rows need one). */
async function holderEnvelope(): Promise<string> {
  const identity = shomei.identity;
  const tenant = await identity.accounts.createTenant({ slug: 'scale', name: 'スケール株式会社' });
  const user = await identity.accounts.createUser({
    tenantId: tenant.id,
    email: 'owner@scale.example',
    displayName: 'owner',
    familyName: '山田',
    givenName: '太郎',
  });
  const envelope = await shomei.contracts.create(
    {
      kind: 'user',
      userId: user.id,
      tenantId: tenant.id,
      email: user.email,
      authentication: 'password+totp',
    },
    {
      title: 'スケール',
      counterparty: 'S株式会社',
      parties: [{ role: 'signer', signingMode: 'witness-type', email: 'w@scale.example', name: '佐藤 花子' }],
    },
  );
  return envelope.id;
}

function documentRow(envelopeId: string, id: string, kekId: string, sealed: Uint8Array): DocumentTable {
  return {
    id,
    envelope_id: envelopeId,
    position: 0,
    name: `${id}.pdf`,
    hsm_key_id: kekId,
    sealed_key: sealed,
    current_version: 1,
    original_sha256: createHash('sha256').update(id).digest('hex'),
    status: 'active',
    created_at: new Date().toISOString(),
    shredded_at: null,
  };
}

async function growDocuments(envelopeId: string, from: number, to: number): Promise<void> {
  const kekId = await shomei.keyHierarchy.keks.currentKek('contract-document');
  for (let n = from; n < to; n += INSERT_BATCH) {
    const rows = Array.from({ length: Math.min(INSERT_BATCH, to - n) }, () =>
      documentRow(envelopeId, randomUUID(), kekId, randomBytes(60)),
    );
    await documents.db.insertInto('contract_documents').values(rows).execute();
  }
}

/** Seals `SAMPLES` new content keys (timed) and records them, then opens each by id (timed). */
async function measureDocuments(envelopeId: string): Promise<{ seal: number[]; open: number[] }> {
  const ids = Array.from({ length: SAMPLES }, () => randomUUID());
  const sealedRows: DocumentTable[] = [];
  const seal = await timed(SAMPLES, async (i) => {
    const key = await documents.vault.newDocumentKey(ids[i]!);
    sealedRows.push(documentRow(envelopeId, ids[i]!, key.hsmKeyId, key.sealedKey));
  });
  for (let i = 0; i < sealedRows.length; i += INSERT_BATCH) {
    await documents.db
      .insertInto('contract_documents')
      .values(sealedRows.slice(i, i + INSERT_BATCH))
      .execute();
  }
  const open = await timed(SAMPLES, async (i) => {
    const row = await documents.db
      .selectFrom('contract_documents')
      .selectAll()
      .where('id', '=', ids[i]!)
      .executeTakeFirstOrThrow();
    (await documents.vault.contentKeyOf(row)).fill(0);
  });
  return { seal, open };
}

/** The measured credentials' keys: real wrapped keys, generated through the module. */
async function makeSigningKeys(): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < COLD_KEYS; i++) {
    const key = await shomei.crypto.generateSigningKey('EC-P256', `scale:${i}`, {
      purpose: 'user-signing',
      owner: `credential-${i}`,
    });
    ids.push(key.id);
  }
  return ids;
}

async function growCredentials(template: string, from: number, to: number): Promise<void> {
  const db = shomei.database.db.withTables<KeyHierarchyTables>();
  const real = await db
    .selectFrom('wrapped_keys')
    .selectAll()
    .where('key_id', '=', template)
    .executeTakeFirstOrThrow();
  for (let n = from; n < to; n += INSERT_BATCH) {
    const rows = Array.from({ length: Math.min(INSERT_BATCH, to - n) }, (_, i) => ({
      ...real,
      key_id: randomBytes(16).toString('hex'),
      owner: `filler-${n + i}`,
    }));
    await db.insertInto('wrapped_keys').values(rows).execute();
  }
}

let coldCursor = 0;

async function measureSigning(
  keyIds: string[],
): Promise<{ cold: number[]; cached: number[]; unwrapsEvicted: number }> {
  const digest = createHash('sha256').update('scale').digest();
  const evictedBefore = shomei.crypto.sessionKeyCache.evicted;
  const sign = (keyId: string) => shomei.crypto.signDigest(keyId, digest, { digestAlgorithm: 'SHA-256' });
  // Warm the path once so that the first sample does not carry module start-up.
  await sign(keyIds[0]!);
  // In turn through more keys than the LRU holds, carried on from the previous size: each was
  // evicted since its last use, so each signature unwraps.
  const cold = await timed(SAMPLES, () => {
    coldCursor = (coldCursor + 1) % keyIds.length;
    return sign(keyIds[coldCursor]!);
  });
  const cached = await timed(SAMPLES, () => sign(keyIds[0]!));
  return { cold, cached, unwrapsEvicted: shomei.crypto.sessionKeyCache.evicted - evictedBefore };
}

type Row = {
  size: number;
  figures: Record<string, { median: number; p95: number }>;
  objects: number;
  mb: number;
};

function print(kind: string, row: Row): void {
  const parts = Object.entries(row.figures).map(
    ([op, f]) => `${op} ${f.median.toFixed(2)} ms (p95 ${f.p95.toFixed(2)})`,
  );
  console.log(
    `${kind} ${String(row.size).padStart(7)}: ${parts.join(', ')}; token objects ${row.objects}; database ${row.mb.toFixed(1)} MB; load ${loadavg()[0]!.toFixed(1)}`,
  );
}

function ratios(kind: string, rows: Row[]): void {
  const first = rows[0]!;
  const last = rows.at(-1)!;
  for (const op of Object.keys(first.figures)) {
    const ratio = last.figures[op]!.median / first.figures[op]!.median;
    console.log(
      `  ${kind} ${op}: ${last.size} / ${first.size} median ratio ${ratio.toFixed(2)} ${ratio <= 1.5 ? '(≤ 1.5)' : '(ABOVE 1.5)'}`,
    );
  }
  console.log(`  ${kind} token objects: ${first.objects} at ${first.size}, ${last.objects} at ${last.size}`);
}

try {
  console.log(
    `load average at start ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const envelopeId = await holderEnvelope();
  const documentRows: Row[] = [];
  let stored = 0;
  for (const size of documentSizes) {
    // Fillers up to the size less the documents this step seals and records itself.
    await growDocuments(envelopeId, stored, size - SAMPLES);
    stored = size;
    const { seal, open } = await measureDocuments(envelopeId);
    const row = {
      size,
      figures: { seal: summary(seal), open: summary(open) },
      objects: tokenObjects(),
      mb: await databaseMegabytes(),
    };
    documentRows.push(row);
    print('documents', row);
  }
  const keyIds = await makeSigningKeys();
  const credentialRows: Row[] = [];
  let credentials = COLD_KEYS;
  for (const size of credentialSizes) {
    await growCredentials(keyIds[0]!, credentials, size);
    credentials = Math.max(credentials, size);
    const { cold, cached, unwrapsEvicted } = await measureSigning(keyIds);
    console.log(
      `  (${unwrapsEvicted} session keys evicted while signing at ${size}: the cold samples unwrapped)`,
    );
    const row = {
      size,
      figures: { 'sign cold': summary(cold), 'sign cached': summary(cached) },
      objects: tokenObjects(),
      mb: await databaseMegabytes(),
    };
    credentialRows.push(row);
    print('credentials', row);
  }
  console.log('largest / smallest:');
  ratios('documents', documentRows);
  ratios('credentials', credentialRows);
  console.log(
    `load average at end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  await shomei.close();
  rmSync(home, { recursive: true, force: true });
}
