/**
 * The embedded default's demo: two companies and one user each, so that someone who has just run
 * `npm start` can send a contract from one to the other. Development on SQLite only; the generated passwords
 * are printed once and kept in a 0600 file under the data directory (never logged). Each user enrols
 * a second factor (TOTP or passkey) at first login, as AAL2 requires.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dataPaths } from './paths.ts';
import type { Shomei } from './shomei.ts';

export interface DemoAccount {
  readonly organisation: string;
  readonly name: string;
  readonly title: string;
  readonly email: string;
  readonly password: string;
}

const DEMO_PEOPLE = [
  {
    slug: 'demo-sample',
    organisation: '株式会社サンプル',
    familyName: '山田',
    givenName: '太郎',
    title: '代表取締役',
    email: 'yamada@sample.example',
  },
  {
    slug: 'demo-trading',
    organisation: 'サンプル商事株式会社',
    familyName: '佐藤',
    givenName: '花子',
    title: '営業部長',
    email: 'sato@trading.example',
  },
] as const;

function demoPassword(): string {
  // Four random groups: long enough for the password policy, easy to type from the console.
  return Array.from({ length: 4 }, () => randomBytes(4).toString('base64url').slice(0, 5)).join('-');
}

/** Creates the demo accounts once; afterwards returns those recorded in the credentials file. */
export async function ensureDemoAccounts(
  shomei: Shomei,
): Promise<{ accounts: DemoAccount[]; file: string; created: boolean }> {
  const file = path.join(dataPaths(shomei.config.home).secrets, 'demo-accounts.json');
  // Only the embedded default (development on SQLite, one instance) gets demo accounts; a cluster on
  // PostgreSQL is set up by its operators.
  if (shomei.config.environment !== 'development' || shomei.database.dialect !== 'sqlite') {
    return { accounts: [], file, created: false };
  }
  if (existsSync(file)) {
    return { accounts: JSON.parse(readFileSync(file, 'utf8')) as DemoAccount[], file, created: false };
  }
  const { identity } = shomei;
  const accounts: DemoAccount[] = [];
  for (const person of DEMO_PEOPLE) {
    if (await identity.accounts.getTenantBySlug(person.slug)) continue;
    const tenant = await identity.accounts.createTenant({ slug: person.slug, name: person.organisation });
    const user = await identity.accounts.createUser({
      tenantId: tenant.id,
      email: person.email,
      displayName: `${person.familyName} ${person.givenName}`,
      familyName: person.familyName,
      givenName: person.givenName,
      organisationName: person.organisation,
      title: person.title,
    });
    const password = demoPassword();
    const { token } = await identity.applications.issueActivationToken(user.id);
    await identity.activate(token, password, { source: 'shomei start (demo)' });
    accounts.push({
      organisation: person.organisation,
      name: `${person.familyName} ${person.givenName}`,
      title: person.title,
      email: person.email,
      password,
    });
  }
  writeFileSync(file, `${JSON.stringify(accounts, null, 2)}\n`, { mode: 0o600 });
  return { accounts, file, created: true };
}
