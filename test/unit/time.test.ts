import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import {
  classifyInstant,
  DEFAULT_WORKING_HOURS,
  parseBusinessHours,
  parseHolidays,
  type WorkingHours,
} from '../../src/time/working-hours.js';
import { HourClassSplitter } from '../../src/time/hour-class-split.js';
import {
  formatWithOffset,
  isTimeZone,
  localParts,
  periodsBetween,
  periodStart,
  startOfLocalDay,
} from '../../src/time/zones.js';

const HOUR = 3600_000;
const at = (iso: string) => Date.parse(iso);

describe('time zones', () => {
  it('knows IANA zones and refuses the rest', () => {
    expect(isTimeZone('America/New_York')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('+05:00')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('finds local midnights across DST changes: a New York day in March has 23 hours', () => {
    const zone = 'America/New_York';
    const sunday = startOfLocalDay(2026, 3, 8, zone);
    const monday = startOfLocalDay(2026, 3, 9, zone);
    expect(new Date(sunday).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(new Date(monday).toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect((monday - sunday) / HOUR).toBe(23);
    const fallBack = startOfLocalDay(2026, 11, 1, zone);
    expect((startOfLocalDay(2026, 11, 2, zone) - fallBack) / HOUR).toBe(25);
  });

  it('finds the first minute of a day whose midnight does not exist', () => {
    // Santiago moves clocks from 00:00 to 01:00 on its spring change (2026-09-06).
    const start = startOfLocalDay(2026, 9, 6, 'America/Santiago');
    expect(localParts(start, 'America/Santiago')).toMatchObject({ day: 6, hour: 1, minute: 0 });
  });

  it('starts weeks on Monday and months on the 1st, in the zone, written with its offset', () => {
    const zone = 'Europe/Berlin';
    const ms = at('2026-03-31T22:30:00Z'); // already Wednesday 1 April in Berlin
    expect(formatWithOffset(periodStart(ms, 'day', zone), zone)).toBe('2026-04-01T00:00:00+02:00');
    expect(formatWithOffset(periodStart(ms, 'week', zone), zone)).toBe('2026-03-30T00:00:00+02:00');
    expect(formatWithOffset(periodStart(ms, 'month', zone), zone)).toBe(
      '2026-04-01T00:00:00+02:00',
    );
    const weeks = periodsBetween(
      at('2026-03-20T00:00:00Z'),
      at('2026-04-05T00:00:00Z'),
      'week',
      zone,
    );
    expect(weeks.map(([s]) => formatWithOffset(s, zone))).toEqual([
      '2026-03-16T00:00:00+01:00',
      '2026-03-23T00:00:00+01:00',
      '2026-03-30T00:00:00+02:00',
    ]);
    // The week with the DST change is an hour short.
    expect(((weeks[1]?.[1] ?? 0) - (weeks[1]?.[0] ?? 0)) / HOUR).toBe(7 * 24 - 1);
    expect(formatWithOffset(at('2026-07-01T12:00:00Z'), 'Asia/Kolkata')).toBe(
      '2026-07-01T17:30:00+05:30',
    );
  });
});

describe('business, off and sleep hours', () => {
  const hours = DEFAULT_WORKING_HOURS;

  it('places an instant in the user’s own zone, sleep first, then business, else off', () => {
    // 14:00 UTC on a Wednesday: business in London, 09:00 in New York (business), 23:00 in Tokyo (sleep).
    const ms = at('2026-06-10T14:00:00Z');
    expect(classifyInstant(ms, 'Europe/London', hours)).toBe('business');
    expect(classifyInstant(ms, 'America/New_York', hours)).toBe('business');
    expect(classifyInstant(ms, 'Asia/Tokyo', hours)).toBe('sleep');
    // 19:00 on a Wednesday, and noon on a Saturday: off.
    expect(classifyInstant(at('2026-06-10T19:00:00Z'), 'UTC', hours)).toBe('off');
    expect(classifyInstant(at('2026-06-13T12:00:00Z'), 'UTC', hours)).toBe('off');
    // The edges: 08:00 is business, 07:59 sleep, 18:00 off, 22:00 sleep.
    expect(classifyInstant(at('2026-06-10T08:00:00Z'), 'UTC', hours)).toBe('business');
    expect(classifyInstant(at('2026-06-10T07:59:00Z'), 'UTC', hours)).toBe('sleep');
    expect(classifyInstant(at('2026-06-10T18:00:00Z'), 'UTC', hours)).toBe('off');
    expect(classifyInstant(at('2026-06-10T22:00:00Z'), 'UTC', hours)).toBe('sleep');
  });

  it('follows DST: the same UTC instant changes class in New York across the change', () => {
    // 12:30 UTC is 07:30 EST (sleep) on Friday 6 March and 08:30 EDT (business) on Monday 9 March.
    expect(classifyInstant(at('2026-03-06T12:30:00Z'), 'America/New_York', hours)).toBe('sleep');
    expect(classifyInstant(at('2026-03-09T12:30:00Z'), 'America/New_York', hours)).toBe('business');
  });

  it('counts a holiday’s business hours as off hours, in the local date', () => {
    const holidays = { ...hours, holidays: new Set(['2026-12-25']) };
    expect(classifyInstant(at('2026-12-25T10:00:00Z'), 'UTC', holidays)).toBe('off');
    expect(classifyInstant(at('2026-12-25T23:00:00Z'), 'UTC', holidays)).toBe('sleep');
    // 20:00 UTC on the 24th is 09:00 on the 25th in Auckland: the holiday, so off hours.
    expect(classifyInstant(at('2026-12-24T20:00:00Z'), 'Pacific/Auckland', holidays)).toBe('off');
  });

  it('parses the settings, and stops start-up naming a malformed one', () => {
    expect(parseBusinessHours('Sun-Thu 09:00-17:30')).toEqual({
      businessDays: [1, 2, 3, 4, 7],
      business: { from: 540, to: 1050 },
    });
    expect(parseHolidays('2026-12-25, 2027-01-01')).toEqual(new Set(['2026-12-25', '2027-01-01']));
    expect(parseHolidays('2026-02-30')).toBeUndefined();
    const config = parseConfig({
      BUSINESS_HOURS: 'Mon,Wed,Fri 10:00-16:00',
      SLEEP_HOURS: '23:00-07:00',
      HOLIDAYS: '2026-05-01',
      ANALYTICS_TIME_ZONE: 'Europe/Paris',
      MAJOR_PRIORITIES: 'P1, PYOOOO1',
    });
    expect(config.analytics).toMatchObject({
      timeZone: 'Europe/Paris',
      majorPriorities: ['P1', 'PYOOOO1'],
      hours: { businessDays: [1, 3, 5], sleep: { from: 1380, to: 420 } },
    });
    for (const [variable, value] of [
      ['BUSINESS_HOURS', '9-5'],
      ['BUSINESS_HOURS', 'Mon-Fri 18:00-08:00'],
      ['SLEEP_HOURS', '22h-8h'],
      ['HOLIDAYS', 'christmas'],
      ['ANALYTICS_TIME_ZONE', 'Mars/Olympus'],
    ] as const) {
      const error = (() => {
        try {
          parseConfig({ [variable]: value });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, variable).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe(variable);
    }
  });
});

describe('splitting a span into hour classes', () => {
  /** Minute by minute with classifyInstant: slow, obviously right. */
  function bruteForce(start: number, end: number, zone: string, hours: WorkingHours) {
    const out = { business: 0, off: 0, sleep: 0 };
    for (let t = start; t < end; t += 60_000)
      out[classifyInstant(t, zone, hours)] += Math.min(60, (end - t) / 1000);
    return out;
  }

  it.each([
    ['America/New_York', '2026-03-06T13:17:00Z', '2026-03-10T02:00:00Z'],
    ['America/New_York', '2026-10-30T21:00:00Z', '2026-11-03T09:30:00Z'],
    ['Europe/Berlin', '2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z'],
    ['Asia/Kolkata', '2026-05-01T05:45:00Z', '2026-05-08T05:45:00Z'],
    ['Australia/Sydney', '2026-04-03T10:00:00Z', '2026-04-07T10:00:00Z'],
    ['UTC', '2026-12-23T12:00:00Z', '2026-12-27T12:00:00Z'],
  ])('agrees minute by minute with classifyInstant in %s from %s', (zone, from, to) => {
    const hours: WorkingHours = {
      ...DEFAULT_WORKING_HOURS,
      holidays: new Set(['2026-12-25', '2026-03-09', '2026-05-04']),
    };
    const splitter = new HourClassSplitter(hours);
    const got = splitter.split(at(from), at(to), zone);
    const want = bruteForce(at(from), at(to), zone, hours);
    expect(got).toEqual(want);
    expect(got.business + got.off + got.sleep).toBe((at(to) - at(from)) / 1000);
    // Reused days (and days added before the first) give the same answer.
    expect(splitter.split(at(from) - 3 * 24 * HOUR, at(to), zone).sleep).toBeGreaterThan(got.sleep);
    expect(splitter.split(at(from), at(to), zone)).toEqual(want);
  });

  it('follows configured hours that wrap differently', () => {
    const hours: WorkingHours = {
      businessDays: [7, 1, 2, 3, 4],
      business: { from: 9 * 60, to: 17 * 60 + 30 },
      sleep: { from: 23 * 60, to: 6 * 60 + 15 },
      holidays: new Set(),
    };
    const splitter = new HourClassSplitter(hours);
    const [from, to] = [at('2026-03-07T00:00:00Z'), at('2026-03-11T00:00:00Z')];
    expect(splitter.split(from, to, 'America/Los_Angeles')).toEqual(
      bruteForce(from, to, 'America/Los_Angeles', hours),
    );
  });
});
