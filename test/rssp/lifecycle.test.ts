/**
 * Credential lifecycle through /api/credentials: key generated in the HSM (non-extractable), CSR →
 * certificate → active, PIN (argon2id) and TOTP enrolment, authenticated and replay-protected
 * suspend/revoke/renew, and the key gone from the token (pkcs11-tool) once revoked.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { readPinFile } from '../../src/crypto/index.ts';
import { NONCE_HEADER, TIMESTAMP_HEADER } from '../../src/rssp/index.ts';
import { softHsmEnv } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';
import {
  authorize,
  csc,
  digestOf,
  enrolSigner,
  login,
  nextOtp,
  OID,
  openRsspFixture,
  PIN,
  type RsspFixture,
} from './fixture.ts';

let f: RsspFixture;
let token: string;
let userId: string;

before(async () => {
  f = await openRsspFixture();
  userId = f.users.add('hana', 'pw-hana-secret');
  token = await login(f, 'hana');
});
after(async () => {
  await f.close();
});

function api(method: 'GET' | 'POST', url: string, payload?: unknown, headers: Record<string, string> = {}) {
  return f.app.inject({
    method,
    url: `/api/credentials${url}`,
    headers: { authorization: `Bearer ${token}`, ...headers },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
}

const fresh = () => ({
  [NONCE_HEADER]: randomBytes(24).toString('base64url'),
  [TIMESTAMP_HEADER]: f.clock.now().toISOString(),
});

function tokenObjects(): string {
  const pins = readPinFile(f.shomei.config.pkcs11.pinFile);
  const result = run(
    'pkcs11-tool',
    [
      '--module',
      f.shomei.config.pkcs11.modulePath,
      '--token-label',
      f.shomei.config.pkcs11.tokenLabel,
      '--login',
      '--pin',
      pins.userPin,
      '--list-objects',
    ],
    { env: softHsmEnv(f.shomei.home) },
  );
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

describe('creating a credential', () => {
  test('the key is generated in the HSM, non-extractable and sign-only; the certificate certifies it', async () => {
    const created = await api('POST', '/', {
      algorithm: 'EC-P256',
      subject: 'CN=山田 花子, C=JP',
      description: '契約署名用',
    });
    assert.equal(created.statusCode, 201, created.body);
    const body = created.json();
    assert.equal(body.status, 'active');
    assert.equal(body.scal, '2');
    assert.match(body.certificate.subjectDN, /山田 花子/);
    const credential = await f.rssp.credentials.require(body.credentialID);
    const key = await f.shomei.crypto.getKey(credential.key_id!);
    assert.equal(key.attributes.extractable, false);
    assert.equal(key.attributes.sensitive, true);
    assert.equal(key.attributes.sign, true);
    assert.equal(key.attributes.decrypt, false);
    assert.ok(key.publicKey!.equals(Buffer.from(credential.public_key)));
    assert.equal((await f.shomei.keys.get(credential.key_id!))?.purpose, 'user-signing');
    // Kept outside the token, wrapped under the user-signing KEK for this credential (ADR 017).
    assert.equal(tokenObjects().includes(`rssp:${body.credentialID}`), false);
    const wrapped = await f.shomei.keyHierarchy.find(credential.key_id!);
    assert.deepEqual([wrapped?.owner, wrapped?.purpose], [body.credentialID, 'user-signing']);
    assert.equal(f.audit.last('credential.activate')?.details?.certificateSerial, credential.cert_serial);
  });

  test('a certificate for another key is refused and the credential stays inactive', async () => {
    const pending = await f.rssp.credentials.create({
      userId,
      algorithm: 'EC-P256',
      subject: 'CN=pending, C=JP',
    });
    const other = await enrolSigner(f, 'other');
    const otherCert = (await f.rssp.credentials.require(other.credentialId)).certificate!;
    // Put the first back to pending-certificate to simulate an RA that answers later.
    await f.rssp.db
      .updateTable('rssp_credentials')
      .set({ status: 'pending-certificate' })
      .where('credential_id', '=', pending.credential.credential_id)
      .execute();
    await assert.rejects(
      f.rssp.credentials.installCertificate(
        pending.credential.credential_id,
        Buffer.from(otherCert),
        [],
        'ra-1',
      ),
      (e: Error & { code?: string }) => e.code === 'SHOMEI_RSSP_CERTIFICATE_KEY_MISMATCH',
    );
    assert.equal(
      (await f.rssp.credentials.require(pending.credential.credential_id)).status,
      'pending-certificate',
    );
  });

  test('SCAL1 only for a tenant that configured it; bad input is refused', async () => {
    await assert.rejects(
      f.rssp.credentials.create({
        userId,
        algorithm: 'EC-P256',
        subject: 'CN=x, C=JP',
        scal: '1',
        tenantId: 't1',
      }),
      (e: Error & { code?: string }) => e.code === 'SHOMEI_RSSP_SCAL1_NOT_ALLOWED',
    );
    const bad = await api('POST', '/', { algorithm: 'DSA-1024', subject: 'CN=x' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'SHOMEI_BAD_REQUEST');
    const badSubject = await api('POST', '/', { algorithm: 'EC-P256', subject: 'XX=nonsense' });
    assert.equal(badSubject.json().error.code, 'SHOMEI_RSSP_SUBJECT_INVALID');
    const anonymous = await f.app.inject({ method: 'GET', url: '/api/credentials/' });
    assert.equal(anonymous.statusCode, 400);
  });
});

describe('PIN and one-time code', () => {
  test('PIN stored as argon2id; TOTP enrolled once, seed sealed; a PIN change needs the old PIN and a one-time code', async () => {
    const created = (await api('POST', '/', { algorithm: 'EC-P256', subject: 'CN=pin, C=JP' })).json();
    const id = created.credentialID as string;
    assert.equal(
      (await api('POST', `/${id}/pin`, { pin: '12' })).json().error.code,
      'SHOMEI_RSSP_PIN_FORMAT',
    );
    assert.equal((await api('POST', `/${id}/pin`, { pin: PIN })).statusCode, 204);
    assert.equal((await api('POST', `/${id}/pin`, { pin: '111111' })).statusCode, 409, 'set once');
    const row = await f.rssp.credentials.require(id);
    assert.match(row.pin_hash!, /^\$argon2id\$/);
    const totp = await api('POST', `/${id}/totp`);
    assert.equal(totp.statusCode, 200);
    assert.equal(totp.headers['cache-control'], 'no-store');
    const { secret, uri } = totp.json();
    assert.match(uri, /^otpauth:\/\/totp\//);
    assert.equal((await api('POST', `/${id}/totp`)).statusCode, 409);
    const sealed = Buffer.from((await f.rssp.credentials.require(id)).totp_seed_sealed!);
    assert.ok(!sealed.toString('latin1').includes(secret), 'the seed is not stored in the clear');
    assert.ok(!JSON.stringify(f.audit.events).includes(secret));
    // A bearer token proves only a password: the PIN changes only with the one-time code as well.
    const change = (body: Record<string, string>) => api('POST', `/${id}/pin/change`, body);
    assert.equal((await change({ oldPin: PIN, newPin: '135790' })).statusCode, 400, 'no one-time code');
    assert.equal(
      (await change({ oldPin: PIN, newPin: '135790', otp: '000000' })).json().error.code,
      'invalid_authentication_data',
    );
    assert.equal(
      (await change({ oldPin: '000000', newPin: '135790', otp: await nextOtp(f, secret) })).statusCode,
      400,
    );
    assert.equal(
      (await change({ oldPin: PIN, newPin: '135790', otp: await nextOtp(f, secret) })).statusCode,
      204,
    );
    assert.equal(
      (await f.rssp.credentials.require(id)).failed_attempts,
      0,
      'the right factors clear the count',
    );
  });
});

describe('suspend, revoke, renew', () => {
  test('state-changing requests need a fresh, single-use nonce', async () => {
    const signer = await enrolSigner(f, 'ichiro');
    const call = async (action: string, headers: Record<string, string>, otp?: string) =>
      f.app.inject({
        method: 'POST',
        url: `/api/credentials/${signer.credentialId}/${action}`,
        headers: { authorization: `Bearer ${signer.token}`, ...headers },
        payload: { pin: PIN, otp: otp ?? (await nextOtp(f, signer.totpSecret)) },
      });
    assert.equal((await call('suspend', {})).statusCode, 409, 'no nonce');
    const passwordOnly = await call('suspend', fresh(), '000000');
    assert.equal(passwordOnly.statusCode, 400, 'the token alone (a password) does not stop a credential');
    assert.equal(passwordOnly.json().error.code, 'invalid_authentication_data');
    const stale = {
      [NONCE_HEADER]: randomBytes(24).toString('base64url'),
      [TIMESTAMP_HEADER]: new Date(f.clock.now().getTime() - 600_000).toISOString(),
    };
    assert.equal((await call('suspend', stale)).statusCode, 409, 'too old');
    const headers = fresh();
    const ok = await call('suspend', headers);
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().status, 'suspended');
    const replay = await call('resume', headers);
    assert.equal(replay.statusCode, 409);
    assert.equal(replay.json().error.code, 'SHOMEI_RSSP_REQUEST_REPLAYED');
    assert.equal((await call('resume', fresh())).json().status, 'active');
    // Someone else's credential reads as absent.
    const foreign = await api(
      'POST',
      `/${signer.credentialId}/suspend`,
      { pin: PIN, otp: '000000' },
      fresh(),
    );
    assert.equal(foreign.statusCode, 404);
  });

  test('revoking revokes the certificate at the CA, destroys the key, and stops signing', async () => {
    const signer = await enrolSigner(f, 'jiro');
    const hash = digestOf('before revocation');
    const auth = await authorize(f, signer, [hash]);
    const credential = await f.rssp.credentials.require(signer.credentialId);
    const keyId = credential.key_id!;
    assert.ok((await f.shomei.keyHierarchy.find(keyId)) !== undefined);
    const revoked = await f.app.inject({
      method: 'POST',
      url: `/api/credentials/${signer.credentialId}/revoke`,
      headers: { authorization: `Bearer ${signer.token}`, ...fresh() },
      payload: { reason: 'keyCompromise', pin: PIN, otp: await nextOtp(f, signer.totpSecret) },
    });
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.equal(revoked.json().status, 'revoked');
    const r = await csc(f, 'signatures/signHash', signer.token, {
      credentialID: signer.credentialId,
      SAD: auth.body.SAD,
      hashes: [hash.toString('base64')],
      signAlgo: OID.ecdsaSha256,
    });
    assert.deepEqual(r.body, {
      error: 'invalid_request',
      error_description: 'The credential identified by credentialID is disabled',
    });
    assert.equal(await f.shomei.crypto.hasKey(keyId), false);
    assert.equal(await f.shomei.keyHierarchy.find(keyId), undefined, 'the wrapped key row is gone');
    assert.equal((await f.shomei.keys.get(keyId))?.status, 'destroyed');
    assert.ok(f.ca.revoked.size > 0);
    const event = f.audit.last('credential.revoke');
    assert.equal(event?.details?.keyDestroyed, keyId);
    assert.equal(event?.details?.certificateRevoked, true);
    const info = await csc(f, 'credentials/info', signer.token, { credentialID: signer.credentialId });
    assert.equal((info.body.cert as { status: string }).status, 'revoked');
    assert.equal((info.body.key as { status: string }).status, 'disabled');
  });

  test('renewing makes a new key, destroys the old one, and keeps PIN and TOTP', async () => {
    const signer = await enrolSigner(f, 'saburo');
    const oldKey = (await f.rssp.credentials.require(signer.credentialId)).key_id!;
    const renewed = await f.app.inject({
      method: 'POST',
      url: `/api/credentials/${signer.credentialId}/renew`,
      headers: { authorization: `Bearer ${signer.token}`, ...fresh() },
      payload: { pin: PIN, otp: await nextOtp(f, signer.totpSecret) },
    });
    assert.equal(renewed.statusCode, 201, renewed.body);
    const next = renewed.json().credentialID as string;
    assert.notEqual(next, signer.credentialId);
    assert.equal(await f.shomei.crypto.hasKey(oldKey), false);
    const hash = digestOf('after renewal');
    const auth = await authorize(f, { ...signer, credentialId: next }, [hash]);
    assert.equal(auth.status, 200, 'same PIN and TOTP work on the new credential');
    const list = await csc(f, 'credentials/list', signer.token, {});
    // The revoked predecessor stays listed (key disabled, certificate revoked) for the record.
    assert.deepEqual(list.body.credentialIDs, [signer.credentialId, next]);
    assert.ok((list.body.credentialIDs as string[]).includes(next));
  });

  test('end of use revokes and destroys, and the credential leaves the list', async () => {
    const signer = await enrolSigner(f, 'shiro');
    const keyId = (await f.rssp.credentials.require(signer.credentialId)).key_id!;
    await f.rssp.credentials.end(signer.credentialId, signer.userId);
    assert.equal(await f.shomei.crypto.hasKey(keyId), false);
    assert.deepEqual((await csc(f, 'credentials/list', signer.token, {})).body.credentialIDs, []);
  });

  test('closing the account ends every credential of the user: certificates revoked, keys destroyed', async () => {
    const signer = await enrolSigner(f, 'goro');
    const second = await f.rssp.credentials.create({
      userId: signer.userId,
      algorithm: 'RSA-2048',
      subject: 'CN=goro rsa, C=JP',
    });
    const keys = [
      (await f.rssp.credentials.require(signer.credentialId)).key_id!,
      (await f.rssp.credentials.require(second.credential.credential_id)).key_id!,
    ];
    const revokedBefore = f.ca.revoked.size;
    const ended = await f.rssp.credentials.endAllForUser(signer.userId, 'account-closure');
    assert.deepEqual(ended.sort(), [signer.credentialId, second.credential.credential_id].sort());
    for (const keyId of keys) assert.equal(await f.shomei.crypto.hasKey(keyId), false);
    assert.equal(f.ca.revoked.size, revokedBefore + 2);
    assert.deepEqual(
      await f.rssp.credentials.endAllForUser(signer.userId, 'account-closure'),
      [],
      'idempotent',
    );
  });
});
