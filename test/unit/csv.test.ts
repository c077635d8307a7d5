import { describe, expect, it } from 'vitest';
import { csvStream, neutralizeCell, onePage } from '../../src/reports/csv.js';

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += chunk.toString();
  return out;
}

describe('CSV reports', () => {
  it.each(['=SUM(A1)', '+1+1', '-2+3', '@cmd', '\tx', '\rx'])(
    'neutralises the formula-like cell %j',
    (cell) => {
      expect(neutralizeCell(cell)).toBe(`'${cell}`);
    },
  );

  it('leaves numbers and plain text alone', () => {
    expect(neutralizeCell(-5)).toBe(-5);
    expect(neutralizeCell('Checkout API')).toBe('Checkout API');
    expect(neutralizeCell(null)).toBeNull();
  });

  it('quotes commas, quotes and new lines, and writes the header', async () => {
    const csv = await text(
      csvStream(
        ['name', 'count'],
        onePage([
          ['a, "b"\nc', 1],
          ['=HYPERLINK("x")', 2],
        ]),
      ),
    );
    expect(csv).toBe('name,count\n"a, ""b""\nc",1\n"\'=HYPERLINK(""x"")",2\n');
  });
});
