/**
 * The business-hours rule reads an event's local time of day. Japan's time (Asia/Tokyo, the default)
 * is computed as UTC + 9 h without Intl (ADR 052); it must give the same minute as Intl's time-zone
 * database for every instant the rule can meet, and other zones and older dates still go to Intl.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localMinute } from '../../src/audit/alert-rules.ts';

const tokyo = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Asia/Tokyo',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

function tokyoMinute(iso: string): number {
  const parts = tokyo.formatToParts(new Date(iso));
  return (
    Number(parts.find((p) => p.type === 'hour')!.value) * 60 +
    Number(parts.find((p) => p.type === 'minute')!.value)
  );
}

describe('local minute of an audit event', () => {
  it('Japan: the same minute as the time-zone database from 1952 to 2100, across midnight and leap days', () => {
    const instants = ['1952-01-01T00:00:00.000Z', '2024-02-29T14:59:59.999Z', '2024-02-29T15:00:00.000Z'];
    // A prime step in minutes walks every minute of the day over the years.
    for (let t = Date.UTC(1952, 0, 1); t < Date.UTC(2100, 0, 1); t += 7_919 * 60_000 + 17_000) {
      instants.push(new Date(t).toISOString());
    }
    for (const zone of ['Asia/Tokyo', 'Japan']) {
      for (const iso of instants) assert.equal(localMinute(iso, zone), tokyoMinute(iso), `${zone} ${iso}`);
    }
  });

  it("Japan before 1952: the database's daylight saving time (1948-1951) still applies", () => {
    assert.equal(localMinute('1950-07-01T00:00:00Z', 'Asia/Tokyo'), 10 * 60);
    assert.equal(localMinute('1951-09-08T16:30:00Z', 'Asia/Tokyo'), 60 + 30);
  });

  it('other zones: from the time-zone database, daylight saving time included', () => {
    assert.equal(localMinute('2026-07-01T12:00:00Z', 'Europe/London'), 13 * 60);
    assert.equal(localMinute('2026-01-01T12:00:00Z', 'Europe/London'), 12 * 60);
    assert.equal(localMinute('2026-07-01T12:34:00Z', 'Asia/Kolkata'), 18 * 60 + 4);
  });
});
