import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';

export type Cell = string | number | boolean | null | undefined;

/**
 * Spreadsheets run a cell that begins with =, +, -, @, tab or carriage return as a formula
 * (CSV injection). Such text cells are prefixed with an apostrophe; numbers are left alone.
 */
export function neutralizeCell(value: Cell): Cell {
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(value)) return `'${value}`;
  return value;
}

const OPTIONS = { cast: { boolean: (b: boolean) => (b ? 'true' : 'false') } } as const;

/**
 * Streams rows as CSV with a header line. Each page becomes one chunk of text (csv-stringify's
 * sync API per page): a stream event per row was the bottleneck, and one page at a time is all
 * that is held in memory.
 */
export function csvStream(columns: readonly string[], pages: AsyncIterable<Cell[][]>): Readable {
  return Readable.from(
    (async function* () {
      yield stringify([[...columns]], OPTIONS);
      for await (const page of pages) {
        if (page.length > 0)
          yield stringify(
            page.map((row) => row.map(neutralizeCell)),
            OPTIONS,
          );
      }
    })(),
    { objectMode: false },
  );
}

/** A whole, small result as one page. */
export async function* onePage(rows: Cell[][]): AsyncGenerator<Cell[][]> {
  yield rows;
}
