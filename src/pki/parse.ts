/** Parsing certificates, CSRs, CRLs and OCSP responses from DER or PEM, size-limited and strict. */
import { CertificationRequest } from '@peculiar/asn1-csr';
import { BasicOCSPResponse, OCSPResponse, OCSPResponseStatus } from '@peculiar/asn1-ocsp';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, CertificateList } from '@peculiar/asn1-x509';
import { decodeAs, derFrom, firstElementBytes, PKI_LIMITS, type PkiInput, pemBlocks } from './der.ts';
import { malformed } from './errors.ts';
import { OID } from './oids.ts';

export interface ParsedCertificate {
  readonly der: Buffer;
  readonly certificate: Certificate;
  /** The exact tbsCertificate bytes the signature covers. */
  readonly tbsDer: Buffer;
}

export interface ParsedCsr {
  readonly der: Buffer;
  readonly csr: CertificationRequest;
  readonly infoDer: Buffer;
}

export interface ParsedCrl {
  readonly der: Buffer;
  readonly crl: CertificateList;
  readonly tbsDer: Buffer;
}

export interface ParsedOcspResponse {
  readonly der: Buffer;
  readonly response: OCSPResponse;
  readonly status: OCSPResponseStatus;
  /** Present when the response status is successful and the type is id-pkix-ocsp-basic. */
  readonly basic?: BasicOCSPResponse;
  readonly tbsResponseDataDer?: Buffer;
}

export interface ParseOptions {
  readonly maxBytes?: number;
}

export function parseCertificate(input: PkiInput, options: ParseOptions = {}): ParsedCertificate {
  const der = derFrom(input, ['CERTIFICATE'], 'certificate', options.maxBytes ?? PKI_LIMITS.certificate);
  return certificateFromDer(der);
}

function certificateFromDer(der: Buffer): ParsedCertificate {
  const certificate = decodeAs(der, Certificate, 'certificate');
  if (certificate.tbsCertificate.version !== 2 && certificate.tbsCertificate.extensions !== undefined) {
    throw malformed('certificate', 'extensions in a certificate that is not version 3');
  }
  return { der, certificate, tbsDer: firstElementBytes(der, 'certificate') };
}

/** Every certificate in a PEM bundle (or one DER certificate). */
export function parseCertificates(input: PkiInput, options: ParseOptions = {}): ParsedCertificate[] {
  const limit = options.maxBytes ?? PKI_LIMITS.certificateBundle;
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > limit) return [parseCertificate(input, { maxBytes: limit })];
  const bytes = typeof input === 'string' ? Buffer.from(input) : Buffer.from(input);
  if (bytes[0] === 0x30) return [parseCertificate(bytes, { maxBytes: limit })];
  const blocks = pemBlocks(bytes.toString('utf8'), ['CERTIFICATE'], 'certificate');
  if (blocks.length === 0) throw malformed('certificate', 'no PEM block labelled CERTIFICATE');
  return blocks.map((der) => {
    if (der.length > PKI_LIMITS.certificate) return parseCertificate(der);
    return certificateFromDer(der);
  });
}

export function parseCsr(input: PkiInput, options: ParseOptions = {}): ParsedCsr {
  const der = derFrom(
    input,
    ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'],
    'certificate request (CSR)',
    options.maxBytes ?? PKI_LIMITS.csr,
  );
  const csr = decodeAs(der, CertificationRequest, 'certificate request (CSR)');
  if (csr.certificationRequestInfo.version !== 0)
    throw malformed('certificate request (CSR)', 'version is not 1');
  return { der, csr, infoDer: firstElementBytes(der, 'certificate request (CSR)') };
}

export function parseCrl(input: PkiInput, options: ParseOptions = {}): ParsedCrl {
  const der = derFrom(input, ['X509 CRL'], 'CRL', options.maxBytes ?? PKI_LIMITS.crl);
  const crl = decodeAs(der, CertificateList, 'CRL');
  return { der, crl, tbsDer: firstElementBytes(der, 'CRL') };
}

export function parseOcspResponse(input: PkiInput, options: ParseOptions = {}): ParsedOcspResponse {
  const der = derFrom(input, ['OCSP RESPONSE'], 'OCSP response', options.maxBytes ?? PKI_LIMITS.ocspResponse);
  const response = decodeAs(der, OCSPResponse, 'OCSP response');
  const status = response.responseStatus;
  if (status !== OCSPResponseStatus.successful) return { der, response, status };
  const bytes = response.responseBytes;
  if (bytes === undefined) throw malformed('OCSP response', 'successful without responseBytes');
  if (bytes.responseType !== OID.ocspBasic)
    throw malformed('OCSP response', `response type ${bytes.responseType}`);
  const basicDer = new Uint8Array(bytes.response.buffer);
  const basic = decodeAs(basicDer, BasicOCSPResponse, 'OCSP basic response');
  return {
    der,
    response,
    status,
    basic,
    tbsResponseDataDer: firstElementBytes(basicDer, 'OCSP basic response'),
  };
}

/** The certificates carried inside a basic OCSP response, parsed. */
export function ocspResponseCertificates(basic: BasicOCSPResponse): ParsedCertificate[] {
  return (basic.certs ?? []).map((c) => certificateFromDer(Buffer.from(AsnConvert.serialize(c))));
}
