import type { journeyJa } from './journey-ja.ts';

/** English: the outside signer's journey (attempts, lockout, progress, result) and the sender's re-issue. */
export const journeyEn: Record<keyof typeof journeyJa, string> = {
  'lock.badge': 'Locked',
  'lock.reissue': 'Re-issue access code',
  'lock.reissueConfirm':
    'Re-issue the access code of {name}? They get a new link by mail; the old link and code stop working.',
  'lock.reissued':
    'A new link was mailed to {name}. Give them the new access code below by another channel, such as telephone.',
  'hint.locked': 'Contact the sender and ask them to re-issue the access code. A new link will come by mail.',
  'hint.credentialLocked':
    'Ask the operator to check your identity and unlock it. Until then this certificate cannot sign.',
  'progress.title': 'Signing',
  'progress.lead': 'Please keep this page open (it takes about 10 seconds).',
  'progress.sign': 'Adding the electronic signature and timestamp',
  'progress.fetch': 'Receiving the signed contract',
  'progress.verify': 'Checking that the signature is valid',
  'progress.stepOf': 'Step {n} of {total}',
  'progress.done': 'done',
  'done.title': 'You have signed',
  'done.lead': 'You signed “{title}”.',
  'done.nextWaiting':
    'When everyone else has signed you will get a mail saying the contract is complete; its link gives you the signed contract and the certificate of completion.',
  'done.nextCompleted':
    'Everyone has signed and the contract is complete. Download the signed contract and keep it.',
  'done.verified': 'The signature you added has been checked and is valid.',
  'done.notVerified': 'Your signature was added, but its validity could not be checked. See “Details”.',
  'done.details': 'Details',
  'done.document': 'View the contract',
  'error.details': 'Details',
  'error.code': 'Error code',
  'event.reissue': 'Access code re-issued to {party}',
  'event.remind': 'Reminder sent to {party}',
  'method.email-link+access-code': 'mailed link and access code',
  'method.password+totp': 'password and authenticator app',
  'method.password+passkey': 'password and passkey',
  'method.pin+totp': 'certificate PIN and authenticator app',
  'method.pin+email-otp': 'certificate PIN and mailed code',
  'reason.access-code': 'wrong access code',
  'reason.access-code-locked': 'locked after wrong access codes',
  'reason.attempts-exhausted': 'link locked',
  'reason.link-used': 'link already used',
  'reason.link-expired': 'link expired',
  'reason.envelope-expired': 'contract expired',
  'reason.unknown-link': 'invalid link',
  'reason.party-removed': 'link of a removed party',
  'dashboard.none': 'No contracts yet. Start with “Send a new contract”.',
  'new.sealOf': 'Seal of {name}',
  'new.confirmTitle': 'Send “{title}”?',
  'new.confirmLead':
    'The people below will be mailed a signing request. After sending the contents cannot be changed (it can be withdrawn).',
  'form.required': 'required',
};
