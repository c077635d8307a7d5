import { describe, expect, it } from 'vitest';
import { normaliseTitle, repeatKeyOf, splitRepeatKey } from '../../src/mirror/repeat-key.js';

// Titles as real monitors write them (Datadog, Prometheus Alertmanager, Nagios, CloudWatch,
// e-mail integrations): two firings of one alert differ only in what is masked.
describe('the repeat key', () => {
  it.each([
    [
      '[Triggered] CPU above 95% on ip-10-0-3-17 (i-0a1b2c3d4e5f67890)',
      '[Triggered] CPU above 91% on ip-10-0-9-4 (i-0ffe1c3d4e5f00001)',
    ],
    [
      'PROBLEM: host db-7 10.12.0.5 is DOWN at 2026-03-08T02:14:00Z',
      'PROBLEM: host db-7 10.12.0.19 is DOWN at 2026-03-09T17:01:12.5+01:00',
    ],
    [
      'Job 4f9c2d1e-7b3a-4c2d-9e8f-0a1b2c3d4e5f failed after 3 retries at 03:14',
      'Job 0e1d2c3b-4a59-6877-8695-a4b3c2d1e0f9 failed after 12 retries at 23:59:01',
    ],
    [
      'Deploy 9f3a2b1 broke /healthz on [2001:db8::1]:443',
      'Deploy abc1234 broke /healthz on [2001:db8::ff]:443',
    ],
    ['Queue   backlog  ABOVE 10k', 'queue backlog above 250k'],
  ])('makes "%s" and "%s" one alert', (a, b) => {
    expect(normaliseTitle(a)).toBe(normaliseTitle(b));
    expect(normaliseTitle(a)).not.toMatch(/\d/);
  });

  it('keeps apart what differs in words, and keeps words made of hex letters', () => {
    expect(normaliseTitle('Disk full on cache')).not.toBe(normaliseTitle('Disk full on db'));
    expect(normaliseTitle('Feed added to decade facade')).toBe('feed added to decade facade');
  });

  it('prefers the incident_key, falls back on the title, and has none without either', () => {
    expect(repeatKeyOf({ incident_key: ' disk/db-1 ', title: 'x 1' })).toBe('k disk/db-1');
    expect(repeatKeyOf({ incident_key: null, title: 'Error 500 on /api' })).toBe(
      't error <n> on /api',
    );
    expect(repeatKeyOf({ incident_key: '', title: null })).toBeNull();
    expect(repeatKeyOf({ incident_key: null, title: '   ' })).toBeNull();
    expect(repeatKeyOf({ incident_key: 'k'.repeat(400), title: null })?.length).toBe(255);
    // Cut by character: an emoji across the limit is kept whole or left out, never halved.
    const emoji = repeatKeyOf({ incident_key: `${'k'.repeat(252)}🔥🔥`, title: null }) ?? '';
    expect(Array.from(emoji)).toHaveLength(255);
    expect(emoji.endsWith('🔥')).toBe(true);
    expect(splitRepeatKey('t error <n> on /api')).toEqual({
      source: 'title',
      key: 'error <n> on /api',
    });
    expect(splitRepeatKey('k disk/db-1')).toEqual({ source: 'incident_key', key: 'disk/db-1' });
  });
});
