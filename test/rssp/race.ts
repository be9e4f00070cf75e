/**
 * Racing signHash calls on one single-use SAD, across two service instances with their own database
 * connections (as several shomei instances behind a load balancer would be). Shared by the SQLite and
 * PostgreSQL test files.
 */
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  createRemoteSignatureService,
  DEFAULT_RSSP_SETTINGS,
  registerRsspRoutes,
} from '../../src/rssp/index.ts';
import { openDatabase } from '../../src/store/index.ts';
import { authorize, digestOf, enrolSigner, OID, opensslVerify, type RsspFixture } from './fixture.ts';

/** A second instance: same HSM, its own database pool and routes. */
export async function secondInstance(
  f: RsspFixture,
  url: string,
): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  const database = openDatabase(url);
  const rssp = createRemoteSignatureService({
    database,
    crypto: f.shomei.crypto,
    keys: f.shomei.keys,
    audit: f.audit,
    clock: f.clock.read,
    users: f.users,
    issuer: f.ca,
    certificateStatus: f.ca,
    settings: { ...DEFAULT_RSSP_SETTINGS, publicUrl: 'https://rssp.test' },
  });
  const app = Fastify({ logger: false });
  await registerRsspRoutes(app, rssp);
  await app.ready();
  return {
    app,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export async function raceOnSingleUseSad(f: RsspFixture, other: FastifyInstance, racers = 12): Promise<void> {
  const signer = await enrolSigner(f, `racer${Date.now()}`);
  const hash = digestOf('one signature only');
  const auth = await authorize(f, signer, [hash]);
  assert.equal(auth.status, 200);
  const request = {
    method: 'POST' as const,
    url: '/csc/v2/signatures/signHash',
    headers: { authorization: `Bearer ${signer.token}` },
    payload: {
      credentialID: signer.credentialId,
      SAD: auth.body.SAD,
      hashes: [hash.toString('base64')],
      signAlgo: OID.ecdsaSha256,
    },
  };
  const failuresBefore = f.audit.ofType('signature.create', 'failure').length;
  const responses = await Promise.all(
    Array.from({ length: racers }, (_, i) => (i % 2 === 0 ? f.app : other).inject(request)),
  );
  const ok = responses.filter((r) => r.statusCode === 200);
  assert.equal(
    ok.length,
    1,
    `exactly one of ${racers} racing calls signs: ${responses.map((r) => r.statusCode).join(',')}`,
  );
  for (const r of responses.filter((x) => x.statusCode !== 200)) {
    assert.equal(r.statusCode, 400);
    assert.deepEqual(r.json(), { error: 'invalid_request', error_description: 'Invalid parameter SAD' });
  }
  const signature = Buffer.from(ok[0]!.json().signatures[0], 'base64');
  assert.ok(opensslVerify(signer.publicKey, 'one signature only', signature));
  assert.equal(
    f.audit.ofType('signature.create', 'failure').length - failuresBefore,
    racers - 1,
    'every loser is audited',
  );
}

export async function raceOnBatchSad(f: RsspFixture, other: FastifyInstance): Promise<void> {
  const signer = await enrolSigner(f, `batch${Date.now()}`);
  const a = digestOf('batch A');
  const b = digestOf('batch B');
  const auth = await authorize(f, signer, [a, b]);
  const call = (app: FastifyInstance, hash: Buffer) =>
    app.inject({
      method: 'POST',
      url: '/csc/v2/signatures/signHash',
      headers: { authorization: `Bearer ${signer.token}` },
      payload: {
        credentialID: signer.credentialId,
        SAD: auth.body.SAD,
        hashes: [hash.toString('base64')],
        signAlgo: OID.ecdsaSha256,
      },
    });
  const responses = await Promise.all([
    ...Array.from({ length: 4 }, (_, i) => call(i % 2 === 0 ? f.app : other, a)),
    ...Array.from({ length: 4 }, (_, i) => call(i % 2 === 0 ? other : f.app, b)),
  ]);
  const statuses = responses.map((r) => r.statusCode);
  assert.equal(statuses.slice(0, 4).filter((s) => s === 200).length, 1, `A signs once: ${statuses}`);
  assert.equal(statuses.slice(4).filter((s) => s === 200).length, 1, `B signs once: ${statuses}`);
}
