import { describe, expect, it } from 'vitest';
import { KeyTable } from '../../src/analytics/key-table.js';

// The repeat keys' table (src/analytics/key-table.ts) against a Map: the same codes, in the order
// first seen, through its growth, for any text a repeat key can hold.

describe('KeyTable', () => {
  it('gives each distinct string one code, as a Map numbering them in order would', () => {
    const table = new KeyTable();
    const map = new Map<string, number>();
    const texts = [
      '',
      't disk full on <n>',
      'k ZAP-42',
      'k zap-42',
      't żółć — ✓ 🚨 alert',
      'x'.repeat(255),
      '🚨'.repeat(200),
    ];
    // Enough keys to grow the bytes, the offsets and the slots several times.
    for (let i = 0; i < 40_000; i += 1) texts.push(`k key-${i % 25_000}`);
    for (const text of texts) {
      if (!map.has(text)) map.set(text, map.size);
      expect(table.of(text)).toBe(map.get(text));
    }
    expect(table.size).toBe(map.size);
    for (const [text, code] of map) expect(table.name(code)).toBe(text);
    expect(table.of(null)).toBe(-1);
    expect(table.of(undefined)).toBe(-1);
  });

  it("takes another table's keys from its bytes, under its own codes", () => {
    const other = new KeyTable();
    for (const text of ['k b', 't ü', 'k a']) other.of(text);
    const table = new KeyTable();
    table.of('k a');
    const { bytes, offsets } = other.data();
    const codes = Array.from({ length: offsets.length - 1 }, (_, c) =>
      table.ofBytes(bytes, offsets[c] ?? 0, offsets[c + 1] ?? 0),
    );
    expect(codes).toEqual([1, 2, 0]);
    expect(codes.map((c) => table.name(c))).toEqual(['k b', 't ü', 'k a']);
  });
});
