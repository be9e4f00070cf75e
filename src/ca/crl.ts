/** Building a v2 CRL (RFC 5280 5) for one authority, signed with its key in the HSM. */
import {
  AuthorityKeyIdentifier,
  CertificateList,
  CRLNumber,
  CRLReason,
  CRLReasons,
  id_ce_authorityKeyIdentifier,
  id_ce_cRLNumber,
  id_ce_cRLReasons,
  KeyIdentifier,
  type Name,
  RevokedCertificate,
  TBSCertList,
  Time,
  Version,
} from '@peculiar/asn1-x509';
import type { DigestSigner } from '../crypto/index.ts';
import { encode, keyIdentifier, signingAlgorithm, signTbs } from '../pki/index.ts';
import { extension, wholeSeconds } from './certificate-builder.ts';
import type { RevocationReason } from './types.ts';

export interface RevokedEntry {
  readonly serialNumber: string;
  readonly revokedAt: Date;
  readonly reason: RevocationReason;
}

export function crlReasonCode(reason: RevocationReason): CRLReasons {
  return CRLReasons[reason];
}

export function serialBytes(hex: string): ArrayBuffer {
  return new Uint8Array(Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex')).buffer;
}

export async function buildCrl(params: {
  readonly issuer: Name;
  readonly signer: DigestSigner;
  readonly crlNumber: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly revoked: readonly RevokedEntry[];
}): Promise<Buffer> {
  const revokedCertificates = params.revoked.map(
    (entry) =>
      new RevokedCertificate({
        userCertificate: serialBytes(entry.serialNumber),
        revocationDate: new Time(wholeSeconds(entry.revokedAt)),
        // RFC 5280 5.3.1: the reason code is omitted rather than given as unspecified.
        ...(entry.reason === 'unspecified'
          ? {}
          : {
              crlEntryExtensions: [
                extension(id_ce_cRLReasons, false, new CRLReason(crlReasonCode(entry.reason))),
              ],
            }),
      }),
  );
  const crlNumber = new CRLNumber(params.crlNumber);
  const tbs = new TBSCertList({
    version: Version.v2,
    signature: signingAlgorithm(params.signer),
    issuer: params.issuer,
    thisUpdate: new Time(wholeSeconds(params.thisUpdate)),
    nextUpdate: new Time(wholeSeconds(params.nextUpdate)),
    ...(revokedCertificates.length === 0 ? {} : { revokedCertificates }),
    crlExtensions: [
      extension(
        id_ce_authorityKeyIdentifier,
        false,
        new AuthorityKeyIdentifier({
          keyIdentifier: new KeyIdentifier(keyIdentifier(params.signer.publicKey)),
        }),
      ),
      extension(id_ce_cRLNumber, false, crlNumber),
    ],
  });
  const signed = await signTbs(tbs, params.signer);
  return encode(
    new CertificateList({
      tbsCertList: tbs,
      signatureAlgorithm: signed.signatureAlgorithm,
      signature: new Uint8Array(signed.signature).buffer,
    }),
  );
}
