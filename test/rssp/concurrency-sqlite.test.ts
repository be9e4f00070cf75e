/** Two instances on one SQLite database race on a single-use SAD: exactly one call signs. */
import { after, before, test } from 'node:test';
import { openRsspFixture, type RsspFixture } from './fixture.ts';
import { raceOnBatchSad, raceOnSingleUseSad, secondInstance } from './race.ts';

let f: RsspFixture;
let other: Awaited<ReturnType<typeof secondInstance>>;

before(async () => {
  f = await openRsspFixture();
  other = await secondInstance(f, f.shomei.config.databaseUrl);
});
after(async () => {
  await other.close();
  await f.close();
});

test('racing signHash calls on one single-use SAD: exactly one succeeds (SQLite)', async () => {
  await raceOnSingleUseSad(f, other.app);
});

test('racing calls on a two-hash SAD sign each hash exactly once (SQLite)', async () => {
  await raceOnBatchSad(f, other.app);
});
