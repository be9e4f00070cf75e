/** Two instances on one PostgreSQL database race on a single-use SAD: exactly one call signs. */
import { after, before, test } from 'node:test';
import { createTestDatabase } from '../helpers/postgres.ts';
import { openRsspFixture, type RsspFixture } from './fixture.ts';
import { raceOnBatchSad, raceOnSingleUseSad, secondInstance } from './race.ts';

let f: RsspFixture;
let other: Awaited<ReturnType<typeof secondInstance>>;
let database: Awaited<ReturnType<typeof createTestDatabase>>;

before(async () => {
  database = await createTestDatabase();
  f = await openRsspFixture({ databaseUrl: database.url });
  other = await secondInstance(f, database.url);
});
after(async () => {
  await other.close();
  await f.close();
  await database.drop();
});

test('racing signHash calls on one single-use SAD: exactly one succeeds (PostgreSQL)', async () => {
  await raceOnSingleUseSad(f, other.app, 20);
});

test('racing calls on a two-hash SAD sign each hash exactly once (PostgreSQL)', async () => {
  await raceOnBatchSad(f, other.app);
});
