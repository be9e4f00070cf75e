import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Shomei } from '../../src/app/index.ts';
import type { AuditEventInput, AuditTrail } from '../../src/audit/events.ts';
import { RegistrationAuthority, type SignerApplicationInput } from '../../src/ca/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import { certificateFacts, parseCertificate } from '../../src/pki/index.ts';
import { openTestShomei, type TestHome } from '../helpers/home.ts';
import { run } from '../helpers/run.ts';
import { hsmKeyWithCsr, workDir, writePem, YAMADA } from './helpers.ts';

let shomei: Shomei & TestHome;
let ra: RegistrationAuthority;
const events: AuditEventInput[] = [];
const recorder: AuditTrail = {
  async append(event) {
    events.push(event);
  },
};
const applicantActor = { kind: 'user', id: 'u-applicant' } as const;
const operator = { kind: 'operator', id: 'ra-officer-1' } as const;

function rejectsWith(code: string) {
  return (error: unknown) => {
    assert.ok(isShomeiError(error), `expected a ShomeiError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

async function application(overrides: Partial<SignerApplicationInput> = {}): Promise<SignerApplicationInput> {
  const { csr } = await hsmKeyWithCsr(shomei, YAMADA);
  return {
    profile: 'signer',
    subject: YAMADA,
    applicant: { name: '佐藤 花子', organisation: '株式会社サンプル', email: 'hanako@example.jp' },
    identityCheck: { method: 'identity-document', reference: 'DL-2026-0042' },
    delegation: {
      principal: { name: '山田 太郎', organisation: '株式会社サンプル' },
      signingAgent: { name: '佐藤 花子', organisation: '株式会社サンプル' },
      mandateReference: '委任状 2026-11-01',
    },
    csr,
    submittedBy: applicantActor,
    ...overrides,
  };
}

before(async () => {
  shomei = await openTestShomei();
  ra = new RegistrationAuthority(shomei.ca, recorder);
});

after(async () => {
  await shomei.close();
});

describe('RA approval queue', () => {
  test('an application waits, then an RA operator approves it and the certificate is issued', async () => {
    const submitted = await ra.apply(await application());
    assert.equal(submitted.status, 'pending');
    assert.equal(submitted.delegation?.signingAgent.name, '佐藤 花子');
    assert.equal(
      (await ra.list('pending')).some((a) => a.id === submitted.id),
      true,
    );
    assert.equal(
      (await shomei.ca.list({ profile: 'signer' })).length,
      0,
      'nothing is issued before approval',
    );

    const { application: approved, certificate } = await ra.approve(submitted.id, operator);
    assert.equal(approved.status, 'approved');
    assert.equal(approved.decidedBy, 'operator:ra-officer-1');
    assert.equal(approved.certificateSerial, certificate.serialNumber);
    assert.equal(certificate.applicationId, submitted.id);
    assert.equal(certificate.subject, 'CN=山田 太郎,O=株式会社サンプル,C=JP');
    const dir = workDir();
    const root = writePem(dir, 'root.pem', await shomei.ca.certificate('root'));
    const issuing = writePem(dir, 'issuing.pem', await shomei.ca.certificate('issuing'));
    const leaf = writePem(dir, 'leaf.pem', certificate.der);
    assert.equal(run('openssl', ['verify', '-CAfile', root, '-untrusted', issuing, leaf]).status, 0);

    const types = events.filter((e) => e.subject?.id === submitted.id).map((e) => e.type);
    assert.deepEqual(types, ['ra.application.submit', 'ra.application.approve']);
    const issued = events.find(
      (e) => e.type === 'certificate.issue' && e.subject?.id === certificate.serialNumber,
    );
    assert.equal(issued?.actor.id, 'ra-officer-1');
    await assert.rejects(ra.approve(submitted.id, operator), rejectsWith('SHOMEI_RA_NOT_PENDING'));
  });

  test('a rejection is recorded with its reason and issues nothing', async () => {
    const { delegation: _none, ...withoutDelegation } = await application();
    const submitted = await ra.apply(withoutDelegation);
    const before = (await shomei.ca.list()).length;
    const rejected = await ra.reject(submitted.id, operator, '本人確認書類の有効期限切れ');
    assert.equal(rejected.status, 'rejected');
    assert.equal(rejected.decisionReason, '本人確認書類の有効期限切れ');
    assert.equal((await shomei.ca.list()).length, before);
    assert.ok(events.some((e) => e.type === 'ra.application.reject' && e.subject?.id === submitted.id));
    await assert.rejects(ra.approve(submitted.id, operator), rejectsWith('SHOMEI_RA_NOT_PENDING'));
  });

  test('nobody decides on their own application', async () => {
    const submitted = await ra.apply(await application());
    await assert.rejects(ra.approve(submitted.id, applicantActor), rejectsWith('SHOMEI_RA_SAME_PERSON'));
    assert.equal((await ra.get(submitted.id))?.status, 'pending');
    assert.ok(events.some((e) => e.type === 'ra.application.decide' && e.outcome === 'failure'));
  });

  test('an approved application may be for a key outside our HSM: its own CSR is the registered request', async () => {
    const dir = workDir();
    const key = `${dir}/applicant.key`;
    run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    const csr = run('openssl', ['req', '-new', '-key', key, '-subj', '/CN=ignored']).stdout;
    const submitted = await ra.apply(
      await application({
        csr,
        profile: 'e-seal',
        subject: [
          { type: 'C', value: 'JP' },
          { type: 'O', value: '株式会社サンプル' },
          { type: 'CN', value: '株式会社サンプル 電子社印' },
        ],
      }),
    );
    const { certificate } = await ra.approve(submitted.id, operator);
    assert.equal(
      certificateFacts(parseCertificate(certificate.der)).subject,
      'CN=株式会社サンプル 電子社印,O=株式会社サンプル,C=JP',
    );
    assert.equal(certificate.keyId, undefined);
    // The same CSR alone, without the approved application, is still refused.
    await assert.rejects(shomei.ca.issue({ csr, profile: 'signer' }), rejectsWith('SHOMEI_CA_KEY_UNKNOWN'));
  });

  test('incomplete or malformed applications are refused before anything is stored', async () => {
    const count = async () => (await ra.list()).length;
    const start = await count();
    await assert.rejects(
      ra.apply(await application({ identityCheck: { method: 'telepathy' as never, reference: 'x' } })),
      rejectsWith('SHOMEI_CA_INPUT_INVALID'),
    );
    await assert.rejects(
      ra.apply(await application({ applicant: { name: '' } })),
      rejectsWith('SHOMEI_CA_INPUT_INVALID'),
    );
    await assert.rejects(
      ra.apply(await application({ profile: 'e-seal', subject: [{ type: 'CN', value: '個人名' }] })),
      rejectsWith('SHOMEI_CA_INPUT_INVALID'),
    );
    await assert.rejects(
      ra.apply(await application({ subject: [{ type: 'C', value: 'Japan' }] })),
      rejectsWith('SHOMEI_PKI_NAME_INVALID'),
    );
    await assert.rejects(
      ra.apply(await application({ csr: Buffer.from('garbage') })),
      rejectsWith('SHOMEI_PKI_MALFORMED'),
    );
    const good = await application();
    const tampered = Buffer.from(good.csr as Buffer);
    const at = tampered.length - 4;
    tampered.writeUInt8(tampered.readUInt8(at) ^ 1, at);
    await assert.rejects(
      ra.apply({ ...good, csr: tampered }),
      rejectsWith('SHOMEI_CA_CSR_SIGNATURE_INVALID'),
    );
    await assert.rejects(ra.approve('no-such-id', operator), rejectsWith('SHOMEI_RA_NOT_FOUND'));
    assert.equal(await count(), start);
  });
});
