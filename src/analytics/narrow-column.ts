// Whole numbers of a copy (fact-store.ts) in the narrowest typed array that holds them: most of
// the incident facts are 0/1 flags and small counts, and ids are coded in the thousands, so a
// million incidents' copy took 120 MiB in 32-bit columns and half of it in the narrowest ones.
// The array is chosen as the values are written, from the values themselves (exact whatever the
// mirror holds): read 32-bit and narrowed at the end, the copy's read held both at once, and the
// serve process peaked 40-65 MB above what it kept.

/** Whole numbers in the narrowest array they fit. */
export type Codes = Int8Array | Int16Array | Int32Array;

/** A column as a copy keeps it: a null is `nil`, the least value of the array's type. */
export interface FactColumn {
  values: Codes;
  nil: number;
}

/** The least value of an array of `bytes` bytes an element. */
const leastOf = (bytes: number) => -(2 ** (bytes * 8 - 1));

/**
 * A column written one value at a time, in an Int8Array until a value needs an Int16Array, then
 * an Int32Array. When `nullable`, the least value of the array's type is the null, and the
 * values are kept above it; otherwise every value the type holds is a value (codes, -1 for none).
 */
export class NarrowColumn {
  #values: Codes;
  /** The values the array holds now, as values (not the null). */
  #least = 0;
  #most = 0;

  constructor(
    capacity: number,
    readonly nullable: boolean,
  ) {
    this.#values = new Int8Array(capacity);
    this.#fitRange();
  }

  /** The null: the least value of the array's type (meaningful when nullable). */
  get nil(): number {
    return leastOf(this.#values.BYTES_PER_ELEMENT);
  }

  get capacity(): number {
    return this.#values.length;
  }

  set(i: number, value: number | null): void {
    if (value === null) {
      this.#values[i] = this.nil;
      return;
    }
    if (value < this.#least || value > this.#most) this.#widen(value);
    this.#values[i] = value;
  }

  /** The value at i; null where a null was written. */
  get(i: number): number | null {
    const v = this.#values[i] ?? 0;
    return this.nullable && v === this.nil ? null : v;
  }

  /** Room for `need` values (doubling, as grown() does), the array's type kept. */
  reserve(need: number): void {
    if (need <= this.#values.length) return;
    const capacity = Math.max(need, this.#values.length * 2);
    const next = new (this.#values.constructor as new (n: number) => Codes)(capacity);
    next.set(this.#values);
    this.#values = next;
  }

  /** The first `size` values (the array itself when it is of that size, not a copy). */
  values(size: number): Codes {
    return this.#values.length === size ? this.#values : this.#values.slice(0, size);
  }

  /** The first `size` values and their null. */
  column(size: number): FactColumn {
    return { values: this.values(size), nil: this.nil };
  }

  #fitRange(): void {
    const least = this.nil;
    this.#least = least + (this.nullable ? 1 : 0);
    this.#most = -least - 1;
  }

  /** Into the narrowest wider array that holds `value` (32-bit at most, as the facts are). */
  #widen(value: number): void {
    const Type = [Int16Array, Int32Array].find((T) => {
      const least = leastOf(T.BYTES_PER_ELEMENT);
      return value >= least + (this.nullable ? 1 : 0) && value <= -least - 1;
    });
    if (!Type || Type.BYTES_PER_ELEMENT <= this.#values.BYTES_PER_ELEMENT) {
      throw new RangeError(`${value} does not fit a copy's 32-bit column`);
    }
    const before = this.#values;
    const oldNil = this.nil;
    const next = new Type(before.length);
    const nil = leastOf(Type.BYTES_PER_ELEMENT);
    if (this.nullable)
      for (let i = 0; i < before.length; i += 1) {
        const v = before[i] ?? 0;
        next[i] = v === oldNil ? nil : v;
      }
    else next.set(before);
    this.#values = next;
    this.#fitRange();
  }
}
