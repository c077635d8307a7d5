import type { Kysely } from 'kysely';
import { readMirrorVersion } from '../db/repositories/mirror-state-repository.js';
import type { Database } from '../db/schema.js';

/**
 * The mirror's version as this process knows it, without a query per request: moved at once by
 * this process's own writes (observe), and read from the database every `pollMs` for the writes
 * of others (a `sync` command, another replica).
 */
export class MirrorVersion {
  #version = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly db: Kysely<Database>,
    readonly pollMs = 1000,
  ) {}

  /** Reads the version now and then keeps polling; resolves once it is known. */
  async start(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh().catch(() => undefined), this.pollMs);
    this.#timer.unref();
  }

  async refresh(): Promise<number> {
    this.observe(await readMirrorVersion(this.db));
    return this.#version;
  }

  /** A version this process committed, or read: the known version only moves forward. */
  observe(version: number): void {
    if (version > this.#version) this.#version = version;
  }

  get current(): number {
    return this.#version;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
