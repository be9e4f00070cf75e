/**
 * Revocation status of one certificate from OCSP responses and CRLs (embedded in the DSS or the
 * CMS, or fetched through the AIA / CRLDP URLs when online checking is allowed). Every response is
 * checked before it is believed: the CertID or CRL issuer must match, and the OCSP responder or CRL
 * signer must be the issuer or delegated by it (id-kp-OCSPSigning).
 */
import { createHash } from 'node:crypto';
import { CertID, OCSPRequest, Request, TBSRequest } from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, type Name } from '@peculiar/asn1-x509';
import { readLimitedBody } from '../net/index.ts';
import { namesEqual, OID, type ParsedCertificate, serialHex, verifySignature } from '../pki/index.ts';
import { hashNameOf } from './cms.ts';
import { factsOf, issuedByOnce, parsedCrl, parsedOcsp } from './facts.ts';
import type { RevocationFetcher } from './types.ts';

export interface RevocationMaterial {
  readonly crls: readonly Uint8Array[];
  readonly ocspResponses: readonly Uint8Array[];
}

export interface RevocationAnswer {
  readonly status: 'good' | 'revoked' | 'unknown' | 'none';
  readonly revocationTime?: Date;
  /** thisUpdate of the answer used. */
  readonly issuedAt?: Date;
  /** nextUpdate of the answer used, when it has one. */
  readonly nextUpdate?: Date;
  readonly source: 'ocsp' | 'crl' | 'none';
  readonly online: boolean;
  /** Why online fetching failed, when it did. */
  readonly fetchProblems: readonly string[];
}

interface Candidate {
  readonly status: 'good' | 'revoked' | 'unknown';
  readonly revocationTime?: Date;
  readonly issuedAt: Date;
  readonly nextUpdate?: Date | undefined;
  readonly source: 'ocsp' | 'crl';
  readonly online: boolean;
}

const subjectPublicKeyBits = (certificate: ParsedCertificate): Uint8Array =>
  new Uint8Array(certificate.certificate.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey);

const nodeHash = (name: string, data: Uint8Array): Buffer => createHash(name).update(data).digest();

function ocspAnswer(
  der: Uint8Array,
  certificate: ParsedCertificate,
  issuer: ParsedCertificate,
  online: boolean,
): Candidate | undefined {
  const cached = parsedOcsp(der);
  if (cached === null) return undefined;
  const parsed = cached.parsed;
  const basic = parsed.basic;
  if (basic === undefined || parsed.tbsResponseDataDer === undefined) return undefined;
  const serial = factsOf(certificate).serialNumber;
  const issuerName = AsnConvert.serialize(issuer.certificate.tbsCertificate.subject);
  const single = basic.tbsResponseData.responses.find((r) => {
    const hashName = hashNameOf(r.certID.hashAlgorithm.algorithm);
    if (hashName === undefined) return false;
    return (
      serialHex(r.certID.serialNumber) === serial &&
      nodeHash(hashName, new Uint8Array(issuerName)).equals(Buffer.from(r.certID.issuerNameHash.buffer)) &&
      nodeHash(hashName, subjectPublicKeyBits(issuer)).equals(Buffer.from(r.certID.issuerKeyHash.buffer))
    );
  });
  if (single === undefined) return undefined;
  const carried = cached.certificates;
  const responders = [issuer, ...carried.filter((c) => isDelegatedResponder(c, issuer))];
  const signature = new Uint8Array(basic.signature);
  const signedBy = responders.find((r) => {
    try {
      return verifySignature(
        factsOf(r).publicKey,
        basic.signatureAlgorithm,
        parsed.tbsResponseDataDer!,
        signature,
      );
    } catch {
      return false;
    }
  });
  if (signedBy === undefined) return undefined;
  const status = single.certStatus;
  if (status.revoked !== undefined) {
    return {
      status: 'revoked',
      revocationTime: status.revoked.revocationTime,
      issuedAt: single.thisUpdate,
      nextUpdate: single.nextUpdate,
      source: 'ocsp',
      online,
    };
  }
  return {
    status: status.good !== undefined ? 'good' : 'unknown',
    issuedAt: single.thisUpdate,
    nextUpdate: single.nextUpdate,
    source: 'ocsp',
    online,
  };
}

function isDelegatedResponder(candidate: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    return factsOf(candidate).extendedKeyUsage.includes(OID.kpOcspSigning) && issuedByOnce(candidate, issuer);
  } catch {
    return false;
  }
}

