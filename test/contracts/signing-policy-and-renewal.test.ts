/**
 * A tenant's signing policy and a signing certificate's end (issue #15): the holder is mailed once per
 * threshold before the certificate ends and renews through the same RA review, the new credential
 * keeping PIN and one-time factor while the old certificate is revoked (openssl judges the CRL); a
 * tenant administrator may make the login TOTP app the signing factor and limit the signing modes,
 * which the server enforces with a typed, audited refusal.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import type { Kysely } from 'kysely';
import { generate } from 'otplib';
import { setPermission } from '../../src/contracts/index.ts';
import type { User } from '../../src/identity/index.ts';
import type { MailTables } from '../../src/mail/index.ts';
import { registerRsspRoutes } from '../../src/rssp/index.ts';
import { run } from '../helpers/run.ts';
import {
  Client,
  type ContractsHarness,
  createUser,
  json,
  openContractsHarness,
  PASSWORD,
  samplePdf,
} from './harness.ts';

let h: ContractsHarness;
before(async () => {
  h = await openContractsHarness();
});
after(async () => {
  await h?.close();
});

const DAY = 24 * 3600 * 1000;
const PIN = '246801';
const errorOf = (response: { body: string }) =>
  json<{ error: { code: string; message: string; messageEn?: string } }>(response).error;

/** Logs in with password and a newly enrolled login TOTP, keeping the seed (the login factor). */
async function loginKeepingSeed(email: string): Promise<{ client: Client; loginSeed: string }> {
  const client = new Client(h.app);
  assert.equal((await client.send('POST', '/api/auth/login', { email, password: PASSWORD })).statusCode, 200);
  const { secret } = json<{ secret: string }>(await client.send('POST', '/api/auth/totp/enrol'));
  const confirmed = await client.send('POST', '/api/auth/totp/confirm', { code: await generate({ secret }) });
  assert.equal(confirmed.statusCode, 200, confirmed.body);
  return { client, loginSeed: secret };
}

/** A code of the next time step: the login itself spent the current one (a step is accepted once). */
const nextStepCode = (secret: string) =>
  generate({ secret, epoch: (Math.floor(Date.now() / 30_000) + 1) * 30 });

async function approvedCredential(user: User, operator: User) {
  const rssp = h.shomei.rssp;
  const application = await rssp.applications.apply(
    { userId: user.id, tenantId: user.tenantId },
    { commonName: 'Kato Ichiro', organisation: 'Example KK' },
  );
  await rssp.applications.approve(application.id, operator.id, {
    identityCheck: { method: 'in-person', reference: 'RA-2026-0101' },
  });
  await rssp.credentials.setPin(application.credentialId, user.id, PIN);
  const { secret } = await rssp.credentials.enrolTotp(application.credentialId, user.id);
  return { id: application.credentialId, otpSeed: secret };
}

async function outboxTo(address: string) {
  return (h.shomei.database.db as unknown as Kysely<MailTables>)
    .selectFrom('mail_outbox')
    .selectAll()
    .where('recipient', '=', address)
    .orderBy('created_at')
    .execute();
}

async function draft(client: Client, signingMode: 'signer-type' | 'witness-type', email: string) {
  return client.send('POST', '/api/envelopes', {
    title: '業務委託契約書',
    counterparty: 'C株式会社',
    parties: [{ role: 'signer', signingMode, email, name: '中村 三郎', company: 'C株式会社' }],
  });
}

