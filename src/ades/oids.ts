/** Object identifiers of CMS, CAdES and PAdES that signature creation writes. */
export const ADES_OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  commitmentTypeIndication: '1.2.840.113549.1.9.16.2.16',
  /** id-aa-signatureTimeStampToken (RFC 3161 appendix A). */
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  /** id-aa-ets-archiveTimestampV3 (ETSI EN 319 122-1 5.5.3). */
  archiveTimestampV3: '0.4.0.1733.2.4',
  /** id-aa-ATSHashIndex-v3 (ETSI EN 319 122-1 5.5.2). */
  atsHashIndexV3: '0.4.0.19122.1.5',
  /** id-ri-ocsp-response (RFC 5940): an OCSPResponse as a RevocationInfoChoice. */
  riOcspResponse: '1.3.6.1.5.5.7.16.2',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;
