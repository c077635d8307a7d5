// Distinct strings as small integers, held as UTF-8 in one byte array with an open-addressing
// table of their codes, for the repeat keys of the copy of the facts (fact-store.ts). At a
// million incidents there were 457,178 distinct keys of 29 characters on average: a Map from
// each key's string to its code held 50-75 MB of V8 heap while the copy was read (a string and
// an entry apiece, and V8's slack on top: the server's peak RSS rose by 50-120 MB); here a key
// costs its bytes and 12 bytes, about 19 MB in all, and strings are made back only for the few
// keys the copy keeps (those that repeat).

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** FNV-1a over bytes [start, end). */
function hashOf(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i += 1) h = Math.imul(h ^ (bytes[i] ?? 0), 0x01000193);
  return h >>> 0;
}

/** The table's bytes and where each key starts (key c is bytes[offsets[c], offsets[c + 1])). */
export interface KeyTableData {
  bytes: Uint8Array;
  offsets: Int32Array;
}

/** Strings as codes 0, 1, 2... in the order first seen; -1 for null. */
export class KeyTable {
  #bytes = new Uint8Array(1 << 16);
  #used = 0;
  #offsets = new Int32Array(1 << 12);
  #count = 0;
  /** The code in each slot, -1 where empty; at most half full. */
  #slots = new Int32Array(1 << 13).fill(-1);
  /** Where a string is encoded to be looked up: UTF-8 takes at most 3 bytes a UTF-16 unit. */
  #scratch = new Uint8Array(1024);

  get size(): number {
    return this.#count;
  }

  /** The code of a string (of a value's String()), added when new. */
  of(value: unknown): number {
    if (value === null || value === undefined) return -1;
    const text = String(value);
    if (text.length * 3 > this.#scratch.length) this.#scratch = new Uint8Array(text.length * 3);
    const { written } = encoder.encodeInto(text, this.#scratch);
    return this.ofBytes(this.#scratch, 0, written);
  }

  /** The code of the string whose UTF-8 is bytes[start, end), added when new. */
  ofBytes(bytes: Uint8Array, start: number, end: number): number {
    const mask = this.#slots.length - 1;
    for (let slot = hashOf(bytes, start, end) & mask; ; slot = (slot + 1) & mask) {
      const code = this.#slots[slot] ?? -1;
      if (code < 0) {
        const added = this.#add(bytes, start, end);
        this.#slots[slot] = added;
        if (this.#count * 2 > this.#slots.length) this.#rehash();
        return added;
      }
      if (this.#equals(code, bytes, start, end)) return code;
    }
  }

  /** The string of a code. */
  name(code: number): string {
    return decoder.decode(this.#bytes.subarray(this.#offsets[code], this.#offsets[code + 1]));
  }

  /** Its keys as plain data, to cross threads: views of its arrays, not copies (a copy of a
   * million incidents' keys had raised the load's peak by 15 MB). */
  data(): KeyTableData {
    return {
      bytes: this.#bytes.subarray(0, this.#used),
      offsets: this.#offsets.subarray(0, this.#count + 1),
    };
  }

  #equals(code: number, bytes: Uint8Array, start: number, end: number): boolean {
    const from = this.#offsets[code] ?? 0;
    if ((this.#offsets[code + 1] ?? 0) - from !== end - start) return false;
    for (let i = 0; i < end - start; i += 1)
      if (this.#bytes[from + i] !== bytes[start + i]) return false;
    return true;
  }

  #add(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (this.#used + length > this.#bytes.length) {
      const next = new Uint8Array(Math.max(this.#used + length, this.#bytes.length * 2));
      next.set(this.#bytes.subarray(0, this.#used));
      this.#bytes = next;
    }
    if (this.#count + 2 > this.#offsets.length) {
      const next = new Int32Array(this.#offsets.length * 2);
      next.set(this.#offsets);
      this.#offsets = next;
    }
    this.#bytes.set(bytes.subarray(start, end), this.#used);
    this.#used += length;
    const code = this.#count;
    this.#count += 1;
    this.#offsets[this.#count] = this.#used;
    return code;
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let code = 0; code < this.#count; code += 1) {
      const from = this.#offsets[code] ?? 0;
      let slot = hashOf(this.#bytes, from, this.#offsets[code + 1] ?? 0) & mask;
      while ((slots[slot] ?? -1) >= 0) slot = (slot + 1) & mask;
      slots[slot] = code;
    }
    this.#slots = slots;
  }
}
