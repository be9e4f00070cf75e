/**
 * The CA's profile, revocation-reason and status lists, apart from the console's zod shapes that use
 * them: the CA itself (and so `shomei sign`) needs the lists, not the shapes (ADR 046).
 */

/** What an end-entity certificate is for; each maps to a fixed set of extensions (profiles.ts). */
export const CERTIFICATE_PROFILES = [
  'signer',
  'e-seal',
  'tsa',
  'ocsp-responder',
  'tls-server',
  'tls-client',
] as const;

/** RFC 5280 5.3.1 CRLReason names (removeFromCRL is not a reason an operator chooses). */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

export const CERTIFICATE_STATUSES = ['valid', 'revoked'] as const;
