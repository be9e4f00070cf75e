/**
 * A small PKI for the ades tests whose keys live in the test's SoftHSM2 token: a root CA and
 * end-entity certificates for signers (RSA or EC). Certificates are assembled here with
 * @peculiar/asn1-x509 and signed through the HSM with pki's signTbs.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import type { Shomei } from '../../src/app/index.ts';
import { type DigestSigner, digestSignerFor, type KeyAlgorithm } from '../../src/crypto/index.ts';
import { buildName, keyIdentifier, signingAlgorithm, signTbs, toPem } from '../../src/pki/index.ts';

export interface TestIdentity {
  readonly signer: DigestSigner;
  readonly certificate: Buffer;
}

function extension(id: string, critical: boolean, value: object): Extension {
  return new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

async function issue(
  subjectCn: string,
  subjectKey: DigestSigner,
  issuer: { signer: DigestSigner; name: string; spki: Buffer },
  options: { ca: boolean; ekus?: string[] },
): Promise<Buffer> {
  const now = Date.now();
  const usage = options.ca
    ? KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign
    : KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation;
  const extensions = [
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: options.ca })),
    extension(id_ce_keyUsage, true, new KeyUsage(usage)),
    extension(
      id_ce_subjectKeyIdentifier,
      false,
      new SubjectKeyIdentifier(keyIdentifier(subjectKey.publicKey)),
    ),
    extension(
      id_ce_authorityKeyIdentifier,
      false,
      new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyIdentifier(issuer.spki)) }),
    ),
  ];
  if (options.ekus) extensions.push(extension(id_ce_extKeyUsage, true, new ExtendedKeyUsage(options.ekus)));
  // Positive and minimally encoded: a zero first byte followed by one below 0x80 is illegal DER
  // padding, which OpenSSL refuses when it reads the certificate (1 time in 256 otherwise).
  const serial = randomBytes(12);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serial).buffer,
    signature: signingAlgorithm(issuer.signer),
    issuer: buildName([{ type: 'CN', value: issuer.name }]),
    validity: new Validity({
      notBefore: new Date(now - 3600_000),
      notAfter: new Date(now + 365 * 86400_000),
    }),
    subject: buildName([{ type: 'CN', value: subjectCn }]),
    subjectPublicKeyInfo: AsnConvert.parse(subjectKey.publicKey, SubjectPublicKeyInfo),
    extensions: new Extensions(extensions),
  });
  const signed = await signTbs(tbs, issuer.signer);
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: signed.signatureAlgorithm,
    signatureValue: new Uint8Array(signed.signature).buffer,
  });
  return Buffer.from(AsnConvert.serialize(certificate));
}

export interface TestPki {
  readonly root: TestIdentity;
  readonly rootPemPath: string;
  newSigner(algorithm: KeyAlgorithm, cn: string, ekus?: string[]): Promise<TestIdentity>;
}

export async function makeTestPki(shomei: Shomei, directory: string): Promise<TestPki> {
  const rootKey = await shomei.crypto.generateSigningKey('RSA-2048', 'test root');
  const rootSigner = await digestSignerFor(shomei.crypto, rootKey.id);
  const rootName = 'shomei test root';
  const issuer = { signer: rootSigner, name: rootName, spki: rootSigner.publicKey };
  const rootCertificate = await issue(rootName, rootSigner, issuer, { ca: true });
  const rootPemPath = path.join(directory, 'root.pem');
  writeFileSync(rootPemPath, toPem(rootCertificate, 'CERTIFICATE'));
  return {
    root: { signer: rootSigner, certificate: rootCertificate },
    rootPemPath,
    async newSigner(algorithm, cn, ekus) {
      const key = await shomei.crypto.generateSigningKey(algorithm, cn);
      const signer = await digestSignerFor(shomei.crypto, key.id);
      const certificate = await issue(cn, signer, issuer, { ca: false, ...(ekus ? { ekus } : {}) });
      return { signer, certificate };
    },
  };
}
