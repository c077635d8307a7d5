import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { readMirrorVersion } from '../db/repositories/mirror-state-repository.js';
import { MirrorSettle } from './mirror-settle.js';

// The life of one in-memory copy of the mirror kept by the pinned read worker (the incident
// facts', fact-store.ts; the responders', responder-store.ts): read once, answered from while
// the mirror's version has not moved, let go the moment it has, read again once the mirror is
// still, and waited for by the requests that come while it is read. Both copies follow the same
// rules; what each reads, how big it would be and what its status says are their own.

/**
 * How long a request waits for a copy being read before SQL answers it beside the read. SQL
 * beside a read holds both at once: at a million incidents the facts' copy and the SQL path's
 * million values and rows (about 130 MB more) took a serve process past 400 MB, and each slowed
 * the other on the worker's one thread. A read that takes longer (a first read of a big mirror
 * on a slow server) leaves the request to SQL rather than to a proxy's timeout.
 */
export const LOAD_WAIT_MS = 30_000;

/** disabled: ANALYTICS_CACHE_MB=0; over_cap: the mirror needs more than the cap. */
export type CopyState = 'empty' | 'loading' | 'ready' | 'stale' | 'disabled' | 'over_cap';

/**
 * What makes one kind of copy: `S` the copy, `A` what a request asks of it, `L` its size as the
 * status tells it (kept once the copy's arrays are let go).
 */
export interface CopyKind<H, S extends { version: number }, A, L> {
  /**
   * The rows a copy of the mirror would hold now (its arrays are sized to them) and the bytes
   * that takes (weighed against the cap).
   */
  measure(handle: H): Promise<{ rows: readonly number[]; bytes: number }>;
  /** Reads a copy; undefined when the mirror moved during the read (it is thrown away). */
  read(handle: H, args: A, rows: readonly number[]): Promise<S | undefined>;
  /** Whether a copy of the current version answers these arguments (default: always). */
  fits?(store: S, args: A): boolean;
  /** A copy's size, in the status's words. */
  size(store: S): L;
}

/** One worker's copy of one kind: its state, the copy held, and the last one's size. */
export class MirrorCopy<H extends { read: Kysely<Database> }, S extends { version: number }, A, L> {
  #store: S | undefined;
  /** The last copy's size and version, kept for the status once its arrays are let go. */
  #last: { version: number; size: L } | undefined;
  #loading: Promise<void> | undefined;
  #state: CopyState;
  #loadMs: number | null = null;
  readonly #settle = new MirrorSettle();

  constructor(
    readonly capBytes: number,
    readonly kind: CopyKind<H, S, A, L>,
    /** Told whenever the state changes. */
    readonly onChange: () => void = () => undefined,
  ) {
    this.#state = capBytes > 0 ? 'empty' : 'disabled';
  }

  get state(): CopyState {
    return this.#state;
  }
  /** The copy held now; undefined once a stale one is let go. */
  get store(): S | undefined {
    return this.#store;
  }
  /** The last copy's size and version: of the copy held, or of one let go or being read again. */
  get last(): { version: number; size: L } | undefined {
    return this.#last;
  }
  get loadMs(): number | null {
    return this.#loadMs;
  }

  /**
   * The copy, when it is of the mirror's current version and fits `args` (after waiting up to
   * LOAD_WAIT_MS for one being read); otherwise undefined (answer from SQL), and a new copy is
   * started once the mirror has settled, unless one is being read.
   */
  async current(handle: H, args: A): Promise<S | undefined> {
    if (this.#state === 'disabled') return undefined;
    const version = await readMirrorVersion(handle.read);
    const fresh = this.#freshAt(version, args);
    if (fresh) return fresh;
    if (this.#store) {
      // A copy is never answered from once the mirror has moved past it: its arrays are let go
      // now rather than held beside SQL's answers and the next copy's read.
      this.#store = undefined;
      if (this.#state === 'ready') this.#setState('stale');
    }
    // Not while a sync writes (mirror-settle.ts): SQL answers until the mirror is still.
    if (!this.#settle.settled(version, this.#last !== undefined)) return undefined;
    // A failed read leaves no copy (its status says so); SQL answers meanwhile.
    const loading = (this.#loading ??= this.#load(handle, args)
      .catch(() => undefined)
      .finally(() => {
        this.#loading = undefined;
      }));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      loading,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, LOAD_WAIT_MS);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
    return this.#freshAt(await readMirrorVersion(handle.read), args);
  }

  /** Reads a copy now and waits for it (tests, and a bench that measures the copy itself). */
  async load(handle: H, args: A): Promise<S | undefined> {
    await (this.#loading ?? this.#load(handle, args));
    return this.#store;
  }

  /** The copy held, when it is of this version and fits `args`. */
  #freshAt(version: number, args: A): S | undefined {
    const store = this.#store;
    return store && store.version === version && (this.kind.fits?.(store, args) ?? true)
      ? store
      : undefined;
  }

  async #load(handle: H, args: A): Promise<void> {
    if (this.#state === 'disabled') return;
    const { rows, bytes } = await this.kind.measure(handle);
    // A stale copy is not answered from: its arrays go before the next ones are filled.
    this.#store = undefined;
    if (bytes > this.capBytes) {
      // Dropped: a copy over the cap is not kept, and SQL answers.
      this.#setState('over_cap');
      return;
    }
    this.#setState('loading');
    const started = performance.now();
    try {
      const store = await this.kind.read(handle, args, rows);
      if (store) {
        this.#store = store;
        this.#last = { version: store.version, size: this.kind.size(store) };
        this.#loadMs = Math.round(performance.now() - started);
        this.#setState('ready');
      } else {
        this.#settle.discarded = true;
        this.#setState(this.#last ? 'stale' : 'empty');
      }
    } catch (error) {
      this.#setState(this.#last ? 'stale' : 'empty');
      throw error;
    }
  }

  #setState(state: CopyState): void {
    this.#state = state;
    this.onChange();
  }
}
