/**
 * The tenant's member directory a signed-in account picks colleagues from (社内承認's approvers):
 * active accounts of the same tenant only, by name, kana or e-mail, in either width (NFKC), at most
 * MAX_MEMBERS a query. It shows what a colleague sees in the company's address book, nothing more.
 */
import { type Kysely, sql } from 'kysely';
import type { IdentityTables } from './tables.ts';

export const MAX_MEMBERS = 20;

export interface Member {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly department: string | null;
  readonly title: string | null;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `ids`: only these accounts (a saved list of approvers shown by name again). */
export async function searchMembers(
  db: Kysely<IdentityTables>,
  tenantId: string,
  query: string,
  ids?: readonly string[],
): Promise<Member[]> {
  const words = query
    .normalize('NFKC')
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '')
    .slice(0, 4);
  let select = db
    .selectFrom('identity_users')
    .select(['id', 'display_name', 'family_name', 'given_name', 'email', 'department', 'title'])
    .where('tenant_id', '=', tenantId)
    .where('status', '=', 'active');
  if (ids !== undefined) select = select.where('id', 'in', ids.length === 0 ? [''] : [...ids]);
  // Every word must match one of the fields: 「山田 花子」 and 「yamada」 both find 山田 花子.
  for (const word of words) {
    const like = `%${escapeLike(word)}%`;
    select = select.where((eb) =>
      eb.or(
        ['display_name', 'family_name', 'given_name', 'family_name_kana', 'given_name_kana', 'email'].map(
          (column) => eb(sql`lower(${sql.ref(column)})`, 'like', sql`${like} escape '\\'`),
        ),
      ),
    );
  }
  const rows = await select.orderBy('family_name').orderBy('given_name').limit(MAX_MEMBERS).execute();
  return rows.map((r) => ({
    id: r.id,
    name: `${r.family_name} ${r.given_name}`.trim() || r.display_name,
    email: r.email,
    department: r.department,
    title: r.title,
  }));
}
