// The DuckDB anchor of on-call pay (issue 27): GET /analytics/on-call-pay answered from the
// responders' tables (duckdb-responders.ts) and the interruptions, copied into DuckDB. DuckDB
// answers who is paid, each person's on-call union of the basis (ONCALL_PAY_RULES' count: the
// scheduled spans, or all) as disjoint spans (the responders' gaps and islands) and its length,
// and their interruptions in the range. Shared code, as in the responders' anchor: the split of
// each union into pay classes and the class of each interruption, both in the person's zone,
// are the project's pay splitter (paySplitter, the HourClassSplitter's pay classes), because
// DuckDB's zone support (ICU) cannot be downloaded here; timed within DuckDB's answer and
// printed apart. The amount is worked out anew, in whole milliseconds and whole cents.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { PayRules } from '../src/config.js';
import type { Db } from '../src/db/connection.js';
import { payZone } from '../src/mirror/on-call-pay-days.js';
import type { ClassSplitter } from '../src/time/hour-class-split.js';
import { PAY_CLASSES, type PayClass } from '../src/time/working-hours.js';
import { tally } from './duckdb-anchor-lines.js';
import { append, copyPages } from './duckdb-facts-copy.js';
import {
  islandsSql,
  onCallTotalsSql,
  rangeQuestion,
  spanWindow,
  type OnCallContext,
  type Range,
} from './duckdb-responders.js';

const PAGE = 10_000;
const HOUR_MS = 3_600_000;

/** The question of an on-call pay URL: its range (the anchor answers since and until only). */
export const payQuestion = (url: string) => rangeQuestion(url, '/analytics/on-call-pay');

/** Copies interruptions (who, when, of which incident) into a table of the same name. */
export async function copyInterruptionsToDuckDB(
  handle: Pick<Db, 'read'>,
  duck: DuckDBConnection,
): Promise<number> {
  await duck.run(
    'create table interruptions (incident_id varchar, user_id varchar, started_at timestamp)',
  );
  const appender = await duck.createAppender('interruptions');
  // Keyset pages in primary-key order, as duckdb-facts-copy.ts reads its tables.
  return copyPages(
    (after: { incident_id: string; user_id: string; started_at: Date | string } | undefined) =>
      handle.read
        .selectFrom('interruptions')
        .select(['incident_id', 'user_id', 'started_at'])
        .$if(after !== undefined, (q) =>
          q.where((eb) =>
            eb(
              eb.refTuple('incident_id', 'user_id', 'started_at'),
              '>',
              eb.tuple(after?.incident_id ?? '', after?.user_id ?? '', after?.started_at ?? ''),
            ),
          ),
        )
        .orderBy('incident_id')
        .orderBy('user_id')
        .orderBy('started_at')
        .limit(PAGE)
        .execute(),
    appender,
    (row) => {
      append(appender, 'text', row.incident_id);
      append(appender, 'text', row.user_id);
      append(appender, 'time', row.started_at);
    },
  );
}

/** A pay amount in whole cents, half a cent up, from whole milliseconds and whole rates. */
function amountOf(
  rules: PayRules,
  seconds: Record<PayClass, number>,
  counts: Record<PayClass, number>,
): number {
  // Σ hourly·ms/3,600,000 + Σ per_interruption·n, over 3,600,000 so that it stays whole.
  let numerator = 0;
  for (const c of PAY_CLASSES) {
    const ms = Math.round(seconds[c] * 1000);
    numerator += rules.hourly[c] * ms + rules.perInterruption[c] * counts[c] * HOUR_MS;
  }
  if (!Number.isSafeInteger(numerator * 200))
    throw new Error('the anchor works pay out in whole numbers: whole rates only');
  // Cents = numerator·100 / 3,600,000, rounded half up: floor((2·n·100 + d) / 2d).
  return Math.floor((numerator * 200 + HOUR_MS) / (2 * HOUR_MS)) / 100;
}

type Row = Record<string, unknown>;

/** DuckDB's pay rows, and milliseconds: its queries, and JS (the shared split, the rows). */
export interface PayTiming {
  rows: Row[];
  sqlMs: number;
  jsMs: number;
}

