// When a copy of the mirror (the incident facts', fact-store.ts; the responders',
// responder-store.ts) may be read again after the mirror moved. While a sync writes, the version
// moves with every page: a copy read then would be thrown away at its end, and reading it again
// and again took the CPU the answers need. A copy is read once the mirror has been still for
// SETTLE_MS (at once when there has been none yet and no read has failed), and SQL answers
// until then.

/** How long the mirror's version must stay still before a stale copy is read again. */
export const SETTLE_MS = 2000;

/** One copy's watch on the mirror's version. */
export class MirrorSettle {
  /** The version last seen, and since when (Date.now()). */
  #seenVersion = -1;
  #seenAt = 0;
  /** Whether a read was thrown away because the mirror moved during it. */
  discarded = false;

  /** Notes the version read with a request; whether a copy may be read now (`hadCopy`: one was). */
  settled(version: number, hadCopy: boolean, now = Date.now()): boolean {
    if (version !== this.#seenVersion) {
      this.#seenVersion = version;
      this.#seenAt = now;
    }
    return now - this.#seenAt >= SETTLE_MS || (!hadCopy && !this.discarded);
  }
}
