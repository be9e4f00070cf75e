/**
 * RFC 6960 OCSP responder for the issuing CA, answering with a delegated responder certificate
 * (EKU OCSPSigning, id-pkix-ocsp-nocheck) whose key is in the HSM. Malformed requests get an
 * unsigned malformedRequest response, as the protocol requires, never an exception.
 */
import { createHash } from 'node:crypto';
import {
  CertID,
  CertStatus,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  ResponderID,
  ResponseBytes,
  ResponseData,
  RevokedInfo,
  SingleResponse,
} from '@peculiar/asn1-ocsp';
import { OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, CRLReason, Extension } from '@peculiar/asn1-x509';
import type { DigestSigner } from '../crypto/index.ts';
import {
  type CertificateParts,
  decodeAs,
  digestAlgorithmFromOid,
  encode,
  keyIdentifier,
  OID,
  PKI_LIMITS,
  serialHex,
  signTbs,
  tlv,
} from '../pki/index.ts';
import { wholeSeconds } from './certificate-builder.ts';
import { crlReasonCode } from './crl.ts';
import type { RevocationReason } from './types.ts';

/** Most single requests answered in one OCSP request (keeps one request's signing work bounded). */
export const MAX_OCSP_REQUESTS = 20;

export type CertificateStatusLookup = (
  serialHex: string,
) => Promise<
  { status: 'good' } | { status: 'revoked'; revokedAt: Date; reason: RevocationReason } | undefined
>;

export interface OcspResponderContext {
  /** The issuing CA's name and key bits as stored (the DER walker's parts: no whole parse, ADR 051). */
  readonly issuer: Pick<CertificateParts, 'subject' | 'subjectPublicKey'>;
  /** Embedded as stored (DER), not parsed: the CA's start-up check reads it through OpenSSL. */
  readonly responderCertificate: { readonly der: Uint8Array };
  readonly responderSigner: DigestSigner;
  readonly lookup: CertificateStatusLookup;
  readonly validityMinutes: number;
  readonly now?: Date;
}

export function ocspError(status: OCSPResponseStatus): Buffer {
  return encode(new OCSPResponse({ responseStatus: status }));
}

function hashWith(oid: string, data: Uint8Array): Buffer | undefined {
  if (oid === OID.sha1) return createHash('sha1').update(data).digest();
  const digest = digestAlgorithmFromOid(oid);
  if (digest === undefined) return undefined;
  return createHash(digest.replace('-', '').toLowerCase()).update(data).digest();
}

/**
 * True when the CertID names a certificate issued by `issuer` (name and key hashes match). RFC 6960
 * hashes the DER of the issuer's Name as it appears in the certificates it issued, which is the
 * issuer certificate's subject as stored.
 */
function issuedByUs(certId: CertID, issuer: OcspResponderContext['issuer']): boolean {
  const oid = certId.hashAlgorithm.algorithm;
  const nameHash = hashWith(oid, issuer.subject.raw);
  const keyHash = hashWith(oid, issuer.subjectPublicKey);
  if (nameHash === undefined || keyHash === undefined) return false;
  return (
    nameHash.equals(Buffer.from(certId.issuerNameHash.buffer)) &&
    keyHash.equals(Buffer.from(certId.issuerKeyHash.buffer))
  );
}

export async function respondToOcsp(requestDer: Uint8Array, context: OcspResponderContext): Promise<Buffer> {
  if (requestDer.byteLength === 0 || requestDer.byteLength > PKI_LIMITS.ocspRequest) {
    return ocspError(OCSPResponseStatus.malformedRequest);
  }
  let request: OCSPRequest;
  try {
    request = decodeAs(requestDer, OCSPRequest, 'OCSP request');
  } catch {
    return ocspError(OCSPResponseStatus.malformedRequest);
  }
  const list = request.tbsRequest.requestList;
  if (list.length === 0 || list.length > MAX_OCSP_REQUESTS)
    return ocspError(OCSPResponseStatus.malformedRequest);
  const nonce = request.tbsRequest.requestExtensions?.find((e) => e.extnID === OID.ocspNonce);
  return answerOcsp(
    list.map((single) => single.reqCert),
    nonce,
    context,
  );
}

