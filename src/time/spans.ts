// Time spans [start, end) in epoch milliseconds, and the set arithmetic on-call time needs:
// someone on two policies at once, or on a layer and an override, is on call once.

export interface Span {
  start: number;
  end: number;
}

/** The union of spans as disjoint spans in time order (touching spans merge). */
export function unionSpans(spans: readonly Span[]): Span[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out.at(-1);
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ start: s.start, end: s.end });
  }
  return out;
}

/** The parts of spans inside `range`; spans outside it are dropped. */
export function clipSpans(spans: readonly Span[], range: Span): Span[] {
  return spans.flatMap((s) => {
    const start = Math.max(s.start, range.start);
    const end = Math.min(s.end, range.end);
    return end > start ? [{ start, end }] : [];
  });
}

/** The summed length of spans, in milliseconds (of disjoint spans: the time they cover). */
export function totalLength(spans: readonly Span[]): number {
  return spans.reduce((sum, s) => sum + (s.end - s.start), 0);
}
