/**
 * What every view of a certificate shows (the operator console, the `shomei ca` command's JSON),
 * dates as ISO 8601; each view adds its own fields around it.
 */
export interface CertificateBasics<S extends string = string, P extends string = string> {
  readonly serialNumber: string;
  readonly issuer: string;
  readonly profile: P;
  readonly subject: string;
  readonly status: S;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export function certificateBasics<S extends string, P extends string>(c: CertificateBasics<S, P>) {
  return {
    serialNumber: c.serialNumber,
    issuer: c.issuer,
    profile: c.profile,
    subject: c.subject,
    status: c.status,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
  };
}
