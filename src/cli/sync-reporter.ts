import cliProgress from 'cli-progress';
import type { SyncEvent, SyncObserver } from '../sync/index.js';

/**
 * Shows a sync's progress: a bar per resource on a terminal, one plain line per resource
 * otherwise (CI logs, pipes). Returns the observer and a stop function.
 */
export function createSyncReporter(
  stream: NodeJS.WriteStream,
  writeLine: (line: string) => void,
): { observe: SyncObserver; stop: () => void } {
  if (!stream.isTTY) {
    return {
      observe: (event: SyncEvent) => {
        if (event.type === 'run-started')
          writeLine(
            `sync ${event.runId} (${event.kind}) started; ${event.note ?? `history from ${event.since}`}`,
          );
        if (event.type === 'resource-finished')
          writeLine(`  ${event.resource}: ${event.written.toLocaleString('en-US')}`);
      },
      stop: () => undefined,
    };
  }
  const bars = new cliProgress.MultiBar(
    {
      format: '  {resource} {bar} {value}{totalText}',
      hideCursor: true,
      clearOnComplete: false,
      stream,
      barsize: 24,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  const byResource = new Map<string, cliProgress.SingleBar>();
  const bar = (resource: string) => {
    let b = byResource.get(resource);
    if (!b) {
      b = bars.create(1, 0, { resource: resource.padEnd(20), totalText: '' });
      byResource.set(resource, b);
    }
    return b;
  };
  return {
    observe: (event: SyncEvent) => {
      // Said before the first bar is drawn, so that it stays above them.
      if (event.type === 'run-started')
        writeLine(`sync (${event.kind}): ${event.note ?? `history from ${event.since}`}`);
      if (event.type === 'resource-started') bar(event.resource);
      if (event.type === 'resource-progress') {
        const b = bar(event.resource);
        const total = event.total ?? Math.max(event.written, 1);
        b.setTotal(total);
        b.update(event.written, {
          totalText: event.total === undefined ? '' : ` / ${event.total}`,
        });
      }
      if (event.type === 'resource-finished') {
        const b = bar(event.resource);
        b.setTotal(Math.max(event.written, 1));
        b.update(event.written, { totalText: ' done' });
      }
    },
    stop: () => bars.stop(),
  };
}
