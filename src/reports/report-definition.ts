import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { CompiledQuery } from 'kysely';
import type { AnalyticsFilter } from '../analytics/incident-filter.js';
import type { AnalyticsConfig } from '../config.js';
import type { Db } from '../db/connection.js';
import { formatCsvHeader, formatCsvRows, type CsvKind } from './csv-format.js';

/** What a report is asked for: the incident filters (for those that take them), a path parameter, now. */
export interface ReportRequest {
  filter: AnalyticsFilter;
  /** The report's path parameter, for the report that takes one. */
  param: string | undefined;
  /** The report's own query parameters (see Report.query), as given. */
  query: Readonly<Record<string, string | undefined>>;
  now: Date;
  /** The analytics settings (default zone, major priorities). */
  analytics: AnalyticsConfig;
}

/** A column: its header and its cell, side by side, so reordering cannot shift them apart. */
export interface ReportColumn<Row> {
  header: string;
  kind: CsvKind;
  cell: (row: Row) => unknown;
}

/** A CSV report, ready to serve: its name and description, and its text page by page. */
export interface Report {
  name: string;
  title: string;
  summary: string;
  /** Takes the incident filters (since, until, service_id, team_id, urgency, status). */
  filtered: boolean;
  /** Its one path parameter, if it has one (`incidents_status_count_by_service/{service_id}`). */
  param?: string;
  /** Relative to now (its ETag includes the minute); otherwise it changes only with the mirror. */
  relativeToNow: boolean;
  /** Query parameters of its own, beside the incident filters (JSON Schema properties). */
  query: Readonly<Record<string, unknown>>;
  headers: readonly string[];
  /** The file name, without date and extension. */
  fileName(request: ReportRequest): string;
  /**
   * Checks what was asked before any byte is sent (the report's subject exists, say), so a
   * missing one is a 404 and not a cut-off download.
   */
  check?(db: Db, request: ReportRequest): Promise<void>;
  /** The CSV text: the header line, then one chunk per page of rows. */
  csv(db: Db, request: ReportRequest): AsyncIterable<string>;
}

interface Described {
  name: string;
  title: string;
  summary: string;
  filtered?: boolean;
  param?: string;
  relativeToNow?: boolean;
  query?: Readonly<Record<string, unknown>>;
  fileName?: (request: ReportRequest) => string;
  check?: (db: Db, request: ReportRequest) => Promise<void>;
}

/**
 * A report over rows the analytics produce: its columns, and its rows as pages (an async
 * iterator with no limit of its own). Pages are formatted as they come; between pages the
 * event loop gets a turn.
 */
export function defineReport<Row>(
  definition: Described & {
    columns: readonly ReportColumn<Row>[];
    rows: (db: Db, request: ReportRequest) => AsyncIterable<readonly Row[]>;
  },
): Report {
  const { columns } = definition;
  const kinds = columns.map((c) => c.kind);
  return {
    ...describe(definition),
    headers: columns.map((c) => c.header),
    async *csv(db, request) {
      yield formatCsvHeader(columns.map((c) => c.header));
      for await (const page of definition.rows(db, request)) {
        yield formatCsvRows(
          page.map((row) => columns.map((c) => c.cell(row))),
          kinds,
        );
        await yieldToEventLoop();
      }
    },
  };
}

// The worker loads the formatter by URL: TypeScript from src/ (tests), JavaScript from dist/.
const FORMATTER = new URL(
  import.meta.url.endsWith('.ts') ? './csv-format.ts' : './csv-format.js',
  import.meta.url,
).href;

/**
 * A report streamed straight from SQL, for the reports of every incident: raw rows in keyset
 * pages, formatted where they are read (in a read worker on SQLite), so no per-row object is
 * made and the event loop stays free. `page` compiles the query of the page after `after` (the
 * key columns of the last row read, null for the first page).
 */
export function defineSqlReport(
  definition: Described & {
    columns: readonly { header: string; kind: CsvKind }[];
    keys: readonly number[];
    pageSize: number;
    page: (db: Db, request: ReportRequest, after: readonly unknown[] | null) => CompiledQuery;
  },
): Report {
  const headers = definition.columns.map((c) => c.header);
  const kinds = definition.columns.map((c) => c.kind);
  return {
    ...describe(definition),
    headers,
    async *csv(db, request) {
      yield formatCsvHeader(headers);
      let after: readonly unknown[] | null = null;
      for (;;) {
        const page: { value: string; count: number; last: unknown[] | null } =
          await db.readPage<string>(definition.page(db, request, after), definition.keys, {
            module: FORMATTER,
            fn: 'formatCsvRows',
            args: kinds,
          });
        if (page.count > 0) yield page.value;
        if (page.count < definition.pageSize || !page.last) return;
        after = page.last;
        await yieldToEventLoop();
      }
    },
  };
}

function describe(definition: Described) {
  return {
    name: definition.name,
    title: definition.title,
    summary: definition.summary,
    filtered: definition.filtered ?? false,
    relativeToNow: definition.relativeToNow ?? false,
    query: definition.query ?? {},
    ...(definition.param ? { param: definition.param } : {}),
    ...(definition.check ? { check: definition.check } : {}),
    fileName: definition.fileName ?? (() => definition.name),
  };
}
