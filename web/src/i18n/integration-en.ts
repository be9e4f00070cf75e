import type { integrationJa } from './integration-ja.ts';

/** English: API keys and webhooks (issue #16). */
export const integrationEn: Record<keyof typeof integrationJa, string> = {
  'nav.integrations': 'API keys & webhooks',
  'integ.title': 'API keys and webhooks',
  'integ.lead':
    'Manage the keys other systems use to read and write your contracts (API keys), and the addresses told when a contract changes (webhooks).',
  'integ.forbidden': 'Only your company’s administrators can use this screen.',
  'integ.keys': 'API keys',
  'integ.keysNone': 'There are no API keys yet.',
  'integ.scopes': 'Allowed to',
  'integ.scope.envelopes:read': 'View contracts',
  'integ.scope.envelopes:write': 'Create and change contracts',
  'integ.createdBy': 'Created by',
  'integ.createdByYou': 'You',
  'integ.createdAt': 'Created',
  'integ.status': 'Status',
  'integ.active': 'Active',
  'integ.revokedAt': 'Revoked ({when})',
  'integ.details': 'Details',
  'integ.keyId': 'Key ID',
  'integ.createKey': 'Create an API key',
  'integ.chooseScope': 'Choose at least one.',
  'integ.keyWarning':
    'This API key is shown only now. Once you leave, it cannot be shown again. Keep it somewhere safe and do not share it.',
  'integ.newKey': 'New API key',
  'integ.copy': 'Copy',
  'integ.copied': 'Copied',
  'integ.done': 'I have stored it',
  'integ.revoke': 'Revoke',
  'integ.revokeTitle': 'Revoke this API key?',
  'integ.revokeBody':
    'Systems using this key immediately lose access to your contracts. This cannot be undone.',
  'integ.revoked': 'The API key was revoked.',
  'integ.webhooks': 'Webhooks (notification addresses)',
  'integ.webhooksLead':
    'Each time a contract changes, a signed notice is sent to the URLs registered here. Internal and loopback addresses are refused.',
  'integ.webhooksNone': 'There are no webhooks yet.',
  'integ.url': 'Address (https://…)',
  'integ.register': 'Register',
  'integ.secretWarning':
    'The secret for checking the notices’ signatures. It is shown only now: set it in the receiving system.',
  'integ.newSecret': 'Signing secret',
  'integ.delete': 'Delete',
  'integ.deleteTitle': 'Delete this webhook?',
  'integ.deleteBody': 'No more notices will be sent to this address.',
  'integ.cancel': 'Cancel',
};
