/**
 * Acceptance over the HTTP API: tenant A sends a two-party envelope (A signs signer-type with PIN +
 * TOTP through the in-process RSSP, B signs witness-type through an e-mailed link + access code);
 * the final PDF passes pdfsig, openssl cms and qpdf, carries the certificate of completion and a
 * document timestamp; every step is audited; outsiders cannot read it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import { extractCertificate } from '../../src/contracts/index.ts';
import { listSignatures } from '../../src/pdf/index.ts';
import {
  Client,
  type ContractsHarness,
  createUser,
  json,
  login,
  openContractsHarness,
  samplePdf,
} from './harness.ts';
import { opensslVerifySignature, pdfsigReport, pem, qpdfCheck, trustingNssDb } from './validators.ts';

let h: ContractsHarness;
let clockOffsetMs = 0;

before(async () => {
  h = await openContractsHarness({ clock: () => new Date(Date.now() + clockOffsetMs) });
});
after(async () => {
  await h?.close();
});

async function signerCredential(
  userId: string,
  tenantId: string,
): Promise<{ credentialId: string; totp: string }> {
  const rssp = h.shomei.rssp;
  const { credential, csr } = await rssp.credentials.create({
    userId,
    tenantId,
    algorithm: 'RSA-2048',
    subject: 'CN=Yamada Taro, O=A Corporation, C=JP',
  });
  if (credential.status === 'pending-certificate') {
    // Without an issuer wired into the RSSP, the embedded CA issues here.
    const issued = await h.shomei.ca.issue({
      csr,
      profile: 'signer',
      actor: { kind: 'process', id: 'test' },
    });
    await rssp.credentials.installCertificate(
      credential.credential_id,
      issued.der,
      await h.shomei.ca.chain(),
      userId,
    );
  }
  await rssp.credentials.setPin(credential.credential_id, userId, '246810');
  const { secret } = await rssp.credentials.enrolTotp(credential.credential_id, userId);
  return { credentialId: credential.credential_id, totp: secret };
}

describe('two tenants, a signer-type and a witness-type party', () => {
  it('completes to a B-LTA PDF that outside validators accept, audited, readable only by its parties', async () => {
    const a = await createUser(h, {
      email: 'yamada@a.example',
      tenantSlug: 'tenant-a',
      company: 'A株式会社',
    });
    const outsider = await createUser(h, {
      email: 'suzuki@b.example',
      tenantSlug: 'tenant-b',
      familyName: '鈴木',
    });
    const credential = await signerCredential(a.id, a.tenantId);
    const clientA = await login(h.app, a.email);

    const created = await clientA.send('POST', '/api/envelopes', {
      title: '業務委託契約書',
      counterparty: 'B株式会社',
      transactionDate: '2026-11-20',
      amount: 1_200_000,
      signingOrder: 'sequential',
      parties: [
        {
          role: 'signer',
          signingMode: 'signer-type',
          userId: a.id,
          credentialId: credential.credentialId,
          company: 'A株式会社',
          title: '代表取締役',
          placement: { page: 0, rect: [60, 60, 260, 140] },
        },
        {
          role: 'signer',
          signingMode: 'witness-type',
          email: 'sato@b.example',
          name: '佐藤 花子',
          company: 'B株式会社',
          title: '部長',
          placement: { page: 0, rect: [320, 60, 520, 140] },
        },
      ],
    });
    assert.equal(created.statusCode, 201, created.body);
    const envelopeId = json<{ id: string }>(created).id;
    const original = samplePdf(1, 'gyomu itaku keiyaku');
    const upload = await clientA.send(
      'POST',
      `/api/envelopes/${envelopeId}/documents?name=${encodeURIComponent('業務委託契約書.pdf')}`,
      undefined,
      {
        contentType: 'application/pdf',
        raw: original,
      },
    );
    assert.equal(upload.statusCode, 201, upload.body);
    const sent = json<{ accessCodes: { email: string; accessCode: string }[] }>(
      await clientA.send('POST', `/api/envelopes/${envelopeId}/send`),
    );
    assert.equal(sent.accessCodes.length, 1);
    assert.equal(sent.accessCodes[0]!.email, 'sato@b.example');
    // Sequential: B is told only after A has signed.
    assert.equal(h.mailer.to('sato@b.example').length, 0);

    // A signs with PIN + TOTP for exactly this document's hash.
    let view = json<{ documents: { id: string; sha256: string }[] }>(
      await clientA.send('GET', `/api/envelopes/${envelopeId}`),
    );
    const documentId = view.documents[0]!.id;
    const wrongPin = await clientA.send('POST', `/api/envelopes/${envelopeId}/sign/signer`, {
      pin: '999999',
      otp: await generate({ secret: credential.totp }),
      documentSha256: [view.documents[0]!.sha256],
    });
    assert.equal(wrongPin.statusCode, 400, wrongPin.body);
    // In the signer's words, not the CSC description (issue #19).
    type Refusal = { error: { code: string; message: { ja: string; en: string } } };
    const refusal = json<Refusal>(wrongPin).error;
    assert.equal(refusal.code, 'SHOMEI_SIGNING_PIN_WRONG');
    assert.equal(refusal.message.ja, 'PIN またはワンタイムコードが違います。あと 4 回入力できます。');
    assert.equal(refusal.message.en, 'The PIN or the one-time code is not right. 4 attempts left.');
    // Each further mistake says one try fewer; the fifth locks the credential, and then even the
    // right PIN is refused with the plain locked message until an operator unlocks it.
    const tries: Refusal['error'][] = [];
    for (const pin of ['999998', '999997', '999996', '999995', '246810']) {
      const response = await clientA.send('POST', `/api/envelopes/${envelopeId}/sign/signer`, {
        pin,
        otp: pin === '246810' ? await generate({ secret: credential.totp }) : '000000',
        documentSha256: [view.documents[0]!.sha256],
      });
      assert.equal(response.statusCode, tries.length < 3 ? 400 : 423, response.body);
      tries.push(json<Refusal>(response).error);
    }
    assert.deepEqual(
      tries.map((t) => [t.code, /あと (\d) 回/.exec(t.message.ja)?.[1]]),
      [
        ['SHOMEI_SIGNING_PIN_WRONG', '3'],
        ['SHOMEI_SIGNING_PIN_WRONG', '2'],
        ['SHOMEI_SIGNING_PIN_WRONG', '1'],
        ['SHOMEI_SIGNING_CREDENTIAL_LOCKED', undefined],
        ['SHOMEI_SIGNING_CREDENTIAL_LOCKED', undefined],
      ],
    );
    assert.match(tries[2]!.message.en, /1 attempt left\.$/);
    assert.match(tries[3]!.message.ja, /ロックされました。運用担当者にロックの解除を依頼してください。$/);
    assert.deepEqual(await h.shomei.rssp.credentials.attempts(credential.credentialId), {
      attemptsLeft: 0,
      locked: true,
    });
    await h.shomei.rssp.credentials.unlock(credential.credentialId, 'operator-in-test');
    const signedA = await clientA.send('POST', `/api/envelopes/${envelopeId}/sign/signer`, {
      pin: '246810',
      otp: await generate({ secret: credential.totp, epoch: Math.floor(Date.now() / 1000) + 30 }),
      documentSha256: [view.documents[0]!.sha256],
    });
    assert.equal(signedA.statusCode, 200, signedA.body);

    // B receives the link; the access code came separately (from the sender).
    const token = h.mailer.lastLinkToken('sato@b.example');
    const wrongCode = await new Client(h.app).send('POST', '/api/sign/open', {
      token,
      accessCode: '00000-00000',
    });
    assert.equal(wrongCode.statusCode, 401);
    const opened = await new Client(h.app).send('POST', '/api/sign/open', {
      token,
      accessCode: sent.accessCodes[0]!.accessCode,
    });
    assert.equal(opened.statusCode, 200, opened.body);
    const clientB = new Client(h.app);
    clientB.headers['x-shomei-party'] = json<{ partyToken: string }>(opened).partyToken;
    const reused = await new Client(h.app).send('POST', '/api/sign/open', {
      token,
      accessCode: sent.accessCodes[0]!.accessCode,
    });
    assert.equal(reused.statusCode, 401, 'the link is single-use');

    const confirmation = json<{ ja: string; documents: { sha256: string }[] }>(
      await clientB.send('GET', `/api/envelopes/${envelopeId}/witness-confirmation`),
    );
    assert.match(confirmation.ja, /佐藤 花子/);
    const signedB = await clientB.send('POST', `/api/envelopes/${envelopeId}/sign/witness`, {
      confirmed: true,
      lang: 'ja',
      documentSha256: confirmation.documents.map((d) => d.sha256),
    });
    assert.equal(signedB.statusCode, 200, signedB.body);
    const final = json<{ status: string; retentionUntil: string }>(signedB);
    assert.equal(final.status, 'completed');
    assert.ok(
      Date.parse(final.retentionUntil) > Date.now() + 9 * 365 * 86_400_000,
      'default retention 10 years',
    );

    // Both parties can download; the bytes are the final B-LTA document.
    const downloadA = await clientA.send('GET', `/api/envelopes/${envelopeId}/documents/${documentId}`);
    assert.equal(downloadA.statusCode, 200);
    assert.equal(downloadA.headers['content-type'], 'application/pdf');
    const downloadB = await clientB.send('GET', `/api/envelopes/${envelopeId}/documents/${documentId}`);
    assert.equal(downloadB.statusCode, 200);
    const pdf = downloadA.rawPayload;
    assert.deepEqual(downloadB.rawPayload, pdf);
    assert.ok(
      pdf.subarray(0, original.length).equals(original),
      'every revision is incremental over the original',
    );
    const file = path.join(h.dir, 'final.pdf');
    writeFileSync(file, pdf);

    const signatures = await listSignatures(file);
    assert.deepEqual(
      signatures.map((s) => s.subFilter),
      ['ETSI.CAdES.detached', 'ETSI.CAdES.detached', 'ETSI.RFC3161'],
    );
    assert.equal(signatures[1]!.name, '佐藤 花子');
    assert.match(signatures[1]!.reason ?? '', /立会人型/);

    const [issuing, root] = await h.shomei.ca.chain();
    const rootPem = path.join(h.dir, 'root.pem');
    writeFileSync(rootPem, pem(root!));
    const caFile = path.join(h.dir, 'ca.pem');
    writeFileSync(caFile, pem(issuing!) + pem(root!));
    const report = pdfsigReport(file, trustingNssDb(path.join(h.dir, 'nss'), rootPem));
    assert.equal(report.blocks.length, 3, report.raw);
    assert.match(report.blocks[0]!, /Signature Validation: Signature is Valid\./, report.raw);
    assert.match(report.blocks[0]!, /Signer Certificate Common Name: Yamada Taro/);
    for (const index of [0, 1]) {
      const verified = await opensslVerifySignature(file, index, h.dir, caFile);
      assert.equal(verified.status, 0, verified.output);
    }
    const checked = qpdfCheck(file);
    assert.equal(checked.status, 0, checked.output);
    assert.match(checked.output, /No syntax or stream encoding errors/);

    const certificate = await extractCertificate(pdf);
    assert.ok(certificate !== undefined, 'the certificate of completion is attached');
    assert.deepEqual(
      certificate.parties.map((p) => [p.name, p.signingMode, p.status]),
      [
        ['山田 太郎', 'signer-type', 'signed'],
        ['佐藤 花子', 'witness-type', 'signed'],
      ],
    );
    assert.match(certificate.parties[1]!.authentication ?? '', /email-link\+access-code/);
    // The factors that activated the signer's SAD, as the RSSP recorded them (issue #19).
    assert.equal(certificate.parties[0]!.signatureActivation, 'pin+totp');
    assert.equal(certificate.parties[1]!.signatureActivation, null);
    // qpdf, not our code, reads the text the certificate shows.
    const text = execFileSync('qpdf', ['--show-attachment=certificate-of-completion.txt', file], {
      encoding: 'utf8',
    });
    assert.match(text, /署名時の本人確認 \/ Signature activation: 証明書の PIN と認証アプリ/);
    // A signed-in account's method in words, not the record's account-session:… syntax (issue #19).
    assert.match(text, /本人確認の方法 \/ Authentication: ログイン中のアカウント \(パスワードと認証アプリ\)/);
    assert.doesNotMatch(text, /account-session/);
    assert.ok(certificate.parties[0]!.sourceIp !== null);
    assert.equal(certificate.documents[0]!.originalSha256, view.documents[0]!.sha256);
    assert.ok(certificate.audit.some((r) => r.type === 'envelope.send'));
    assert.match(JSON.stringify(certificate.parties[1]!.confirmation), /指図に基づき電子署名/);

    // Every step is in the audit trail (and in the real hash chain).
    const types = new Set(
      h.audit.events
        .filter((e) => e.subject?.id === envelopeId || e.details?.envelopeId === envelopeId)
        .map((e) => e.type),
    );
    for (const type of [
      'envelope.create',
      'document.upload',
      'envelope.send',
      'envelope.notify',
      'party.authenticate',
      'envelope.sign',
      'envelope.complete',
      'document.read',
    ]) {
      assert.ok(types.has(type), `audited: ${type}`);
    }
    // The RSSP records the SAD and the signature in the same hash-chained trail.
    const chained = await h.shomei.audit.search({ limit: 10_000 });
    assert.ok(
      chained.some((r) => r.type === 'envelope.complete' && r.subject?.id === envelopeId),
      'in the hash chain',
    );
    assert.ok(chained.some((r) => r.type === 'sad.issue' && r.outcome === 'success'));
    assert.ok(chained.some((r) => r.type === 'signature.create' && r.outcome === 'success'));
    // Secrets never reach the audit trail.
    const recorded = JSON.stringify(chained);
    assert.ok(!recorded.includes(sent.accessCodes[0]!.accessCode));
    assert.ok(!recorded.includes(token));
    assert.ok(!recorded.includes('246810'));

    // Evidence package: signed PDF, certificate, audit extract.
    const evidence = json<{
      documents: {
        pdfBase64: string;
        validation: {
          indication: string;
          signatures: {
            indication: string;
            modifications?: { changes: { allowed: boolean; description: { en: string } }[] };
          }[];
        } | null;
        validationError?: string;
      }[];
      certificateOfCompletion: unknown;
      audit: unknown[];
    }>(await clientA.send('GET', `/api/envelopes/${envelopeId}/evidence`));
    assert.ok(Buffer.from(evidence.documents[0]!.pdfBase64, 'base64').equals(pdf));
    assert.ok(evidence.certificateOfCompletion !== null);
    // src/validation's report is in the package: both party signatures and the archive timestamp pass.
    // The certificate of completion, attached after the last signature (the document is not
    // certified), shows as a permitted change naming the attachments.
    const validation = evidence.documents[0]!.validation;
    assert.ok(validation !== null, evidence.documents[0]!.validationError);
    assert.equal(validation.signatures.length, 3);
    assert.equal(
      validation.indication,
      'TOTAL_PASSED',
      JSON.stringify(validation.signatures.map((s) => s.indication)),
    );
    for (const signature of validation.signatures) {
      assert.equal(signature.indication, 'TOTAL_PASSED');
      const changes = signature.modifications?.changes ?? [];
      assert.ok(
        changes.every((c) => c.allowed),
        JSON.stringify(changes),
      );
    }
    assert.ok(
      (validation.signatures[0]!.modifications?.changes ?? []).some((c) =>
        /attachments were added/.test(c.description.en),
      ),
      'the attached certificate is reported as a later change',
    );
    assert.ok(evidence.audit.length >= 6);

    // Outsiders: another tenant's user, and no credentials at all.
    const clientC = await login(h.app, outsider.email);
    assert.equal((await clientC.send('GET', `/api/envelopes/${envelopeId}`)).statusCode, 404);
    assert.equal(
      (await clientC.send('GET', `/api/envelopes/${envelopeId}/documents/${documentId}`)).statusCode,
      404,
    );
    assert.equal((await clientC.send('GET', `/api/envelopes/${envelopeId}/evidence`)).statusCode, 404);
    assert.equal((await new Client(h.app).send('GET', `/api/envelopes/${envelopeId}`)).statusCode, 401);
    const search = json<{ items: unknown[] }>(
      await clientC.send('GET', '/api/envelopes?counterparty=B%E6%A0%AA%E5%BC%8F%E4%BC%9A%E7%A4%BE'),
    );
    assert.equal(search.items.length, 0);
    view = json(await clientA.send('GET', `/api/envelopes/${envelopeId}`));
  });

  it('a removed party and an expired link cannot read the document', async () => {
    const a = await h.shomei.identity.accounts.findUserRowByEmail('yamada@a.example');
    assert.ok(a !== undefined);
    const clientA = await login(h.app, 'yamada@a.example').catch(async () => {
      // Second login of the same account: TOTP already enrolled, so use a fresh account instead.
      const fresh = await createUser(h, {
        email: 'tanaka@a.example',
        tenantSlug: 'tenant-a',
        familyName: '田中',
      });
      return login(h.app, fresh.email);
    });
    const created = json<{ id: string; parties: { id: string; email: string }[] }>(
      await clientA.send('POST', '/api/envelopes', {
        title: '秘密保持契約書',
        counterparty: 'C合同会社',
        signingOrder: 'parallel',
        parties: [
          { role: 'signer', signingMode: 'witness-type', email: 'x@c.example', name: 'X Person' },
          { role: 'signer', signingMode: 'witness-type', email: 'y@c.example', name: 'Y Person' },
        ],
      }),
    );
    await clientA.send('POST', `/api/envelopes/${created.id}/documents`, undefined, {
      contentType: 'application/pdf',
      raw: samplePdf(),
    });
    const sent = json<{ accessCodes: { email: string; accessCode: string }[] }>(
      await clientA.send('POST', `/api/envelopes/${created.id}/send`),
    );
    const codeOf = (email: string) => sent.accessCodes.find((c) => c.email === email)!.accessCode;
    const opened = json<{ partyToken: string }>(
      await new Client(h.app).send('POST', '/api/sign/open', {
        token: h.mailer.lastLinkToken('x@c.example'),
        accessCode: codeOf('x@c.example'),
      }),
    );
    const clientX = new Client(h.app);
    clientX.headers['x-shomei-party'] = opened.partyToken;
    const view = json<{ documents: { id: string }[] }>(
      await clientX.send('GET', `/api/envelopes/${created.id}`),
    );
    const documentUrl = `/api/envelopes/${created.id}/documents/${view.documents[0]!.id}`;
    assert.equal((await clientX.send('GET', documentUrl)).statusCode, 200);

    const xParty = created.parties.find((p) => p.email === 'x@c.example')!;
    const removed = await clientA.send('DELETE', `/api/envelopes/${created.id}/parties/${xParty.id}`);
    assert.equal(removed.statusCode, 200, removed.body);
    assert.equal(
      (await clientX.send('GET', documentUrl)).statusCode,
      401,
      'the removed party’s session is gone',
    );

    clockOffsetMs = 8 * 24 * 3600_000; // past the 7-day link validity
    try {
      const expired = await new Client(h.app).send('POST', '/api/sign/open', {
        token: h.mailer.lastLinkToken('y@c.example'),
        accessCode: codeOf('y@c.example'),
      });
      assert.equal(expired.statusCode, 401);
      assert.equal(json<{ error: { code: string } }>(expired).error.code, 'SHOMEI_SIGNING_LINK_INVALID');
    } finally {
      clockOffsetMs = 0;
    }
    const reasons = h.audit
      .ofType('party.authenticate')
      .filter((e) => e.outcome === 'failure')
      .map((e) => e.details?.reason);
    assert.ok(reasons.includes('link-expired'));
  });
});
