import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openEmbeddedSigning, PROVIDER_SEAL_PURPOSE } from '../../src/ades/index.ts';
import { isShomeiError } from '../../src/errors/index.ts';
import { certificateFacts, parseCertificate } from '../../src/pki/index.ts';
import { type EmbeddedFixture, embeddedFixture } from './embedded.ts';

let embedded: EmbeddedFixture;

before(async () => {
  embedded = await embeddedFixture();
});
after(async () => embedded.close());

describe('the provider e-seal of the embedded default', () => {
  it('is created once: later openings reuse the same HSM key and certificate', async () => {
    const again = await openEmbeddedSigning(embedded.shomei);
    assert.equal(again.signer.keyId, embedded.signer.keyId);
    assert.ok(again.certificateChain[0]!.equals(embedded.certificateChain[0]!));
    const keys = await embedded.shomei.keys.findActiveByPurpose(PROVIDER_SEAL_PURPOSE);
    assert.equal(keys.length, 1);
    const facts = certificateFacts(parseCertificate(embedded.certificateChain[0]!));
    assert.ok(facts.keyUsage.includes('nonRepudiation') || facts.keyUsage.includes('digitalSignature'));
  });

  it('refuses to sign once its certificate is revoked, instead of re-certifying the key', async () => {
    const serial = certificateFacts(parseCertificate(embedded.certificateChain[0]!)).serialNumber;
    await embedded.ca.revoke(serial, 'keyCompromise');
    await assert.rejects(
      openEmbeddedSigning(embedded.shomei),
      (e) => isShomeiError(e) && e.code === 'SHOMEI_ADES_SIGNER_CERTIFICATE_REVOKED',
    );
  });
});
