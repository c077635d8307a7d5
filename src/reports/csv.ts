import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';

export type Cell = string | number | boolean | null | undefined;

/**
 * Spreadsheets run a cell that begins with =, +, -, @, tab or carriage return as a formula
 * (CSV injection). Such text cells are prefixed with an apostrophe; numbers are left alone.
 */
export function neutralizeCell(value: Cell): Cell {
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(value)) return `'${value}`;
  return value;
}

/** Streams rows as CSV with a header line; one page of rows is in memory at a time. */
export function csvStream(columns: readonly string[], pages: AsyncIterable<Cell[][]>): Readable {
  const stringifier = stringify({
    header: true,
    columns: [...columns],
    cast: { boolean: (b) => (b ? 'true' : 'false') },
  });
  const source = Readable.from(
    (async function* () {
      for await (const page of pages) for (const row of page) yield row.map(neutralizeCell);
    })(),
    { objectMode: true },
  );
  source.on('error', (error) => stringifier.destroy(error));
  return source.pipe(stringifier);
}

/** A whole, small result as one page. */
export async function* onePage(rows: Cell[][]): AsyncGenerator<Cell[][]> {
  yield rows;
}
