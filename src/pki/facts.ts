/** The facts of a certificate that callers need most, read from its extensions. */
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  AuthorityInfoAccessSyntax,
  AuthorityKeyIdentifier,
  BasicConstraints,
  CertificatePolicies,
  CRLDistributionPoints,
  ExtendedKeyUsage,
  type Extension,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_certificatePolicies,
  id_ce_cRLDistributionPoints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_pe_authorityInfoAccess,
  KeyUsage,
  KeyUsageFlags,
  type KeyUsageType,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
} from '@peculiar/asn1-x509';
import { malformed } from './errors.ts';
import { nameToString } from './names.ts';
import { OID } from './oids.ts';
import type { ParsedCertificate } from './parse.ts';

export interface CertificateFacts {
  /** RFC 4514, UTF-8 (Japanese names stay readable). */
  readonly subject: string;
  readonly issuer: string;
  /** Lower-case hex of the serial number's two's-complement bytes, without leading zero octets. */
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly keyUsage: readonly KeyUsageType[];
  readonly extendedKeyUsage: readonly string[];
  readonly extendedKeyUsageCritical: boolean;
  readonly isCa: boolean;
  readonly pathLength?: number | undefined;
  readonly ocspUrls: readonly string[];
  readonly caIssuersUrls: readonly string[];
  readonly crlUrls: readonly string[];
  readonly subjectKeyIdentifier?: string | undefined;
  readonly authorityKeyIdentifier?: string | undefined;
  readonly policies: readonly string[];
  readonly dnsNames: readonly string[];
  readonly emailAddresses: readonly string[];
  readonly ocspNoCheck: boolean;
  /** SubjectPublicKeyInfo, DER. */
  readonly publicKey: Buffer;
  /** SHA-256 of the whole certificate, hex. */
  readonly fingerprintSha256: string;
  readonly selfIssued: boolean;
}

export function serialHex(serial: ArrayBuffer | Uint8Array): string {
  const bytes = Buffer.from(serial instanceof Uint8Array ? serial : new Uint8Array(serial));
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i += 1;
  return bytes.subarray(i).toString('hex');
}

export function findExtension(
  extensions: readonly Extension[] | undefined,
  oid: string,
): Extension | undefined {
  return extensions?.find((e) => e.extnID === oid);
}

function parseExtension<T>(extension: Extension, type: new () => T): T {
  try {
    return AsnConvert.parse(extension.extnValue, type);
  } catch (error) {
    throw malformed('certificate extension', extension.extnID, error);
  }
}

export function certificateFacts(parsed: ParsedCertificate): CertificateFacts {
  const tbs = parsed.certificate.tbsCertificate;
  const extensions = tbs.extensions ?? [];
  const ext = <T>(oid: string, type: new () => T): T | undefined => {
    const found = findExtension(extensions, oid);
    return found === undefined ? undefined : parseExtension(found, type);
  };
  const keyUsage = ext(id_ce_keyUsage, KeyUsage);
  const eku = findExtension(extensions, id_ce_extKeyUsage);
  const basic = ext(id_ce_basicConstraints, BasicConstraints);
  const aia = [...(ext(id_pe_authorityInfoAccess, AuthorityInfoAccessSyntax) ?? [])];
  const cdp = [...(ext(id_ce_cRLDistributionPoints, CRLDistributionPoints) ?? [])];
  const ski = ext(id_ce_subjectKeyIdentifier, SubjectKeyIdentifier);
  const aki = ext(id_ce_authorityKeyIdentifier, AuthorityKeyIdentifier);
  const policies = [...(ext(id_ce_certificatePolicies, CertificatePolicies) ?? [])];
  const san = [...(ext(id_ce_subjectAltName, SubjectAlternativeName) ?? [])];
  const accessUrls = (method: string): string[] =>
    aia
      .filter((a) => a.accessMethod === method)
      .map((a) => a.accessLocation.uniformResourceIdentifier)
      .filter((u): u is string => u !== undefined);
  const usages: KeyUsageType[] = [];
  if (keyUsage !== undefined) {
    const flags = keyUsage.toNumber();
    for (const [name, bit] of Object.entries(KeyUsageFlags)) {
      if (typeof bit === 'number' && (flags & bit) !== 0) usages.push(name as KeyUsageType);
    }
  }
  const subject = nameToString(tbs.subject);
  const issuer = nameToString(tbs.issuer);
  return {
    subject,
    issuer,
    serialNumber: serialHex(tbs.serialNumber),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    keyUsage: usages.map((u) => (u === ('cRLSign' as KeyUsageType) ? 'crlSign' : u)),
    extendedKeyUsage: eku === undefined ? [] : [...parseExtension(eku, ExtendedKeyUsage)],
    extendedKeyUsageCritical: eku?.critical ?? false,
    isCa: basic?.cA ?? false,
    pathLength: basic?.pathLenConstraint,
    ocspUrls: accessUrls(OID.adOcsp),
    caIssuersUrls: accessUrls(OID.adCaIssuers),
    crlUrls: cdp.flatMap((dp) =>
      (dp.distributionPoint?.fullName ?? [])
        .map((n) => n.uniformResourceIdentifier)
        .filter((u): u is string => u !== undefined),
    ),
    subjectKeyIdentifier: ski === undefined ? undefined : Buffer.from(ski.buffer).toString('hex'),
    authorityKeyIdentifier:
      aki?.keyIdentifier === undefined ? undefined : Buffer.from(aki.keyIdentifier.buffer).toString('hex'),
    policies: policies.map((p) => p.policyIdentifier),
    dnsNames: san.map((n) => n.dNSName).filter((n): n is string => n !== undefined),
    emailAddresses: san.map((n) => n.rfc822Name).filter((n): n is string => n !== undefined),
    ocspNoCheck: findExtension(extensions, OID.ocspNoCheck) !== undefined,
    publicKey: Buffer.from(AsnConvert.serialize(tbs.subjectPublicKeyInfo)),
    fingerprintSha256: createHash('sha256').update(parsed.der).digest('hex'),
    selfIssued: subject === issuer,
  };
}

/** The SubjectPublicKeyInfo of a certificate, DER. */
export function certificatePublicKey(parsed: ParsedCertificate): Buffer {
  return Buffer.from(AsnConvert.serialize(parsed.certificate.tbsCertificate.subjectPublicKeyInfo));
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifier(spki: Uint8Array): Buffer {
  const parsed = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  return createHash('sha1').update(new Uint8Array(parsed.subjectPublicKey)).digest();
}

/** Hex SHA-256 of a SubjectPublicKeyInfo: how keys are matched across HSM, registry and certificates. */
export function publicKeySha256(spki: Uint8Array): string {
  return createHash('sha256').update(spki).digest('hex');
}
