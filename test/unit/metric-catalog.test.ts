import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  INCIDENT_METRICS,
  NO_RESPONDER_FACTS,
  RESPONDER_METRICS,
  responderMetricValues,
  roundMetric,
} from '../../src/analytics/metric-catalog.js';

const SRC = new URL('../../src/', import.meta.url);

/** Every file below src/, relative to it. */
function sourceFiles(dir = ''): string[] {
  return fs
    .readdirSync(new URL(dir, SRC), { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? sourceFiles(`${dir}${e.name}/`)
        : e.name.endsWith('.ts')
          ? [`${dir}${e.name}`]
          : [],
    );
}

// Where a metric's name may stand outside the catalog: what is generated from it, the frozen
// migrations, and what reads an answer's field by name (the dashboard, on-call load's members).
const ALLOWED_FILES = [/^web\//, /^db\/migrations\//, /^analytics\/metric-catalog\.ts$/];
const ALLOWED_NAMES: Record<string, readonly string[]> = {
  // The team load endpoint answers three responder metrics per member, between its own fields.
  'analytics/on-call-load.ts': [
    'total_seconds_on_call',
    'total_seconds_on_call_scheduled',
    'total_sleep_hour_interruptions',
  ],
  'api/schemas/analytics.ts': [
    'total_seconds_on_call',
    'total_seconds_on_call_scheduled',
    'total_sleep_hour_interruptions',
  ],
  // The default sort of the responder list, and the example in a bad sort's message.
  'analytics/responder-metrics.ts': ['total_seconds_on_call_scheduled', 'total_seconds_on_call'],
};

describe('the metric catalog', () => {
  const names = [...INCIDENT_METRICS, ...RESPONDER_METRICS].map((m) => m.name);

  it('names each metric once per catalog', () => {
    for (const catalog of [INCIDENT_METRICS, RESPONDER_METRICS]) {
      const list = catalog.map((m) => m.name);
      expect(new Set(list).size).toBe(list.length);
    }
  });

  it('is the only source file that spells a metric in code', () => {
    // A metric as code uses it: a quoted name ('name', 'name:desc') or a property (.name, name:).
    const uses = (text: string, name: string) =>
      new RegExp(`['"\`]${name}['"\`:]|\\.${name}\\b|\\b${name}\\??:`).test(
        // Comments may name a metric in prose.
        text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, ''),
      );
    const found = sourceFiles()
      .filter((file) => !ALLOWED_FILES.some((re) => re.test(file)))
      .flatMap((file) => {
        const text = fs.readFileSync(new URL(file, SRC), 'utf8');
        return names
          .filter((name) => uses(text, name) && !ALLOWED_NAMES[file]?.includes(name))
          .map((name) => `${path.posix.join('src', file)}: ${name}`);
      });
    expect(found).toEqual([]);
  });

  it('rounds means to 3 decimals and up_time_pct to 4, and leaves counts alone', () => {
    const upTime = INCIDENT_METRICS.find((m) => m.name === 'up_time_pct');
    const mean = INCIDENT_METRICS.find((m) => m.name === 'mean_seconds_to_first_ack');
    const total = INCIDENT_METRICS.find((m) => m.name === 'total_escalation_count');
    expect(upTime && roundMetric(upTime, 99.123456)).toBe(99.1235);
    expect(mean && roundMetric(mean, 2.00049)).toBe(2);
    expect(mean && roundMetric(mean, 1 / 3)).toBe(0.333);
    expect(total && roundMetric(total, 7)).toBe(7);
  });

  it("gives a responder's metrics in catalog order, null where there is nothing to measure", () => {
    const none = NO_RESPONDER_FACTS;
    const empty = responderMetricValues(none);
    expect(Object.keys(empty)).toEqual(RESPONDER_METRICS.map((m) => m.name));
    expect(empty.mean_time_to_acknowledge_seconds).toBeNull();
    expect(empty.sleep_hour_interruptions_per_7_days_on_call).toBeNull();
    const week = responderMetricValues({
      ...none,
      incidents: 3,
      engagedSeconds: 100,
      sleepInterruptions: 2,
      onCallSeconds: 3 * 7 * 24 * 3600,
    });
    expect(week.mean_engaged_seconds).toBe(33.333);
    expect(week.sleep_hour_interruptions_per_7_days_on_call).toBe(0.667);
  });
});