function crlAnswer(
  der: Uint8Array,
  certificate: ParsedCertificate,
  issuer: ParsedCertificate,
  online: boolean,
): Candidate | undefined {
  const parsed = parsedCrl(der);
  if (parsed === null) return undefined;
  const tbs = parsed.crl.tbsCertList;
  if (!namesEqual(tbs.issuer as Name, certificate.certificate.tbsCertificate.issuer)) return undefined;
  try {
    const ok = verifySignature(
      factsOf(issuer).publicKey,
      parsed.crl.signatureAlgorithm,
      parsed.tbsDer,
      new Uint8Array(parsed.crl.signature),
    );
    if (!ok) return undefined;
  } catch {
    return undefined;
  }
  const serial = factsOf(certificate).serialNumber;
  const entry = (tbs.revokedCertificates ?? []).find((r) => serialHex(r.userCertificate) === serial);
  const issuedAt = tbs.thisUpdate.getTime();
  const nextUpdate = tbs.nextUpdate?.getTime();
  if (entry !== undefined) {
    return {
      status: 'revoked',
      revocationTime: entry.revocationDate.getTime(),
      issuedAt,
      source: 'crl',
      online,
    };
  }
  return { status: 'good', issuedAt, nextUpdate, source: 'crl', online };
}

/** An OCSP request (RFC 6960) for `certificate`, with SHA-1 CertID as responders expect. */
export function ocspRequest(certificate: ParsedCertificate, issuer: ParsedCertificate): Buffer {
  const issuerName = new Uint8Array(AsnConvert.serialize(issuer.certificate.tbsCertificate.subject));
  const certId = new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha1, parameters: null }),
    issuerNameHash: new OctetString(nodeHash('sha1', issuerName)),
    issuerKeyHash: new OctetString(nodeHash('sha1', subjectPublicKeyBits(issuer))),
    serialNumber: certificate.certificate.tbsCertificate.serialNumber,
  });
  const request = new OCSPRequest({
    tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: certId })] }),
  });
  return Buffer.from(AsnConvert.serialize(request));
}

/**
 * The revocation status of `certificate`. A revoked answer from any trustworthy source wins (the
 * earliest revocation time); otherwise the newest good answer.
 */
export async function revocationStatus(
  certificate: ParsedCertificate,
  issuer: ParsedCertificate,
  material: RevocationMaterial,
  fetcher: RevocationFetcher | undefined,
): Promise<RevocationAnswer> {
  const candidates: Candidate[] = [];
  for (const der of material.ocspResponses) {
    const answer = ocspAnswer(der, certificate, issuer, false);
    if (answer) candidates.push(answer);
  }
  for (const der of material.crls) {
    const answer = crlAnswer(der, certificate, issuer, false);
    if (answer) candidates.push(answer);
  }
  const fetchProblems: string[] = [];
  if (fetcher !== undefined) {
    const facts = factsOf(certificate);
    let fetched = false;
    for (const url of facts.ocspUrls.slice(0, 2)) {
      try {
        const answer = ocspAnswer(
          await fetcher.ocsp(url, ocspRequest(certificate, issuer)),
          certificate,
          issuer,
          true,
        );
        if (answer) {
          candidates.push(answer);
          fetched = true;
          break;
        }
        fetchProblems.push(`${url}: no usable OCSP answer`);
      } catch (error) {
        fetchProblems.push(`${url}: ${(error as Error).message}`);
      }
    }
    if (!fetched) {
      for (const url of facts.crlUrls.slice(0, 2)) {
        try {
          const answer = crlAnswer(await fetcher.crl(url), certificate, issuer, true);
          if (answer) {
            candidates.push(answer);
            break;
          }
          fetchProblems.push(`${url}: no usable CRL`);
        } catch (error) {
          fetchProblems.push(`${url}: ${(error as Error).message}`);
        }
      }
    }
  }
  const revoked = candidates
    .filter((c) => c.status === 'revoked')
    .sort((a, b) => a.revocationTime!.getTime() - b.revocationTime!.getTime())[0];
  const chosen =
    revoked ??
    candidates
      .filter((c) => c.status === 'good')
      .sort((a, b) => b.issuedAt.getTime() - a.issuedAt.getTime())[0] ??
    candidates[0];
  if (chosen === undefined) return { status: 'none', source: 'none', online: false, fetchProblems };
  return {
    status: chosen.status,
    ...(chosen.revocationTime ? { revocationTime: chosen.revocationTime } : {}),
    issuedAt: chosen.issuedAt,
    ...(chosen.nextUpdate ? { nextUpdate: chosen.nextUpdate } : {}),
    source: chosen.source,
    online: chosen.online,
    fetchProblems,
  };
}

const FETCH_TIMEOUT_MS = 10_000;
const MAX_FETCHED_BYTES = 8 * 1024 * 1024;

async function limitedBody(response: Response): Promise<Uint8Array> {
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return readLimitedBody(response, MAX_FETCHED_BYTES, () => new Error('response too large'));
}

function checkUrl(url: string): void {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new Error('only http(s) URLs are fetched');
}

/** OCSP and CRL over HTTP with a timeout and a size cap (only http/https URLs). */
export const httpRevocationFetcher: RevocationFetcher = {
  async ocsp(url, request) {
    checkUrl(url);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request' },
      body: Buffer.from(request),
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    return limitedBody(response);
  },
  async crl(url) {
    checkUrl(url);
    return limitedBody(await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) }));
  },
};