describe('signing certificate expiry and renewal', () => {
  it('mails the holder once per threshold, then renewal through the RA supersedes the old certificate', async () => {
    const user = await createUser(h, { email: 'kato@a.example', tenantSlug: 'tenant-a' });
    const operator = await createUser(h, { email: 'ra2@ops.example', tenantSlug: 'ops' });
    const rssp = h.shomei.rssp;
    const old = await approvedCredential(user, operator);
    const before = await rssp.credentials.require(old.id);
    const notAfter = new Date(before.cert_not_after!).getTime();

    // 40 days before: nothing; 20 days before: the 30-day notice, once; 5 days before: the 7-day one, once.
    assert.deepEqual(await rssp.expiryNotices.check(new Date(notAfter - 40 * DAY)), []);
    assert.equal((await rssp.expiryNotices.check(new Date(notAfter - 20 * DAY))).length, 1);
    assert.deepEqual(await rssp.expiryNotices.check(new Date(notAfter - 19 * DAY)), []);
    const late = await rssp.expiryNotices.check(new Date(notAfter - 5 * DAY));
    assert.deepEqual(
      late.map((n) => [n.credentialId, n.daysLeft]),
      [[old.id, 5]],
    );
    assert.deepEqual(await rssp.expiryNotices.check(new Date(notAfter - 4 * DAY)), []);
    const mails = await outboxTo(user.email);
    const notices = mails.filter((m) => m.subject.includes('有効期限'));
    assert.equal(notices.length, 2);
    // Japanese and English, naming the certificate, its serial, its end and where to renew.
    assert.match(notices[0]!.text, /CN=Kato Ichiro/);
    assert.ok(notices[0]!.text.includes(before.cert_serial!));
    assert.ok(notices[0]!.text.includes(new Date(notAfter).toISOString()));
    assert.match(notices[0]!.text, /更新を申請[\s\S]*Apply for renewal[\s\S]*\/me\/certificate/);
    assert.ok(!notices[0]!.text.includes(old.otpSeed), 'no secret in the mail');

    // Renewal: a new key waits for the RA; the old credential still signs meanwhile.
    const other = await createUser(h, { email: 'mori@a.example', tenantSlug: 'tenant-a' });
    await assert.rejects(rssp.applications.renew({ userId: other.id, tenantId: other.tenantId }, old.id, {}));
    const renewal = await rssp.applications.renew({ userId: user.id, tenantId: user.tenantId }, old.id, {});
    assert.equal(renewal.renewsCredentialId, old.id);
    assert.equal(renewal.subject, 'CN=Kato Ichiro, O=Example KK, C=JP');
    await assert.rejects(rssp.applications.renew({ userId: user.id, tenantId: user.tenantId }, old.id, {}), {
      code: 'SHOMEI_RSSP_APPLICATION_PENDING',
    });
    assert.equal((await rssp.credentials.require(old.id)).status, 'active');
    assert.equal((await rssp.credentials.require(renewal.credentialId)).status, 'pending-certificate');
    await assert.rejects(
      rssp.applications.approve(renewal.id, user.id, {
        identityCheck: { method: 'in-person', reference: 'x' },
      }),
      { code: 'SHOMEI_RSSP_APPLICATION_SAME_PERSON' },
    );
    await rssp.applications.approve(renewal.id, operator.id, {
      identityCheck: { method: 'identity-document-copy', reference: 'RA-2026-0202' },
    });
    const renewed = await rssp.credentials.require(renewal.credentialId);
    const retired = await rssp.credentials.require(old.id);
    assert.equal(renewed.status, 'active');
    assert.notEqual(renewed.cert_serial, before.cert_serial);
    assert.notDeepEqual(Buffer.from(renewed.public_key), Buffer.from(before.public_key), 'a new key');
    assert.equal(retired.status, 'revoked');
    assert.equal(retired.key_id, null, 'the old key is destroyed (JT2A appendix 4)');
    assert.ok(
      renewed.pin_hash !== null && renewed.otp_method === 'totp',
      'PIN and one-time factor carried over',
    );

    // openssl, not our code, says the old certificate is revoked and the new one is good.
    const [issuing, root] = await h.shomei.ca.chain();
    const pem = (der: Uint8Array, label = 'CERTIFICATE') =>
      `-----BEGIN ${label}-----\n${Buffer.from(der)
        .toString('base64')
        .replace(/(.{64})/g, '$1\n')
        .trim()}\n-----END ${label}-----\n`;
    const file = (name: string, text: string) => {
      const p = path.join(h.dir, name);
      writeFileSync(p, text);
      return p;
    };
    const chain = file('chain.pem', pem(issuing!) + pem(root!));
    const crls = file(
      'crls.pem',
      pem(await h.shomei.ca.crl('issuing'), 'X509 CRL') + pem(await h.shomei.ca.crl('root'), 'X509 CRL'),
    );
    const verify = (cert: Uint8Array, name: string) =>
      run('openssl', ['verify', '-crl_check', '-CAfile', chain, '-CRLfile', crls, file(name, pem(cert))]);
    const oldResult = verify(before.certificate!, 'old.pem');
    assert.notEqual(oldResult.status, 0);
    assert.match(oldResult.stdout + oldResult.stderr, /certificate revoked/);
    const newResult = verify(renewed.certificate!, 'new.pem');
    assert.equal(newResult.status, 0, newResult.stdout + newResult.stderr);
    // The superseded certificate gets no further notices (here the new one, issued the same day as the
    // old in test time, is the only one told).
    const afterRenewal = await rssp.expiryNotices.check(new Date(notAfter - 1 * DAY));
    assert.deepEqual(
      afterRenewal.map((n) => n.credentialId),
      [renewed.credential_id],
    );
  });
});

