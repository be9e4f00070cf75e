/**
 * Certificate profiles: which extensions each kind of certificate carries. CA certificates are
 * built here too so that the whole development hierarchy has one consistent shape.
 */
import {
  AccessDescription,
  AuthorityInfoAccessSyntax,
  AuthorityKeyIdentifier,
  BasicConstraints,
  CertificatePolicies,
  CRLDistributionPoints,
  DistributionPoint,
  DistributionPointName,
  ExtendedKeyUsage,
  type Extension,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_certificatePolicies,
  id_ce_cRLDistributionPoints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_pe_authorityInfoAccess,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  PolicyInformation,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
} from '@peculiar/asn1-x509';
import type { KeyAlgorithm } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import { keyIdentifier, OID } from '../pki/index.ts';
import { extension } from './certificate-builder.ts';
import type { AuthorityName, CertificateProfile, SubjectAltNames } from './types.ts';

/** Default validity per profile, in days. */
export const PROFILE_VALIDITY_DAYS: Record<CertificateProfile, number> = {
  signer: 730,
  'e-seal': 730,
  tsa: 1826,
  'ocsp-responder': 730,
  'tls-server': 397,
  'tls-client': 730,
};

export interface AuthorityUrls {
  readonly ocsp?: string;
  readonly caIssuers: string;
  readonly crl: string;
}

export function authorityUrls(publicUrl: string, issuer: AuthorityName): AuthorityUrls {
  return {
    ...(issuer === 'issuing' ? { ocsp: `${publicUrl}/pki/ocsp` } : {}),
    caIssuers: `${publicUrl}/pki/ca/${issuer}.crt`,
    crl: `${publicUrl}/pki/crl/${issuer}.crl`,
  };
}

function keyUsage(...flags: KeyUsageFlags[]): Extension {
  return extension(id_ce_keyUsage, true, new KeyUsage(flags.reduce((a, b) => a | b, 0)));
}

function keyIds(publicKey: Uint8Array, issuerPublicKey: Uint8Array): Extension[] {
  return [
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyIdentifier(publicKey))),
    extension(
      id_ce_authorityKeyIdentifier,
      false,
      new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyIdentifier(issuerPublicKey)) }),
    ),
  ];
}

function distribution(urls: AuthorityUrls): Extension[] {
  const access = [
    ...(urls.ocsp === undefined
      ? []
      : [
          new AccessDescription({
            accessMethod: OID.adOcsp,
            accessLocation: new GeneralName({ uniformResourceIdentifier: urls.ocsp }),
          }),
        ]),
    new AccessDescription({
      accessMethod: OID.adCaIssuers,
      accessLocation: new GeneralName({ uniformResourceIdentifier: urls.caIssuers }),
    }),
  ];
  return [
    extension(id_pe_authorityInfoAccess, false, new AuthorityInfoAccessSyntax(access)),
    extension(
      id_ce_cRLDistributionPoints,
      false,
      new CRLDistributionPoints([
        new DistributionPoint({
          distributionPoint: new DistributionPointName({
            fullName: [new GeneralName({ uniformResourceIdentifier: urls.crl })],
          }),
        }),
      ]),
    ),
  ];
}

function policies(policyOid: string): Extension {
  return extension(
    id_ce_certificatePolicies,
    false,
    new CertificatePolicies([new PolicyInformation({ policyIdentifier: policyOid })]),
  );
}

function altNames(names: SubjectAltNames | undefined): Extension[] {
  const general = [
    ...(names?.dnsNames ?? []).map((dNSName) => new GeneralName({ dNSName })),
    ...(names?.emailAddresses ?? []).map((rfc822Name) => new GeneralName({ rfc822Name })),
  ];
  return general.length === 0
    ? []
    : [extension(id_ce_subjectAltName, false, new SubjectAlternativeName(general))];
}

export function rootExtensions(publicKey: Uint8Array): Extension[] {
  return [
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true })),
    keyUsage(KeyUsageFlags.keyCertSign, KeyUsageFlags.cRLSign),
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyIdentifier(publicKey))),
  ];
}

export function issuingCaExtensions(
  publicKey: Uint8Array,
  rootPublicKey: Uint8Array,
  rootUrls: AuthorityUrls,
): Extension[] {
  return [
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint: 0 })),
    keyUsage(KeyUsageFlags.keyCertSign, KeyUsageFlags.cRLSign),
    ...keyIds(publicKey, rootPublicKey),
    ...distribution(rootUrls),
  ];
}

export interface EndEntityContext {
  readonly profile: CertificateProfile;
  readonly publicKey: Uint8Array;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly issuerPublicKey: Uint8Array;
  readonly urls: AuthorityUrls;
  readonly policyOid: string;
  readonly altNames?: SubjectAltNames | undefined;
}

export function endEntityExtensions(context: EndEntityContext): Extension[] {
  const common = [
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
    ...keyIds(context.publicKey, context.issuerPublicKey),
    ...distribution(context.urls),
    policies(context.policyOid),
    ...altNames(context.altNames),
  ];
  const ds = KeyUsageFlags.digitalSignature;
  switch (context.profile) {
    case 'signer':
    case 'e-seal':
      // 電子署名法の署名: digitalSignature + nonRepudiation (contentCommitment).
      return [keyUsage(ds, KeyUsageFlags.nonRepudiation), ...common];
    case 'tsa':
      // RFC 3161 2.3: the TSA certificate has exactly one EKU, timeStamping, and it is critical.
      return [
        keyUsage(ds),
        extension(id_ce_extKeyUsage, true, new ExtendedKeyUsage([OID.kpTimeStamping])),
        ...common,
      ];
    case 'ocsp-responder':
      // RFC 6960 4.2.2.2.1: id-pkix-ocsp-nocheck, so clients need not check the responder's status.
      return [
        keyUsage(ds),
        extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([OID.kpOcspSigning])),
        extension(OID.ocspNoCheck, false, null),
        ...common,
      ];
    case 'tls-server': {
      if ((context.altNames?.dnsNames ?? []).length === 0) {
        throw shomeiError(
          'SHOMEI_CA_PROFILE_INVALID',
          'TLS サーバ証明書には DNS 名 (subjectAltName) が必要です。',
          'A TLS server certificate needs at least one DNS name (subjectAltName).',
          { status: 400, details: { profile: context.profile } },
        );
      }
      const usage = context.keyAlgorithm.startsWith('RSA-')
        ? keyUsage(ds, KeyUsageFlags.keyEncipherment)
        : keyUsage(ds);
      return [
        usage,
        extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([OID.kpServerAuth])),
        ...common,
      ];
    }
    case 'tls-client':
      return [
        keyUsage(ds),
        extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([OID.kpClientAuth])),
        ...common,
      ];
  }
}
