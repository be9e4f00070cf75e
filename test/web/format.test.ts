/**
 * Dates on every screen (issue #19): 和暦 in one form (令和8年12月6日, also in tables), 西暦 in
 * Japanese as 2026/12/06, English in ISO order (never the ambiguous 06/12/2026), times in JST.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCalendarDate, formatDateTime } from '../../web/src/format.ts';
import { formatDate } from '../../web/src/format-money.ts';

// 00:30 on 6 December in Japan is still 5 December in UTC.
const MOMENT = '2026-12-05T15:30:00Z';

describe('dates as people read them', () => {
  it('a moment is shown in JST, in each language and era', () => {
    assert.equal(formatDateTime(MOMENT, 'ja', 'japanese'), '令和8年12月6日 00:30:00 JST');
    assert.equal(formatDateTime(MOMENT, 'ja', 'western'), '2026/12/06 00:30:00 JST');
    assert.equal(formatDateTime(MOMENT, 'en', 'western'), '2026-12-06 00:30:00 JST');
  });

  it('a calendar date has the same form as the date of a moment, in tables too', () => {
    assert.equal(formatCalendarDate('2026-12-06', 'ja', 'japanese'), '令和8年12月6日');
    assert.equal(formatDate('2026-12-06', 'ja', true), '令和8年12月6日', 'the table helper agrees');
    assert.equal(formatDate('2026-12-06', 'en', false), '2026-12-06');
    assert.equal(formatCalendarDate('2019-05-01', 'ja', 'japanese'), '令和元年5月1日');
  });

  it('what is not a date is shown as it came, and nothing as a dash', () => {
    assert.equal(formatDateTime('yesterday', 'ja', 'western'), 'yesterday');
    assert.equal(formatDateTime(undefined, 'en', 'western'), '—');
    assert.equal(formatCalendarDate(null, 'en', 'western'), '—');
  });
});
