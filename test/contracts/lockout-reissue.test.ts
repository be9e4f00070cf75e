/**
 * Issue #19: an outside signer who types wrong access codes is told how many tries are left; after the
 * fifth the link says it is locked (even to the right code), the sender is mailed and sees ロック中,
 * and re-issues a new code and link in one call (audited, the code in no record). The request mail
 * names the sending company and person, the contract and the deadline, one block per language.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Client,
  type ContractsHarness,
  createUser,
  json,
  login,
  openContractsHarness,
  PASSWORD,
  samplePdf,
} from './harness.ts';

let h: ContractsHarness;
let sender: Client;
before(async () => {
  h = await openContractsHarness();
  const tenant = await h.shomei.identity.accounts.createTenant({ slug: 'lock-a', name: '株式会社サンプル' });
  const user = await h.shomei.identity.accounts.createUser({
    tenantId: tenant.id,
    email: 'yamada@sample.example',
    displayName: 'yamada',
    familyName: '山田',
    givenName: '太郎',
    organisationName: '株式会社サンプル',
  });
  const { token } = await h.shomei.identity.applications.issueActivationToken(user.id);
  await h.shomei.identity.activate(token, PASSWORD, {});
  sender = await login(h.app, user.email);
});
after(async () => {
  await h?.close();
});

interface ApiError {
  error: { code: string; message: { ja: string; en: string } };
}
const open = (token: string, accessCode: string) =>
  new Client(h.app).send('POST', '/api/sign/open', { token, accessCode });

describe('access-code lockout and re-issue', () => {
  it('counts down, locks, tells the sender, and a re-issued code opens a new link', async () => {
    const created = await sender.send('POST', '/api/envelopes', {
      title: '業務委託契約書',
      counterparty: '株式会社取引先',
      expiresAt: '2026-12-31T08:00:00Z',
      parties: [
        {
          role: 'signer',
          signingMode: 'witness-type',
          email: 'sato@partner.example',
          name: '佐藤 花子',
          company: '株式会社取引先',
        },
      ],
    });
    assert.equal(created.statusCode, 201, created.body);
    const id = json<{ id: string }>(created).id;
    await sender.send('POST', `/api/envelopes/${id}/documents`, undefined, {
      contentType: 'application/pdf',
      raw: samplePdf(),
    });
    const sent = json<{ accessCodes: { accessCode: string; partyId: string }[] }>(
      await sender.send('POST', `/api/envelopes/${id}/send`),
    );
    const { accessCode, partyId } = sent.accessCodes[0]!;

    // The request mail: company, person, contract, deadline in Japan time; Japanese and English apart.
    const request = h.mailer.to('sato@partner.example').at(-1)!;
    assert.match(request.subject, /^【署名依頼】業務委託契約書 \(株式会社サンプル\)$/);
    const [ja, en] = request.text.split(/\n-{20,}\n/);
    assert.ok(ja !== undefined && en !== undefined, request.text);
    assert.match(ja, /株式会社サンプル 山田 太郎 様から「業務委託契約書」の署名依頼が届いています/);
    assert.match(ja, /期限: 2026年12月31日 17:00 \(日本時間\)/);
    const jaWords = ja.split('\n').filter((line) => !line.startsWith('http'));
    assert.doesNotMatch(jaWords.join('\n'), /[A-Za-z]{3,}/, 'no English words in the Japanese block');
    assert.match(en, /from 山田 太郎 \(株式会社サンプル\)/);
    assert.match(en, /Deadline: 2026-12-31 17:00 JST/);
    assert.doesNotMatch(en, /署名依頼|お願いします/);

    const token = h.mailer.lastLinkToken('sato@partner.example');
    for (const left of [4, 3, 2, 1]) {
      const wrong = await open(token, '00000-00000');
      assert.equal(wrong.statusCode, 401);
      const body = json<ApiError>(wrong);
      assert.equal(body.error.code, 'SHOMEI_ACCESS_CODE_WRONG');
      assert.match(body.error.message.en, new RegExp(`${left} attempts? left`));
      assert.ok(body.error.message.ja.includes(`あと ${left} 回`), body.error.message.ja);
    }
    const fifth = await open(token, '00000-00000');
    assert.equal(fifth.statusCode, 423);
    assert.equal(json<ApiError>(fifth).error.code, 'SHOMEI_SIGNING_LINK_LOCKED');
    const right = await open(token, accessCode);
    assert.equal(right.statusCode, 423, 'the right code no longer opens a locked link');
    assert.match(json<ApiError>(right).error.message.ja, /ロックされました.*再発行/);

    const lockMail = h.mailer.to('yamada@sample.example').find((m) => m.subject.startsWith('【ロック中】'));
    assert.ok(lockMail, 'the sender is mailed');
    assert.match(lockMail.text, /株式会社取引先 佐藤 花子 様/);
    const view = json<{ parties: { id: string; locked?: boolean }[] }>(
      await sender.send('GET', `/api/envelopes/${id}`),
    );
    assert.equal(view.parties.find((p) => p.id === partyId)?.locked, true);

    // Someone else cannot re-issue; the sender can, in one call.
    await createUser(h, { email: 'other@else.example', tenantSlug: 'lock-b' });
    const other = await login(h.app, 'other@else.example');
    const refused = await other.send('POST', `/api/envelopes/${id}/parties/${partyId}/reissue`, {});
    assert.equal(refused.statusCode, 404);
    const reissued = await sender.send('POST', `/api/envelopes/${id}/parties/${partyId}/reissue`, {});
    assert.equal(reissued.statusCode, 200, reissued.body);
    const fresh = json<{ accessCode: string }>(reissued).accessCode;
    assert.match(fresh, /^\d{5}-\d{5}$/);
    assert.notEqual(fresh, accessCode);
    const newToken = h.mailer.lastLinkToken('sato@partner.example');
    assert.notEqual(newToken, token);
    assert.match(h.mailer.to('sato@partner.example').at(-1)!.text, /新しいアクセスコードは送信者から/);
    assert.equal((await open(token, fresh)).statusCode, 401, 'the old link is gone');
    assert.equal((await open(newToken, accessCode)).statusCode, 401, 'the old code is gone');
    const opened = await open(newToken, fresh);
    assert.equal(opened.statusCode, 200, opened.body);
    const after = json<{ parties: { id: string; locked?: boolean }[] }>(
      await sender.send('GET', `/api/envelopes/${id}`),
    );
    assert.equal(after.parties.find((p) => p.id === partyId)?.locked, false);

    const record = h.audit.ofType('envelope.party.reissue').at(-1);
    assert.equal(record?.details?.partyId, partyId);
    assert.equal(record?.details?.wasLocked, true);
    const everything = JSON.stringify(h.audit.events);
    for (const secret of [accessCode, fresh, token, newToken]) assert.ok(!everything.includes(secret));
  });
});
