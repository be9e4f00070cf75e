/**
 * PostgreSQL for tests of the production mode. The test command starts the server and exports
 * SHOMEI_TEST_POSTGRES_URL; each test gets its own schema-free database so runs never collide.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function postgresUrl(): string {
  const url = process.env.SHOMEI_TEST_POSTGRES_URL;
  if (url === undefined || url === '') {
    throw new Error(
      'SHOMEI_TEST_POSTGRES_URL is not set: run the tests through `npm test`, which starts PostgreSQL',
    );
  }
  return url;
}

/** Creates an empty database for one test and returns its URL and a drop function. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = new URL(postgresUrl());
  const name = `shomei_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: base.toString() });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
