/** A separate process appending events to one database, for the concurrency acceptance test. */
import { DatabaseAuditTrail } from '../../../src/audit/index.ts';
import { openDatabase } from '../../../src/store/index.ts';

const [url, countText, name] = process.argv.slice(2);
const database = openDatabase(url!);
const trail = new DatabaseAuditTrail(database);
const count = Number(countText);
// A few appends in flight per process, as a server handling parallel requests would have.
const lanes = 4;
let next = 0;
await Promise.all(
  Array.from({ length: lanes }, async () => {
    while (next < count) {
      const i = next++;
      await trail.append({
        type: 'test.concurrent',
        actor: { kind: 'process', id: name! },
        subject: { kind: 'counter', id: String(i) },
        outcome: 'success',
        details: { i },
      });
    }
  }),
);
await database.close();