/** DuckDB's pay rows over [since, until), by user id, with the fields of the project's. */
export async function duckdbPay(
  duck: DuckDBConnection,
  question: Range,
  context: OnCallContext<ClassSplitter<PayClass>>,
): Promise<PayTiming> {
  const { since, until } = question;
  const rules = context.config.pay;
  const basis = rules.count === 'all' ? 'true' : "coalesce(schedule_id, '') <> ''";
  const window = { ...spanWindow(question, context.known, context.now), only: basis };
  const t0 = performance.now();
  const islands = await duck.runAndReadAll(islandsSql(window));
  const totals = await duck.runAndReadAll(
    `select user_id, ms from (${onCallTotalsSql(window)}) where kind = 'all'`,
  );
  const interruptions = await duck.runAndReadAll(
    `select user_id, epoch_ms(started_at)::double as t from interruptions
      where started_at >= epoch_ms(${since}) and started_at < epoch_ms(${until})`,
  );
  const users = await duck.runAndReadAll('select id, name, time_zone from users');
  const t1 = performance.now();
  const known = new Map(users.getRowObjectsJS().map((r) => [String(r['id']), r]));
  // Everyone paid: on call of the basis, or interrupted, in the range; named and zoned as users
  // (by id and in UTC when the mirror never knew them).
  const rows = new Map<string, Row>();
  const zones = new Map<string, string>();
  const seconds = new Map<string, Record<PayClass, number>>();
  const counts = new Map<string, Record<PayClass, number>>();
  const of = (map: Map<string, Record<PayClass, number>>, id: string) => {
    if (!rows.has(id)) {
      const user = known.get(id);
      zones.set(id, payZone(user?.['time_zone'] as string | null | undefined));
      rows.set(id, {
        user_id: id,
        user_name: user?.['name'] ?? id,
        currency: rules.currency,
      });
    }
    let value = map.get(id);
    if (!value) map.set(id, (value = context.splitter.empty()));
    return value;
  };
  for (const r of islands.getRowObjectsJS()) {
    const id = String(r['user_id']);
    const into = of(seconds, id);
    context.splitter.split(Number(r['s']), Number(r['e']), zones.get(id) ?? 'UTC', into);
  }
  for (const r of interruptions.getRowObjectsJS()) {
    const id = String(r['user_id']);
    const into = of(counts, id);
    into[context.splitter.classAt(Number(r['t']), zones.get(id) ?? 'UTC')] += 1;
  }
  const lengths = new Map(
    totals.getRowObjectsJS().map((r) => [String(r['user_id']), Number(r['ms']) / 1000]),
  );
  for (const [id, row] of rows) {
    const s = of(seconds, id);
    const n = of(counts, id);
    // The union's length from DuckDB: the split's classes must add up to it.
    row['seconds_on_call'] = lengths.get(id) ?? 0;
    for (const c of PAY_CLASSES) {
      row[`seconds_${c}`] = s[c];
      row[`interruptions_${c}`] = n[c];
    }
    row['amount'] = amountOf(rules, s, n);
  }
  return { rows: [...rows.values()], sqlMs: t1 - t0, jsMs: performance.now() - t1 };
}

const PAY_FIELDS = [
  'user_name',
  'currency',
  'seconds_on_call',
  ...PAY_CLASSES.map((c) => `seconds_${c}`),
  ...PAY_CLASSES.map((c) => `interruptions_${c}`),
  'amount',
];

/**
 * The project's answer against DuckDB's: the range, currency, basis and total, then every field
 * of every row, by user. Their order (by name with localeCompare, ICU's collation) is not
 * compared: DuckDB has no such collation here.
 */
export function comparePay(project: Row, duck: PayTiming, question: Range, rules: PayRules) {
  const rows = (project['data'] ?? []) as Row[];
  const { result, check, checkRows } = tally(rows.length);
  check('since', project['since'], new Date(question.since).toISOString());
  check('until', project['until'], new Date(question.until).toISOString());
  check('currency', project['currency'], rules.currency);
  check('count', project['count'], rules.count);
  check('total', project['total'], duck.rows.length);
  checkRows(rows, duck.rows, (r) => `user_id=${String(r['user_id'])}`, PAY_FIELDS);
  return result;
}
