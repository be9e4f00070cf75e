/**
 * Signer-type signing through an RSSP reached by URL: the contracts service's cscRemoteSigner talks
 * CSC API v2 over HTTP (loopback) to the RSSP routes, authorising PIN + TOTP for exactly the digest.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { signatureCertificates } from '../../src/ades/index.ts';
import { ContractService, cscRemoteSigner } from '../../src/contracts/index.ts';
import { listSignatures } from '../../src/pdf/index.ts';
import { certificateFacts, parseCertificate } from '../../src/pki/index.ts';
import { CscClient } from '../../src/rssp/client/index.ts';
import { registerRsspRoutes } from '../../src/rssp/index.ts';
import { handleError } from '../../src/server/index.ts';
import { type ContractsHarness, createUser, openContractsHarness, PASSWORD, samplePdf } from './harness.ts';

let h: ContractsHarness;
let rsspServer: FastifyInstance;
let baseUrl: string;

before(async () => {
  h = await openContractsHarness();
  rsspServer = Fastify();
  rsspServer.setErrorHandler(handleError);
  await registerRsspRoutes(rsspServer, h.shomei.rssp);
  await rsspServer.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(rsspServer.server.address() as AddressInfo).port}`;
});
after(async () => {
  await rsspServer?.close();
  await h?.close();
});

describe('signer-type through a CSC API v2 RSSP by URL', () => {
  it('signs the envelope with the party’s own key and completes it', async () => {
    const user = await createUser(h, {
      email: 'remote@a.example',
      tenantSlug: 'tenant-remote',
      familyName: '木村',
    });
    const rssp = h.shomei.rssp;
    const { credential, csr } = await rssp.credentials.create({
      userId: user.id,
      tenantId: user.tenantId,
      algorithm: 'EC-P256',
      subject: 'CN=Kimura Taro, C=JP',
    });
    if (credential.status === 'pending-certificate') {
      const issued = await h.shomei.ca.issue({
        csr,
        profile: 'signer',
        actor: { kind: 'process', id: 'test' },
      });
      await rssp.credentials.installCertificate(
        credential.credential_id,
        issued.der,
        await h.shomei.ca.chain(),
        user.id,
      );
    }
    await rssp.credentials.setPin(credential.credential_id, user.id, '135790');
    const { secret } = await rssp.credentials.enrolTotp(credential.credential_id, user.id);
    const login = await new CscClient({ baseUrl }).login(user.email, PASSWORD);

    const contracts = new ContractService({
      config: h.shomei.config,
      database: h.shomei.database,
      crypto: h.shomei.crypto,
      keys: h.shomei.keys,
      audit: h.audit,
      mailer: h.mailer,
      users: (id) => h.shomei.identity.accounts.getUser(id),
      remoteSigner: cscRemoteSigner(baseUrl, async () => login.accessToken),
    });
    const actor = {
      kind: 'user' as const,
      userId: user.id,
      tenantId: user.tenantId,
      email: user.email,
      authentication: 'password+totp (aal2)',
      source: '127.0.0.1',
    };
    const envelope = await contracts.create(actor, {
      title: '発注書',
      counterparty: 'E株式会社',
      parties: [
        {
          role: 'signer',
          signingMode: 'signer-type',
          userId: user.id,
          credentialId: credential.credential_id,
        },
      ],
    });
    const withDocument = await contracts.addDocument(actor, envelope.id, 'order.pdf', samplePdf());
    await contracts.send(actor, envelope.id);
    const hashes = withDocument.documents.map((d) => d.sha256);
    await assert.rejects(
      contracts.act(actor, envelope.id, 'signer', {
        pin: '000000',
        otp: await generate({ secret }),
        documentSha256: hashes,
      }),
      /SHOMEI_SIGNING_FAILED/,
    );
    const done = await contracts.act(actor, envelope.id, 'signer', {
      pin: '135790',
      otp: await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }),
      documentSha256: hashes,
    });
    assert.equal(done.status, 'completed');
    const pdf = (await contracts.readDocument(actor, envelope.id, done.documents[0]!.id)).bytes;
    const [signature] = await listSignatures(pdf);
    const [signer] = signatureCertificates(signature!.cms).signers;
    assert.match(certificateFacts(parseCertificate(signer!)).subject, /Kimura Taro/);
  });
});