/**
 * The signed answer for these CertIDs: a request's (respondToOcsp), or ones the CA wrote itself for
 * its own validation data (CertificateAuthority.respondOcspFor), which need no request decoded.
 */
export async function answerOcsp(
  certIds: readonly CertID[],
  nonce: Extension | undefined,
  context: OcspResponderContext,
): Promise<Buffer> {
  const now = wholeSeconds(context.now ?? new Date());
  const nextUpdate = new Date(now.getTime() + context.validityMinutes * 60_000);
  const responses: SingleResponse[] = [];
  for (const certId of certIds) {
    let certStatus = new CertStatus({ unknown: null });
    if (issuedByUs(certId, context.issuer)) {
      const found = await context.lookup(serialHex(certId.serialNumber));
      if (found?.status === 'good') certStatus = new CertStatus({ good: null });
      if (found?.status === 'revoked') {
        certStatus = new CertStatus({
          revoked: new RevokedInfo({
            revocationTime: wholeSeconds(found.revokedAt),
            // Unlike a CRL entry, OCSP has no other way to say "why": include it unless unspecified.
            ...(found.reason === 'unspecified'
              ? {}
              : { revocationReason: new CRLReason(crlReasonCode(found.reason)) }),
          }),
        });
      }
    }
    responses.push(new SingleResponse({ certID: certId, certStatus, thisUpdate: now, nextUpdate }));
  }
  const responseData = new ResponseData({
    responderID: new ResponderID({
      byKey: new OctetString(keyIdentifier(context.responderSigner.publicKey)),
    }),
    producedAt: now,
    responses,
    // RFC 8954: a nonce of 1 to 32 octets is echoed; anything else is ignored.
    ...(nonce !== undefined && nonce.extnValue.byteLength <= 34
      ? {
          responseExtensions: [
            new Extension({ extnID: OID.ocspNonce, critical: false, extnValue: nonce.extnValue }),
          ],
        }
      : {}),
  });
  const signed = await signTbs(responseData, context.responderSigner, {});
  // BasicOCSPResponse written around the exact bytes that were signed and the responder's stored
  // certificate DER, rather than re-serialising ResponseData and a parsed copy of the certificate:
  // the same DER (both are already DER), without a cold parse and two serialisations per process.
  const basic = tlv(
    0x30,
    signed.tbsDer,
    encode(signed.signatureAlgorithm),
    tlv(0x03, Buffer.from([0]), signed.signature),
    tlv(0xa0, tlv(0x30, context.responderCertificate.der)),
  );
  return encode(
    new OCSPResponse({
      responseStatus: OCSPResponseStatus.successful,
      responseBytes: new ResponseBytes({
        responseType: OID.ocspBasic,
        response: new OctetString(basic),
      }),
    }),
  );
}

/**
 * The CertID (SHA-1, as RFC 6960 responders expect) of a certificate the issuer issued, from the
 * issuer's name and key bits and the certificate's serial number as stored: what an OCSP request
 * for it would carry, without writing and decoding one in the same process.
 */
export function certIdFor(serialNumber: Uint8Array, issuer: OcspResponderContext['issuer']): CertID {
  const sha1 = (data: Uint8Array): ArrayBuffer =>
    new Uint8Array(createHash('sha1').update(data).digest()).buffer;
  return new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha1, parameters: null }),
    issuerNameHash: new OctetString(sha1(issuer.subject.raw)),
    issuerKeyHash: new OctetString(sha1(issuer.subjectPublicKey)),
    serialNumber: new Uint8Array(serialNumber).buffer,
  });
}
