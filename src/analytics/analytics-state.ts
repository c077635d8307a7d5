import type { WorkerState } from '../db/read-pool.js';
import {
  createFactCache,
  FactCache,
  type FactCacheArgs,
  type FactStoreStatus,
} from './fact-store.js';
import { ResponderCache, type ResponderStoreStatus } from './responder-store.js';

// What the pinned read worker keeps between tasks: the copies the analytics answer from, the
// incident facts' (fact-store.ts) and the responders' (responder-store.ts). One object, since a
// worker keeps one state; /health reports the incident facts' copy, the responders' within it.

/** The pinned worker's copies, handed to every task as handle.state. */
export class AnalyticsState {
  constructor(
    readonly facts: FactCache,
    readonly responders: ResponderCache,
  ) {}
}

/** What the state tells of itself: the incident facts' copy, and the responders' within it. */
export type AnalyticsStateStatus = FactStoreStatus & { responders?: ResponderStoreStatus };

/** Makes a worker's state (ReadWorkerData.state): each copy capped at args.capBytes. */
export function createAnalyticsState(
  args: FactCacheArgs,
  notify: (status: AnalyticsStateStatus) => void,
): AnalyticsState {
  let facts: FactStoreStatus | undefined;
  let responders: ResponderStoreStatus | undefined;
  const tell = () => {
    if (facts) notify({ ...facts, ...(responders ? { responders } : {}) });
  };
  const factCache = createFactCache(args, (status) => {
    facts = status;
    tell();
  });
  facts = factCache.status();
  const responderCache = new ResponderCache(args.capBytes, (status) => {
    responders = status;
    tell();
  });
  return new AnalyticsState(factCache, responderCache);
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
