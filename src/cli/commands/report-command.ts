import type { Command } from 'commander';
import { parseAnalyticsFilter } from '../../analytics/analytics-request.js';
import { parseConfig, type AnalyticsConfig } from '../../config.js';
import { createDb } from '../../db/connection.js';
import { migrateToLatest } from '../../db/migrator.js';
import { ValidationError } from '../../errors.js';
import type { ReportRequest } from '../../reports/report-definition.js';
import { REPORTS } from '../../reports/reports.js';
import type { CliContext } from '../cli-context.js';
import { checkOptionPatterns, optionOf, parseChoiceOption } from '../options.js';

// CSV reports on the command line: the same report definitions GET /api/v1/reports/{name}
// serves (one set of columns, one computation), written to stdout as CSV or as a table to read.

const FORMATS = ['csv', 'table'] as const;

interface ReportOptions {
  since?: string;
  until?: string;
  teamId?: string[];
  userId?: string;
  format: string;
}

/**
 * The reports the CLI offers, by command name, what each is for, and the note it adds on stderr
 * when its setting leaves nothing to show (a payroll file of zeros is otherwise silent about why).
 */
const CLI_REPORTS: Record<
  string,
  { report: string; description: string; note: (analytics: AnalyticsConfig) => string | undefined }
> = {
  'on-call-pay': {
    report: 'on_call_pay',
    description:
      'on-call pay per person (ONCALL_PAY_RULES): seconds and interruptions by pay class, and the amount',
    note: ({ pay }) =>
      [...Object.values(pay.hourly), ...Object.values(pay.perInterruption)].every((r) => r === 0)
        ? 'ONCALL_PAY_RULES is not set, or sets no rate: every amount is 0'
        : undefined,
  },
  'on-call-compliance': {
    report: 'on_call_compliance',
    description: 'breaches of the on-call working-time limits (ONCALL_LIMITS)',
    note: ({ limits }) =>
      Object.keys(limits).length === 0
        ? 'ONCALL_LIMITS is not set, or sets no limit: there is no limit to breach'
        : undefined,
  },
};

/** CSV text as aligned columns: numbers to the right, a rule under the header. */
export function csvAsTable(lines: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of lines)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const numeric = widths.map((_, i) =>
    lines.slice(1).every((r) => (r[i] ?? '') === '' || /^-?\d+(\.\d+)?$/.test(r[i] ?? '')),
  );
  const format = (row: readonly string[]) =>
    row
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const [header, ...rows] = lines;
  return header
    ? [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(format)]
    : [];
}

/** Splits CSV text (RFC 4180: quoted cells may hold commas, quotes and newlines) into rows. */
function parseCsvText(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

export function registerReportCommand(program: Command, context: CliContext): void {
  const report = program
    .command('report')
    .description('print a report from the mirror (DATABASE_URL), as CSV or as a table');
  for (const [name, { report: reportName, description, note }] of Object.entries(CLI_REPORTS)) {
    report
      .command(name)
      .description(description)
      .option('--since <date>', 'start of the range (ISO date or date-time; UTC when no offset)')
      .option('--until <date>', 'end of the range, exclusive (default now)')
      .option(
        '--team-id <id>',
        "a team's members; repeat for several",
        (value: string, list: string[] = []) => [...list, value],
      )
      .option('--user-id <id>', 'one user')
      .option('--format <format>', `${FORMATS.join(' or ')}`, 'csv')
      .action(async (options: ReportOptions) => {
        const format = parseChoiceOption(options.format, '--format', FORMATS);
        const definition = REPORTS.find((r) => r.name === reportName);
        if (!definition) throw new Error(`no report ${reportName}`);
        const query = {
          since: options.since,
          until: options.until,
          team_id: options.teamId,
          user_id: options.userId,
        };
        // What the API's schema refuses before its handler runs (an id's pattern), then its parser.
        checkOptionPatterns(query, definition.query);
        const filter = cliFilter(query);
        const config = parseConfig(context.env);
        const handle = createDb(config.database, { sqliteReadWorkers: 0 });
        try {
          await migrateToLatest(handle.db);
          const request: ReportRequest = {
            filter,
            param: undefined,
            // As the reports route passes it after its query schema: a repeated id as a list.
            query: query as unknown as ReportRequest['query'],
            now: new Date(),
            analytics: config.analytics,
          };
          await definition.check?.(handle, request);
          let text = '';
          for await (const chunk of definition.csv(handle, request)) {
            if (format === 'csv') context.stdoutText(chunk);
            else text += chunk;
          }
          if (format === 'table')
            for (const line of csvAsTable(parseCsvText(text))) context.stdout(line);
          // Last, so that it is the line left on the terminal under a table.
          const said = note(config.analytics);
          if (said) context.stderr(`pd-analytics: ${said}`);
        } finally {
          await handle.destroy();
        }
      });
  }
}

/** The API's one filter parser, its messages naming the command line's options. */
function cliFilter(query: {
  since: string | undefined;
  until: string | undefined;
  team_id: string[] | undefined;
  user_id: string | undefined;
}) {
  try {
    return parseAnalyticsFilter(query);
  } catch (error) {
    if (error instanceof ValidationError && error.parameter) {
      const option = optionOf(error.parameter);
      throw new ValidationError(
        error.message.replace(/^invalid querystring parameter '[^']+'/, option),
        option,
      );
    }
    throw error;
  }
}
