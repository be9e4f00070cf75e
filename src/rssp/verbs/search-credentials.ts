/**
 * The operator console's credential search (/api/admin/credentials): by state, tenant, owner, and a
 * substring of the id, the certificate subject or serial; newest first.
 */
import { sql } from 'kysely';
import type { Credential } from '../credentials.ts';
import type { RsspParts } from '../parts.ts';
import type { CredentialStatus } from '../tables.ts';

export type SearchCredentialsDependencies = Pick<RsspParts, 'db'>;

export interface CredentialSearch {
  readonly status?: CredentialStatus | undefined;
  readonly tenant?: string | undefined;
  readonly owner?: string | undefined;
  readonly q?: string | undefined;
  readonly limit?: number | undefined;
}

export async function searchCredentials(
  deps: SearchCredentialsDependencies,
  filter: CredentialSearch,
): Promise<Credential[]> {
  let query = deps.db.selectFrom('rssp_credentials').selectAll();
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.tenant !== undefined) query = query.where('tenant_id', '=', filter.tenant);
  if (filter.owner !== undefined) query = query.where('user_id', '=', filter.owner);
  if (filter.q !== undefined) {
    // LIKE wildcards in the input are literal.
    const pattern = `%${filter.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb(sql`credential_id`, 'like', sql`${pattern} escape '\\'`),
        eb(sql`coalesce(cert_subject_dn, '')`, 'like', sql`${pattern} escape '\\'`),
        eb(sql`coalesce(cert_serial, '')`, 'like', sql`${pattern} escape '\\'`),
      ]),
    );
  }
  return query
    .orderBy('created_at', 'desc')
    .orderBy('credential_id')
    .limit(filter.limit ?? 200)
    .execute();
}
