// Runs the test files given, in the order given, two at a time, with the spec reporter. `node --test`
// sorts the files it is given by name; node:test's run() keeps their order, which run-tests.mjs sets.
// Started by run-tests.mjs with `--import tsx`, which each file's process inherits.
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const stream = run({ files: process.argv.slice(2), concurrency: 2 });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
stream.compose(new spec()).pipe(process.stdout);
