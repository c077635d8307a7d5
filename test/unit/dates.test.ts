import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { parseRange } from '../../src/analytics/analytics-request.js';
import { CLI_SYNC_SOURCE } from '../../src/cli/options.js';
import { parseSyncRequest } from '../../src/sync/index.js';
import { DateInputError, parseCalendarDate, parseInstant } from '../../src/time/dates.js';

const IMPOSSIBLE = [
  '2026-02-30',
  '2025-02-29',
  '2026-04-31',
  '2026-13-01',
  '2026-00-10',
  '2026-01-00',
  '0000-00-00',
  '2026-01-01T24:00:00Z',
  '2026-01-01T23:60:00Z',
  '2026-01-01T23:59:60Z',
  '2026-01-01T10:00:00+15:00',
  '2026-01-01T10:00:00+02:61',
  '2026-02-30T10:00:00Z',
  '1969-12-31',
  '-271821-04-19',
  '20260101',
  '2026-1-1',
  'yesterday',
  '',
];

describe('the one date parser', () => {
  it('reads dates as UTC midnight and date-times with or without an offset', () => {
    expect(parseInstant('2024-02-29', 'x').toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(parseInstant('2026-01-01T10:00', 'x').toISOString()).toBe('2026-01-01T10:00:00.000Z');
    expect(parseInstant('2026-01-01 10:00:30.25Z', 'x').toISOString()).toBe(
      '2026-01-01T10:00:30.250Z',
    );
    expect(parseInstant('2026-01-01T10:00:00+02:00', 'x').toISOString()).toBe(
      '2026-01-01T08:00:00.000Z',
    );
    expect(parseInstant('2026-01-01T10:00:00-0530', 'x').toISOString()).toBe(
      '2026-01-01T15:30:00.000Z',
    );
    expect(parseCalendarDate(' 2028-02-29 ', 'x')).toBe('2028-02-29');
  });

  it.each(IMPOSSIBLE)('refuses %j, naming the parameter and the value', (value) => {
    expect(() => parseInstant(value, 'since')).toThrow(DateInputError);
    expect(() => parseInstant(value, 'since')).toThrow(
      `since: '${value}' is not a real calendar date`,
    );
  });

  it('refuses an impossible date the same way at every entry point', () => {
    const bad = '2026-02-30';
    const refusals: [string, () => unknown][] = [
      ['query string', () => parseRange({ since: bad })],
      ['CLI option', () => parseSyncRequest({ since: bad }, new Date(), CLI_SYNC_SOURCE)],
      ['request body', () => parseSyncRequest({ since: bad }, new Date())],
      ['SYNC_SINCE', () => parseConfig({ SYNC_SINCE: bad })],
      ['HOLIDAYS', () => parseConfig({ HOLIDAYS: `2026-12-25,${bad}` })],
      ['calendar date', () => parseCalendarDate(bad, 'HOLIDAYS')],
    ];
    for (const [where, refuse] of refusals)
      expect(refuse, where).toThrow(`'${bad}' is not a real calendar date`);
    expect(() => parseConfig({ SYNC_SINCE: bad })).toThrow(ConfigError);
    expect(() => parseConfig({ SYNC_SINCE: bad })).toThrow(/^SYNC_SINCE: '2026-02-30'/);
    expect(() => parseConfig({ HOLIDAYS: bad })).toThrow(/^HOLIDAYS: '2026-02-30'/);
    expect(() => parseRange({ until: bad })).toThrow(
      "invalid querystring parameter 'until': '2026-02-30' is not a real calendar date",
    );
  });

  it('echoes no control characters and at most 40 characters of the value', () => {
    expect(() => parseInstant('2026\n01', 'x')).toThrow("x: '2026?01' is not");
    expect(() => parseInstant('9'.repeat(100), 'x')).toThrow(`'${'9'.repeat(40)}…'`);
  });
});
