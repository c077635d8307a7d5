import { describe, expect, it } from 'vitest';
import { narrowest } from '../../src/analytics/fact-store.js';

// The copy keeps each column in the narrowest array that holds its values and, for a fact, a
// null below them: every value and every null must read back as it was read.

const NULL = -2147483648;
const readBack = ({ values, nil }: ReturnType<typeof narrowest>) =>
  Array.from(values, (v) => (v === nil ? null : v));

describe('narrowest', () => {
  it.each([
    ['flags and small counts', [0, 1, NULL, 127, -127], Int8Array],
    ['a count past 127', [0, 128, NULL], Int16Array],
    ['-128 is the null of a byte, so a fact of -128 takes two', [-128, NULL, 3], Int16Array],
    ['seconds', [0, 32768, NULL, 86_400 * 30], Int32Array],
    ['the least 16-bit value is its null', [-32768, NULL], Int32Array],
    ['nothing', [], Int8Array],
  ])('keeps %s exactly', (_what, values, Type) => {
    const column = narrowest(Int32Array.from(values), NULL);
    expect(column.values).toBeInstanceOf(Type);
    expect(readBack(column)).toEqual(values.map((v) => (v === NULL ? null : v)));
  });

  it('codes ids (-1: none) without a null of their own', () => {
    const small = narrowest(Int32Array.from([-1, 0, 126, 127]));
    expect(small.values).toBeInstanceOf(Int8Array);
    expect(Array.from(small.values)).toEqual([-1, 0, 126, 127]);
    const thousands = narrowest(Int32Array.from([-1, 0, 1999]));
    expect(thousands.values).toBeInstanceOf(Int16Array);
    expect(Array.from(thousands.values)).toEqual([-1, 0, 1999]);
    expect(narrowest(Int32Array.from([40_000])).values).toBeInstanceOf(Int32Array);
  });
});
