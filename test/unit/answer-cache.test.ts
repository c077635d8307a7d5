import { describe, expect, it } from 'vitest';
import { AnswerCache } from '../../src/api/answer-cache.js';

const JSON_TYPE = 'application/json; charset=utf-8';

describe('the answers kept by mirror version', () => {
  it('answers only at the version an answer was kept under, and forgets them all when it moves', () => {
    const cache = new AnswerCache();
    cache.set(3, '/a', '{"a":1}', JSON_TYPE);
    expect(cache.get(3, '/a')).toEqual({ body: Buffer.from('{"a":1}'), type: JSON_TYPE });
    expect(cache.get(3, '/b')).toBeUndefined();
    expect(cache.get(4, '/a')).toBeUndefined();
    expect(cache.size).toBe(0);
    // An answer computed from version 3, finished after 4 was seen, is not kept.
    cache.set(3, '/a', '{"a":1}', JSON_TYPE);
    expect(cache.get(4, '/a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the least recently used answers past its size in bytes, and never keeps one larger', () => {
    const cache = new AnswerCache(10);
    cache.set(1, '/a', 'aaaa', JSON_TYPE);
    cache.set(1, '/b', 'bbbb', JSON_TYPE);
    expect(cache.get(1, '/a')?.body.toString()).toBe('aaaa');
    cache.set(1, '/c', 'cccc', JSON_TYPE);
    expect(cache.get(1, '/b')).toBeUndefined();
    expect(cache.get(1, '/a')?.body.toString()).toBe('aaaa');
    expect(cache.get(1, '/c')?.body.toString()).toBe('cccc');
    // Six characters, twelve bytes in UTF-8.
    cache.set(1, '/d', 'é'.repeat(6), JSON_TYPE);
    expect(cache.get(1, '/d')).toBeUndefined();
    expect(cache.size).toBe(2);
    // Kept again under the same URL, the answer replaces the one before.
    cache.set(1, '/a', 'AAAAAAA', JSON_TYPE);
    expect(cache.get(1, '/a')?.body.toString()).toBe('AAAAAAA');
    expect(cache.get(1, '/c')).toBeUndefined();
  });
});
