import { describe, expect, it } from 'vitest';
import { NarrowColumn } from '../../src/analytics/narrow-column.js';

// The copy keeps each column in the narrowest array that holds its values and, for a fact, a
// null below them, chosen as the values are written: every value and every null must read back
// as it was written, whatever came before it.

/** The values written one at a time into a column sized for them, and the column. */
function written(values: readonly (number | null)[], nullable: boolean, capacity = values.length) {
  const column = new NarrowColumn(capacity, nullable);
  values.forEach((v, i) => column.set(i, v));
  return column;
}

const readBack = (column: NarrowColumn, size: number) =>
  Array.from({ length: size }, (_, i) => column.get(i));

describe('a narrow column', () => {
  it.each([
    ['flags and small counts', [0, 1, null, 127, -127], Int8Array],
    ['a count past 127, after nulls', [null, 0, null, 128, null], Int16Array],
    ['-128 is the null of a byte, so a fact of -128 takes two', [-128, null, 3], Int16Array],
    ['seconds, widened twice', [0, null, 300, null, 32768, 86_400 * 30], Int32Array],
    ['the least 16-bit value is its null', [null, -32768, null], Int32Array],
    ['nothing', [], Int8Array],
  ])('keeps %s exactly', (_what, values, Type) => {
    const column = written(values, true);
    expect(column.values(values.length)).toBeInstanceOf(Type);
    expect(readBack(column, values.length)).toEqual(values);
    const { values: array, nil } = column.column(values.length);
    expect(Array.from(array, (v) => (v === nil ? null : v))).toEqual(values);
  });

  it('codes ids (-1: none) without a null of their own', () => {
    const small = written([-1, 0, 126, 127], false);
    expect(small.values(4)).toBeInstanceOf(Int8Array);
    expect(Array.from(small.values(4))).toEqual([-1, 0, 126, 127]);
    const thousands = written([-1, 0, -128, 1999], false);
    expect(thousands.values(4)).toBeInstanceOf(Int16Array);
    expect(Array.from(thousands.values(4))).toEqual([-1, 0, -128, 1999]);
    expect(written([40_000], false).values(1)).toBeInstanceOf(Int32Array);
  });

  it('keeps its type and values when it grows, and gives only the values written', () => {
    const column = written([null, 5, 1000], true, 3);
    column.reserve(10);
    column.set(3, null);
    expect(column.capacity).toBe(10);
    expect(column.values(4)).toBeInstanceOf(Int16Array);
    expect(readBack(column, 4)).toEqual([null, 5, 1000, null]);
    expect(column.values(4)).toHaveLength(4);
  });

  it('refuses a value no 32-bit column holds rather than keep another', () => {
    expect(() => written([2 ** 31], true)).toThrow(RangeError);
    expect(() => written([-(2 ** 31)], true)).toThrow(RangeError);
  });
});
