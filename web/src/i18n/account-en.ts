import type { accountJa } from './account-ja.ts';

/** English: activating an account, a forgotten password, setting a new password. */
export const accountEn: Record<keyof typeof accountJa, string> = {
  'passkey.register': 'Register a passkey',
  'passkey.signIn': 'Log in with a passkey',
  'passkey.defaultName': 'Login passkey',
  'passkey.refused': 'The passkey could not be used. Try again, or use your authenticator app.',
  'passkey.enrolChoice': 'Choose your second way to confirm it is you.',
  'passkey.enrolLead':
    "Passkey: log in with this device's screen lock (fingerprint, face or PIN). No code to type.",
  'passkey.orApp': 'Or use an authenticator app',
  'passkey.orCode': 'Or enter the code from your authenticator app',
  'login.enrolQrAlt': 'QR code to scan with your authenticator app',
  'login.enrolNoCamera': 'Cannot scan the QR code?',
  'login.recoveryDownload': 'Save as a text file',
  'login.recoveryPrint': 'Print',
  'account.forgotLink': 'Forgot your password?',
  'account.forgotTitle': 'Reset your password',
  'account.forgotLead':
    'Enter the e-mail address of your account. If there is an account, we send you a link to set a new password.',
  'account.forgotSubmit': 'Send the reset link',
  'account.forgotSent':
    'If the address belongs to an account, we have sent a reset link. Please check your mail (the link works for 30 minutes).',
  'account.resetTitle': 'Set a new password',
  'account.activateTitle': 'Activate your account',
  'account.activateLead': 'Choose the password you will log in with.',
  'account.resetLead':
    'Choose a new password. Setting it logs out every other device. Logging in still needs your authenticator app’s code.',
  'account.newPassword': 'New password (12 characters or more)',
  'account.confirmPassword': 'New password (again)',
  'account.mismatch': 'The two passwords differ.',
  'account.save': 'Set the password',
  'account.noToken': 'Open this page from the link in your mail. If the link has expired, start again.',
  'account.resetDone': 'Your password is set. Log in with the new password.',
  'account.activateDone': 'Your account is active. Log in and register your authenticator app.',
  'account.toLogin': 'Go to login',
  'hint.resetLink': 'If the link has expired, start again from “Forgot your password?”.',
};
