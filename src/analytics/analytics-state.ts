import type { WorkerState } from '../db/read-pool.js';
import {
  createFactCache,
  FactCache,
  type FactCacheArgs,
  type FactStoreStatus,
} from './fact-store.js';
import { ResponderCache } from './responder-store.js';

// What the pinned read worker keeps between tasks: the copies the analytics answer from, the
// incident facts' (fact-store.ts) and the responders' (responder-store.ts). One object, since a
// worker keeps one state; /health goes on reporting the incident facts' copy.

/** The pinned worker's copies, handed to every task as handle.state. */
export class AnalyticsState {
  constructor(
    readonly facts: FactCache,
    readonly responders: ResponderCache,
  ) {}
}

/** Makes a worker's state (ReadWorkerData.state): each copy capped at args.capBytes. */
export function createAnalyticsState(
  args: FactCacheArgs,
  notify: (status: FactStoreStatus) => void,
): AnalyticsState {
  return new AnalyticsState(createFactCache(args, notify), new ResponderCache(args.capBytes));
}

/** The incident facts' copy of a task's state, whichever kind of state it is. */
export function factsOf(state: unknown): FactCache | undefined {
  if (state instanceof AnalyticsState) return state.facts;
  return state instanceof FactCache ? state : undefined;
}

/** The responders' copy of a task's state, when it keeps one. */
export function respondersOf(state: unknown): ResponderCache | undefined {
  return state instanceof AnalyticsState ? state.responders : undefined;
}

// This module, as the workers import it: TypeScript from src/ (through tsx), JavaScript from dist/.
const MODULE = new URL(
  import.meta.url.endsWith('.ts') ? './analytics-state.ts' : './analytics-state.js',
  import.meta.url,
).href;

/** The task workers' state that keeps the copies, each capped at `capMb` (0: none). */
export function analyticsState(capMb: number): WorkerState | undefined {
  return capMb > 0
    ? { module: MODULE, fn: 'createAnalyticsState', args: { capBytes: capMb * 2 ** 20 } }
    : undefined;
}
