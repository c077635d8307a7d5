// The facts the incident metrics read (incident_metrics, incident_teams), copied from the bench
// database into an in-memory DuckDB: read in keyset pages through the project's Kysely handle
// (any dialect) and written with DuckDB's appender (its extensions, sqlite_scanner among them,
// cannot be downloaded here).
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { DuckDBTimestampValue } from '@duckdb/node-api';
import type { Db } from '../src/db/connection.js';
import type { IncidentFact } from '../src/analytics/metric-catalog.js';
import type { IncidentMetricsTable } from '../src/db/schema.js';

const PAGE = 10_000;

/**
 * Every column of incident_metrics and how it is copied: the compiler holds the list complete
 * (a new column fails it until it is named here) and every numeric fact a `fact`. Facts are
 * whole numbers (bigint or integer columns) copied as DOUBLE: exact below 2^53, sums included,
 * and appended without a BigInt per value.
 */
const METRICS_COLUMNS = {
  incident_id: 'text',
  created_at: 'time',
  resolved_at: 'time',
  status: 'text',
  urgency: 'text',
  service_id: 'text',
  escalation_policy_id: 'text',
  priority_id: 'text',
  repeat_key: 'text',
  seconds_to_first_ack: 'fact',
  seconds_to_resolve: 'fact',
  auto_resolved: 'fact',
  reassigned: 'fact',
  manual_escalated: 'fact',
  timeout_escalated: 'fact',
  escalation_count: 'fact',
  engaged_user_count: 'fact',
  alert_count: 'fact',
  reopened: 'fact',
  assignment_count: 'fact',
  seconds_to_mobilize: 'fact',
  seconds_to_engage: 'fact',
  snoozed_seconds: 'fact',
  notification_count: 'fact',
  interruption_count: 'fact',
  business_hour_interruptions: 'fact',
  off_hour_interruptions: 'fact',
  sleep_hour_interruptions: 'fact',
  engaged_seconds: 'fact',
} as const satisfies {
  [K in keyof IncidentMetricsTable]-?: K extends IncidentFact ? 'fact' : 'text' | 'time';
};
type MetricsColumn = keyof typeof METRICS_COLUMNS;
const COLUMN_NAMES = Object.keys(METRICS_COLUMNS) as MetricsColumn[];
const DUCKDB_TYPES = { text: 'varchar', time: 'timestamp', fact: 'double' } as const;

/** What the copy took. */
export interface FactsCopy {
  incidents: number;
  incidentTeams: number;
  /** Milliseconds in all, and of them reading the pages from the project's database. */
  ms: number;
  readMs: number;
}

/** A value as the appender takes it: timestamps (ISO text on SQLite, Date elsewhere) in µs. */
export function append(appender: DuckDBAppender, kind: 'text' | 'time' | 'fact', value: unknown) {
  if (value === null || value === undefined) appender.appendNull();
  else if (kind === 'text') appender.appendVarchar(String(value));
  else if (kind === 'fact') appender.appendDouble(Number(value));
  else
    appender.appendTimestamp(
      new DuckDBTimestampValue(BigInt(new Date(value as string | Date).getTime()) * 1000n),
    );
}

/** Reads a table page after page (each after the last row of the one before) into an appender. */
export async function copyPages<Row>(
  readPage: (after: Row | undefined) => Promise<Row[]>,
  appender: DuckDBAppender,
  appendRow: (row: Row) => void,
): Promise<number> {
  let rows = 0;
  for (let after: Row | undefined; ;) {
    const page = await readPage(after);
    for (const row of page) {
      appendRow(row);
      appender.endRow();
    }
    rows += page.length;
    after = page.at(-1);
    if (page.length < PAGE) break;
  }
  appender.closeSync();
  return rows;
}

/** Copies incident_metrics and incident_teams into tables of the same names in `duck`. */
export async function copyFactsToDuckDB(
  handle: Pick<Db, 'read'>,
  duck: DuckDBConnection,
): Promise<FactsCopy> {
  const started = performance.now();
  let readMs = 0;
  const timedRead = async <T>(read: Promise<T>): Promise<T> => {
    const t = performance.now();
    const rows = await read;
    readMs += performance.now() - t;
    return rows;
  };
  await duck.run(
    `create table incident_metrics (${COLUMN_NAMES.map((c) => `${c} ${DUCKDB_TYPES[METRICS_COLUMNS[c]]}`).join(', ')})`,
  );
  await duck.run('create table incident_teams (incident_id varchar, team_id varchar)');

  // Keyset pages in primary-key order (a row value, which SQLite and PostgreSQL seek the key
  // with): on SQLite incident_metrics is a WITHOUT ROWID table, so they read it in its order.
  const metrics = await duck.createAppender('incident_metrics');
  const incidents = await copyPages(
    (after: { created_at: Date | string; incident_id: string } | undefined) =>
      timedRead(
        handle.read
          .selectFrom('incident_metrics')
          .select(COLUMN_NAMES)
          .$if(after !== undefined, (q) =>
            q.where((eb) =>
              eb(
                eb.refTuple('created_at', 'incident_id'),
                '>',
                eb.tuple(after?.created_at ?? '', after?.incident_id ?? ''),
              ),
            ),
          )
          .orderBy('created_at')
          .orderBy('incident_id')
          .limit(PAGE)
          .execute(),
      ),
    metrics,
    (row) => {
      for (const c of COLUMN_NAMES) append(metrics, METRICS_COLUMNS[c], row[c]);
    },
  );
  const teams = await duck.createAppender('incident_teams');
  const incidentTeams = await copyPages(
    (after: { incident_id: string; team_id: string } | undefined) =>
      timedRead(
        handle.read
          .selectFrom('incident_teams')
          .select(['incident_id', 'team_id'])
          .$if(after !== undefined, (q) =>
            q.where((eb) =>
              eb(
                eb.refTuple('incident_id', 'team_id'),
                '>',
                eb.tuple(after?.incident_id ?? '', after?.team_id ?? ''),
              ),
            ),
          )
          .orderBy('incident_id')
          .orderBy('team_id')
          .limit(PAGE)
          .execute(),
      ),
    teams,
    (row) => {
      teams.appendVarchar(row.incident_id);
      teams.appendVarchar(row.team_id);
    },
  );
  return { incidents, incidentTeams, ms: performance.now() - started, readMs };
}
