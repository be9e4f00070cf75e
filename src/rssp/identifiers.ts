/**
 * Identifiers that arrive from outside (credentialID, client_id, userID, …). The CSC layer refuses
 * any with control characters; what still reaches an audit record of a refusal is made printable and
 * short here, so recording the attempt can never fail because of what the attacker sent.
 */
function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

export function hasControlCharacters(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (isControl(value.charCodeAt(i))) return true;
  return false;
}

/** A printable, bounded rendering of an untrusted identifier for audit records (never empty). */
export function auditableIdentifier(value: unknown, max = 200): string {
  if (typeof value !== 'string' || value.length === 0) return '(none)';
  let printable = '';
  for (const c of value) {
    const code = c.charCodeAt(0);
    printable += isControl(code) ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return printable.length > max ? `${printable.slice(0, max)}…` : printable;
}
