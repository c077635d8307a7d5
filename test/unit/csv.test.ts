import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import {
  csvCell,
  formatCsvHeader,
  formatCsvRows,
  joinCell,
  neutralizeText,
} from '../../src/reports/csv-format.js';

describe('CSV reports', () => {
  it.each(['=SUM(A1)', '+1+1', '-2+3', '@cmd', '\tx', '\rx'])(
    'neutralises the formula-like cell %j',
    (cell) => {
      expect(neutralizeText(cell)).toBe(`'${cell}`);
    },
  );

  it('leaves numbers and plain text alone', () => {
    expect(csvCell(-5, 'number')).toBe('-5');
    expect(csvCell('Checkout API', 'text')).toBe('Checkout API');
    expect(csvCell(null, 'text')).toBe('');
  });

  it('neutralises every part of a cell that a spreadsheet splitting on ; would see', () => {
    expect(neutralizeText('ok;=1+1')).toBe("ok;'=1+1");
    expect(neutralizeText('=a;b;@c')).toBe("'=a;b;'@c");
    expect(neutralizeText('Primary;Secondary')).toBe('Primary;Secondary');
  });

  it('neutralises each item of a joined list', () => {
    expect(joinCell(['Ops', '=HYPERLINK("x")', '+1'])).toBe('Ops;\'=HYPERLINK("x");\'+1');
    expect(joinCell([])).toBe('');
  });

  it('quotes commas, quotes and new lines, and writes the header', () => {
    const csv =
      formatCsvHeader(['name', 'count']) +
      formatCsvRows(
        [
          ['a, "b"\nc', 1],
          ['=HYPERLINK("x")', 2],
        ],
        ['text', 'number'],
      );
    expect(csv).toBe('name,count\n"a, ""b""\nc",1\n"\'=HYPERLINK(""x"")",2\n');
  });

  it('writes what csv-stringify writes for the cells a report holds', () => {
    const cells = [
      'plain',
      'with, comma',
      'with "quotes"',
      'line\nbreak',
      'carriage\rreturn',
      ' spaced ',
      'ünïcödé 🚨',
      '',
      "O'Brien",
      'semi;colon',
      '2026-01-01T00:00:00.000Z',
    ];
    const rows = cells.map((c, i) => [c, i, i % 2 === 0]);
    expect(formatCsvRows(rows, ['text', 'number', 'boolean'])).toBe(
      stringify(rows, { cast: { boolean: (b: boolean) => (b ? 'true' : 'false') } }),
    );
  });

  it('writes timestamps as ISO-8601 UTC whatever the driver returned', () => {
    expect(csvCell('2026-01-01T00:00:00.000Z', 'timestamp')).toBe('2026-01-01T00:00:00.000Z');
    expect(csvCell(new Date('2026-01-01T05:00:00+05:00'), 'timestamp')).toBe(
      '2026-01-01T00:00:00.000Z',
    );
    expect(csvCell(null, 'timestamp')).toBe('');
  });
});
