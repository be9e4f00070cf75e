/**
 * The credential's certificate: a PKCS#10 request signed inside the HSM (via src/pki), and the facts
 * credentials/info reports (issuer, subject, serial, validity) read from the issued certificate.
 */
import type { DigestSigner } from '../crypto/index.ts';
import { shomeiError } from '../errors/index.ts';
import {
  buildCsr,
  certificatePublicKey,
  NAME_ATTRIBUTES,
  type NameAttribute,
  type NameAttributeType,
  parseCertificate,
  certificateFacts as pkiFacts,
} from '../pki/index.ts';

export interface CertificateFacts {
  readonly serialHex: string;
  readonly issuerDn: string;
  readonly subjectDn: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: Buffer;
}

function invalidSubject(reason: string): Error {
  return shomeiError(
    'SHOMEI_RSSP_SUBJECT_INVALID',
    `証明書の主体名が不正です: ${reason}`,
    `The certificate subject is invalid: ${reason}`,
    {
      status: 400,
      details: { reason },
    },
  );
}

/**
 * "CN=山田 太郎, O=Example, C=JP" → name attributes. Deliberately simple: no escaped separators, only
 * the attribute types src/pki knows.
 */
export function parseSubject(subject: string): NameAttribute[] {
  if (subject.length === 0 || subject.length > 512 || subject.includes('\\') || subject.includes('+')) {
    throw invalidSubject('use "TYPE=value, TYPE=value" without escapes');
  }
  return subject.split(',').map((part) => {
    const eq = part.indexOf('=');
    const type = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq <= 0 || value === '' || !Object.hasOwn(NAME_ATTRIBUTES, type))
      throw invalidSubject(`attribute "${part.trim()}"`);
    return { type: type as NameAttributeType, value };
  });
}

/** Builds and signs (in the HSM) a PKCS#10 request for the credential's key; returns its DER. */
export function buildCertificateRequest(signer: DigestSigner, subject: string): Promise<Buffer> {
  return buildCsr(signer, parseSubject(subject));
}

export function certificateFacts(der: Buffer): CertificateFacts {
  let parsed: ReturnType<typeof parseCertificate>;
  try {
    parsed = parseCertificate(der);
  } catch (error) {
    throw shomeiError(
      'SHOMEI_RSSP_CERTIFICATE_INVALID',
      '証明書を使用できません。',
      'The certificate cannot be used.',
      {
        status: 400,
        cause: error,
      },
    );
  }
  const facts = pkiFacts(parsed);
  return {
    serialHex: facts.serialNumber,
    issuerDn: facts.issuer,
    subjectDn: facts.subject,
    notBefore: facts.notBefore,
    notAfter: facts.notAfter,
    publicKey: certificatePublicKey(parsed),
  };
}

/** The certificate must certify exactly the HSM key (GL III-16/17). */
export function assertCertifiesKey(facts: CertificateFacts, spki: Buffer): void {
  if (!facts.publicKey.equals(spki)) {
    throw shomeiError(
      'SHOMEI_RSSP_CERTIFICATE_KEY_MISMATCH',
      '証明書の公開鍵が HSM 内の鍵と一致しません。',
      'The public key in the certificate does not match the key in the HSM.',
      { status: 400 },
    );
  }
}

/** GeneralizedTime as CSC wants it for validFrom/validTo: YYYYMMDDHHMMSSZ. */
export function generalizedTime(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}
