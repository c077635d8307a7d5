/** The resources a sync covers, in the order a full sync writes them. */
export const SYNC_RESOURCES = [
  'users',
  'teams',
  'escalation_policies',
  'schedules',
  'services',
  'priorities',
  'oncalls',
  'incidents',
  'log_entries',
] as const;
export type SyncResource = (typeof SYNC_RESOURCES)[number];

export type SyncKind = 'full' | 'incremental';

/** What observers of a run hear: the CLI draws progress bars, the API keeps the latest state. */
export type SyncEvent =
  /**
   * since: where the mirror's history starts (a full sync reads from there); note: what the run
   * does with it (a backfill, a first sync's estimate).
   */
  | { type: 'run-started'; runId: string; kind: SyncKind; since: string; note?: string }
  | { type: 'resource-started'; resource: SyncResource }
  | { type: 'resource-progress'; resource: SyncResource; written: number; total?: number }
  | { type: 'resource-finished'; resource: SyncResource; written: number }
  | { type: 'run-finished'; runId: string; status: 'succeeded' | 'failed'; error?: string };

export type SyncObserver = (event: SyncEvent) => void;

export interface ResourceProgress {
  state: 'pending' | 'running' | 'done';
  written: number;
  total?: number;
}

/** Folds events into the live progress of a run. */
export class ProgressTracker {
  readonly resources: Partial<Record<SyncResource, ResourceProgress>> = {};

  readonly observe: SyncObserver = (event) => {
    if (event.type === 'resource-started')
      this.resources[event.resource] = { state: 'running', written: 0 };
    if (event.type === 'resource-progress')
      this.resources[event.resource] = {
        state: 'running',
        written: event.written,
        ...(event.total === undefined ? {} : { total: event.total }),
      };
    if (event.type === 'resource-finished')
      this.resources[event.resource] = { state: 'done', written: event.written };
  };

  counts(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.resources).map(([k, v]) => [k, v.written]));
  }
}
