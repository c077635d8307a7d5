// The CSV writer of every report: RFC 4180 quoting (a cell holding a comma, a quote or a line
// break is quoted, quotes doubled), lines ending in \n, and CSV-injection neutralisation. No
// imports: SQLite report pages are formatted in the read workers (db/read-worker.ts),
// which load this module on their own.

/** How a column's raw value is written. */
export type CsvKind = 'text' | 'number' | 'timestamp' | 'boolean';

/** What joins the items of a list in one cell (a user's schedules, a row's reasons). */
export const LIST_SEPARATOR = ';';
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function neutralizePart(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * Spreadsheets run a cell that begins with =, +, -, @, tab or carriage return as a formula
 * (CSV injection): such text gets a leading apostrophe. A cell that holds the list separator
 * is treated as the list it may become (a spreadsheet splitting on `;`, the CSV separator of
 * many locales, makes `ok;=1+1` two cells, the second a formula), so each part is neutralised.
 */
export function neutralizeText(value: string): string {
  if (!value.includes(LIST_SEPARATOR)) return neutralizePart(value);
  return value.split(LIST_SEPARATOR).map(neutralizePart).join(LIST_SEPARATOR);
}

/** Items joined into one cell, each neutralised. */
export function joinCell(items: readonly string[]): string {
  return items.map(neutralizePart).join(LIST_SEPARATOR);
}

function quote(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One cell as CSV text. Text is neutralised; numbers, booleans and timestamps are left alone. */
export function csvCell(value: unknown, kind: CsvKind): string {
  if (value === null || value === undefined) return '';
  switch (kind) {
    case 'number':
      return typeof value === 'number' || typeof value === 'bigint'
        ? String(value)
        : quote(neutralizeText(String(value)));
    case 'boolean':
      return value === true || value === 1 || value === '1' || value === 't' ? 'true' : 'false';
    case 'timestamp': {
      // SQLite hands back the canonical ISO text it stores; the servers hand back Dates.
      if (typeof value === 'string' && CANONICAL_ISO.test(value)) return value;
      const date = value instanceof Date ? value : new Date(String(value));
      return Number.isNaN(date.getTime()) ? '' : date.toISOString();
    }
    default:
      return quote(neutralizeText(typeof value === 'string' ? value : String(value)));
  }
}

/** Rows (arrays in column order) as CSV lines, each ending in \n. */
export function formatCsvRows(
  rows: Iterable<readonly unknown[]>,
  kinds: readonly CsvKind[],
): string {
  let out = '';
  for (const row of rows) {
    for (let i = 0; i < kinds.length; i += 1) {
      if (i > 0) out += ',';
      out += csvCell(row[i], kinds[i] ?? 'text');
    }
    out += '\n';
  }
  return out;
}

/** The header line. */
export function formatCsvHeader(headers: readonly string[]): string {
  return `${headers.map(quote).join(',')}\n`;
}
