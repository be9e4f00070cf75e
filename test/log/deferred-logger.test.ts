/**
 * The logger `shomei sign` uses (ADR 046): made at its first message at or above its level, and then
 * the same pino logger as createLogger's — secret fields removed, levels as pino's.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deferredLogger } from '../../src/log/index.ts';

function collector(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

describe('deferredLogger', () => {
  test('drops messages below its level, writes the others with secrets removed', () => {
    const out = collector();
    const log = deferredLogger({ level: 'warn' }, out);
    log.info({ userId: 'u1' }, 'not written');
    log.debug('not written either');
    assert.deepEqual(out.lines, []);
    log.warn({ userId: 'u1', password: 'correct horse', nested: { pin: '1234' } }, 'careful');
    log.info('still not written');
    assert.equal(out.lines.length, 1);
    const line = JSON.parse(out.lines[0]!) as Record<string, unknown>;
    assert.equal(line.msg, 'careful');
    assert.equal(line.level, 40);
    assert.equal(line.userId, 'u1');
    assert.deepEqual(line.nested, {});
    assert.ok(!('password' in line));
    assert.doesNotMatch(out.lines[0]!, /correct horse|1234/);
    assert.equal(log.level, 'warn');
    assert.equal(log.isLevelEnabled('info'), false);
    assert.equal(log.isLevelEnabled('error'), true);
  });

  test('silent writes nothing at any level', () => {
    const out = collector();
    const log = deferredLogger({ level: 'silent' }, out);
    log.fatal('nothing');
    log.error({ password: 'x' }, 'nothing');
    assert.deepEqual(out.lines, []);
  });
});
