/** The most bytes of answers kept at once, and of any one answer. */
export const ANSWER_CACHE_MAX_BYTES = 16 * 2 ** 20;
const MAX_ANSWER_BYTES = 4 * 2 ** 20;

interface Kept {
  /** Encoded once: sending a 170 kB string encoded it again for every request. */
  body: Buffer;
  type: string;
}

/**
 * Serialised answers of one mirror version, by request URL: what an ETag stands for (the
 * version with the URL, etag.ts), kept so that the next request for it without If-None-Match
 * is sent without a query either. An answer is kept under the version read before its queries
 * ran, so it may be newer than that version but never older; a newer version empties the cache.
 * The least recently used go first past ANSWER_CACHE_MAX_BYTES.
 */
export class AnswerCache {
  readonly #answers = new Map<string, Kept>();
  #version = -1;
  #bytes = 0;

  constructor(readonly maxBytes = ANSWER_CACHE_MAX_BYTES) {}

  /** The answer kept for `url` at `version`, if any. */
  get(version: number, url: string): { body: Buffer; type: string } | undefined {
    this.#moveTo(version);
    const kept = this.#answers.get(url);
    if (!kept) return undefined;
    // Most recently used last, so that the oldest goes first.
    this.#answers.delete(url);
    this.#answers.set(url, kept);
    return kept;
  }

  /** Keeps `body`, the answer to `url` computed after `version` was read. */
  set(version: number, url: string, body: string, type: string): void {
    this.#moveTo(version);
    if (version !== this.#version) return;
    const bytes = Buffer.byteLength(body);
    if (bytes > Math.min(MAX_ANSWER_BYTES, this.maxBytes)) return;
    this.#drop(url);
    this.#answers.set(url, { body: Buffer.from(body), type });
    this.#bytes += bytes;
    for (const oldest of this.#answers.keys()) {
      if (this.#bytes <= this.maxBytes) break;
      this.#drop(oldest);
    }
  }

  get size(): number {
    return this.#answers.size;
  }

  /** Forgets every answer of an older version; an answer of an older version is not kept. */
  #moveTo(version: number): void {
    if (version <= this.#version) return;
    this.#version = version;
    this.#answers.clear();
    this.#bytes = 0;
  }

  #drop(url: string): void {
    const kept = this.#answers.get(url);
    if (!kept) return;
    this.#answers.delete(url);
    this.#bytes -= kept.body.length;
  }
}