describe('tenant signing policy', () => {
  it('login TOTP as the signing factor and allowed modes: administrators only, enforced, audited', async () => {
    const admin = await createUser(h, { email: 'admin@p.example', tenantSlug: 'tenant-p' });
    const sender = await createUser(h, { email: 'ito@p.example', tenantSlug: 'tenant-p' });
    const operator = await createUser(h, { email: 'ra3@ops.example', tenantSlug: 'ops' });
    await setPermission(h.contracts.context, { kind: 'operator', id: 'test' }, admin.tenantId, {
      userId: admin.id,
      permission: 'tenant.admin',
      granted: true,
    });
    const adminClient = (await loginKeepingSeed(admin.email)).client;
    const { client, loginSeed } = await loginKeepingSeed(sender.email);

    // Defaults: both modes, the credential's own one-time code.
    assert.deepEqual(json(await client.send('GET', '/api/contracts/signing-policy')), {
      allowedModes: ['signer-type', 'witness-type'],
      signingFactor: 'credential-otp',
    });
    const policy = { allowedModes: ['signer-type'], signingFactor: 'login-totp' };
    const byMember = await client.send('PUT', '/api/contracts/signing-policy', policy);
    assert.equal(byMember.statusCode, 403);
    for (const bad of [
      { allowedModes: [], signingFactor: 'login-totp' },
      { allowedModes: ['signer-type', 'signer-type'], signingFactor: 'login-totp' },
      { allowedModes: ['signer-type'], signingFactor: 'sms' },
      { allowedModes: ['signer-type'], signingFactor: 'login-totp', extra: 1 },
    ]) {
      const refused = await adminClient.send('PUT', '/api/contracts/signing-policy', bad);
      assert.equal(refused.statusCode, 400, JSON.stringify(bad));
    }
    const set = await adminClient.send('PUT', '/api/contracts/signing-policy', policy);
    assert.equal(set.statusCode, 200, set.body);
    const audited = h.audit.ofType('contracts.signing-policy.set');
    assert.equal(audited.length, 1);
    assert.deepEqual(audited[0]!.details?.after, policy);
    assert.deepEqual(audited[0]!.details?.before, {
      allowedModes: ['signer-type', 'witness-type'],
      signingFactor: 'credential-otp',
    });
    assert.equal(audited[0]!.actor.id, admin.id);
    // Another tenant keeps the defaults.
    const elsewhere = await createUser(h, { email: 'ono@q.example', tenantSlug: 'tenant-q' });
    const q = (await loginKeepingSeed(elsewhere.email)).client;
    assert.equal(
      json<{ signingFactor: string }>(await q.send('GET', '/api/contracts/signing-policy')).signingFactor,
      'credential-otp',
    );

    // A witness-type party is refused with a typed error in both languages, audited, no draft left.
    const listBefore = json<{ items: unknown[] }>(await client.send('GET', '/api/envelopes')).items.length;
    const witness = await draft(client, 'witness-type', 'nakamura@c.example');
    assert.equal(witness.statusCode, 403);
    assert.equal(errorOf(witness).code, 'SHOMEI_SIGNING_MODE_NOT_ALLOWED');
    assert.match(witness.body, /立会人型/);
    assert.match(witness.body, /does not allow witness-type/);
    const refusal = h.audit.ofType('envelope.create').filter((e) => e.outcome === 'failure');
    assert.equal(refusal.at(-1)?.details?.reason, 'signing-mode-not-allowed');
    assert.equal(
      json<{ items: unknown[] }>(await client.send('GET', '/api/envelopes')).items.length,
      listBefore,
    );
    // Nor may a signer-type party be switched to witness-type.
    const ownParty = await client.send('POST', '/api/envelopes', {
      title: '秘密保持契約書',
      counterparty: 'P株式会社',
      parties: [{ role: 'signer', signingMode: 'signer-type', userId: sender.id }],
    });
    assert.equal(ownParty.statusCode, 201, ownParty.body);
    const envelope = json<{ id: string; parties: { id: string }[] }>(ownParty);
    const switched = await client.send(
      'POST',
      `/api/envelopes/${envelope.id}/parties/${envelope.parties[0]!.id}/witness-type`,
    );
    assert.equal(errorOf(switched).code, 'SHOMEI_SIGNING_MODE_NOT_ALLOWED');

    // Signing: PIN + the login app's code; the credential's own code no longer activates it.
    const credential = await approvedCredential(sender, operator);
    await client.send('POST', `/api/envelopes/${envelope.id}/documents?name=nda.pdf`, undefined, {
      contentType: 'application/pdf',
      raw: samplePdf(1, 'nda'),
    });
    assert.equal((await client.send('POST', `/api/envelopes/${envelope.id}/send`)).statusCode, 200);
    const view = json<{ documents: { sha256: string }[] }>(
      await client.send('GET', `/api/envelopes/${envelope.id}`),
    );
    const sign = async (otp: string) =>
      client.send('POST', `/api/envelopes/${envelope.id}/sign/signer`, {
        credentialId: credential.id,
        pin: PIN,
        otp,
        documentSha256: view.documents.map((d) => d.sha256),
      });
    const withCredentialCode = await sign(await generate({ secret: credential.otpSeed }));
    assert.ok(withCredentialCode.statusCode >= 400, 'the credential’s own code is not the factor now');
    const signed = await sign(await nextStepCode(loginSeed));
    assert.equal(signed.statusCode, 200, signed.body);
    const activations = await h.shomei.audit.search({ type: 'sad.issue', actor: sender.id });
    assert.deepEqual(
      activations.map((a) => [
        a.outcome,
        (a.details as { authenticationMethod?: string }).authenticationMethod,
      ]),
      [
        ['failure', 'pin+login-totp'],
        ['success', 'pin+login-totp'],
      ],
    );
    // The signing's own record names the login app as the factor, not the credential's code (issue #19).
    const signedRecord = h.audit.ofType('envelope.sign').filter((e) => e.outcome === 'success');
    assert.equal(signedRecord.at(-1)?.details?.signatureActivation, 'pin+login-totp');

    // A CSC client reads from credentials/info which code to ask for.
    const csc = Fastify();
    await registerRsspRoutes(csc, h.shomei.rssp);
    try {
      const basic = Buffer.from(`${sender.email}:${PASSWORD}`).toString('base64');
      const login = await csc.inject({
        method: 'POST',
        url: '/csc/v2/auth/login',
        headers: { authorization: `Basic ${basic}` },
        payload: {},
      });
      const token = (login.json() as { access_token: string }).access_token;
      const info = await csc.inject({
        method: 'POST',
        url: '/csc/v2/credentials/info',
        headers: { authorization: `Bearer ${token}` },
        payload: { credentialID: credential.id, lang: 'en-US' },
      });
      const otpObject = (
        info.json() as { auth: { objects: { id: string; description: string }[] } }
      ).auth.objects.find((o) => o.id === 'OTP');
      assert.match(otpObject?.description ?? '', /authenticator app you log in with/);
      // Nor is a code mailed that the login factor would refuse (credentials/getChallenge).
      const mailed = await h.shomei.rssp.applications.apply(
        { userId: sender.id, tenantId: sender.tenantId },
        { commonName: 'Ito Mail', algorithm: 'EC-P256' },
      );
      await h.shomei.rssp.applications.approve(mailed.id, operator.id, {
        identityCheck: { method: 'in-person', reference: 'RA-2026-0303' },
      });
      await h.shomei.rssp.credentials.enrolEmailCodes(mailed.credentialId, sender.id, 'ito-sign@p.example');
      const challenge = () =>
        csc.inject({
          method: 'POST',
          url: '/csc/v2/credentials/getChallenge',
          headers: { authorization: `Bearer ${token}` },
          payload: { credentialID: mailed.credentialId, authObjectID: 'OTP' },
        });
      assert.equal((await challenge()).statusCode, 400);

      // Narrowed to witness-type only: a draft made before cannot be sent any more.
      const earlier = json<{ id: string }>(await draft(client, 'signer-type', 'nakamura@c.example')).id;
      await client.send('POST', `/api/envelopes/${earlier}/documents?name=a.pdf`, undefined, {
        contentType: 'application/pdf',
        raw: samplePdf(1, 'a'),
      });
      await adminClient.send('PUT', '/api/contracts/signing-policy', {
        allowedModes: ['witness-type'],
        signingFactor: 'credential-otp',
      });
      const send = await client.send('POST', `/api/envelopes/${earlier}/send`);
      assert.equal(errorOf(send).code, 'SHOMEI_SIGNING_MODE_NOT_ALLOWED');
      assert.equal(
        json<{ status: string }>(await client.send('GET', `/api/envelopes/${earlier}`)).status,
        'draft',
      );
      // Back on the credential's own codes, the mailed challenge is sent.
      assert.equal((await challenge()).statusCode, 204);
      assert.equal((await outboxTo('ito-sign@p.example')).length, 1);
    } finally {
      await csc.close();
    }
  });
});
