// Batched idempotent upsert throughput per dialect: the floor under every sync. Inserts N
// incidents into an empty table, then upserts the same N again (all conflicts, all updates).
import { createDb } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { upsertIncidents } from '../src/db/repositories/incidents-repository.js';
import type { NewIncident } from '../src/db/schema.js';
import { createTestDatabase, dialectsUnderTest } from '../test/helpers/test-databases.js';
import { describeMachine } from './machine.js';

const ROWS = Number(process.env['BENCH_UPSERT_ROWS'] ?? 50_000);

function rows(n: number, at: Date): NewIncident[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `P${i.toString(36).toUpperCase().padStart(7, '0')}`,
    incident_number: i + 1,
    title: `Disk usage high on host-${i % 500}`,
    status: ['triggered', 'acknowledged', 'resolved'][i % 3] ?? 'resolved',
    urgency: i % 4 === 0 ? 'low' : 'high',
    priority_id: null,
    service_id: `PSVC${i % 2000}`,
    escalation_policy_id: `PEP${i % 300}`,
    created_at: new Date(Date.UTC(2025, 0, 1) + i * 60_000),
    updated_at: at,
    last_status_change_at: at,
    resolved_at: null,
    first_acknowledged_at: null,
    alert_count_all: 1,
    alert_count_triggered: 0,
    alert_count_resolved: 1,
    resolve_reason: null,
    incident_key: `key-${i}`,
    html_url: `https://acme.pagerduty.com/incidents/P${i}`,
    synced_at: at,
    deleted_at: null,
  }));
}

export async function upsertBenchmark(): Promise<void> {
  console.log(`machine: ${describeMachine()}`);
  console.log(
    `conditions: ${ROWS} incident rows of 21 columns, batches of ~380 rows, one transaction per pass`,
  );
  for (const { dialect, available, reason } of await dialectsUnderTest()) {
    if (!available) {
      console.log(`${dialect}: skipped (${reason})`);
      continue;
    }
    const testDb = await createTestDatabase(dialect);
    const handle = createDb(testDb.target);
    try {
      await migrateToLatest(handle.db);
      for (const pass of ['insert', 'update'] as const) {
        const data = rows(ROWS, new Date());
        const started = performance.now();
        await handle.db.transaction().execute((trx) => upsertIncidents(trx, data));
        const seconds = (performance.now() - started) / 1000;
        console.log(
          `${dialect.padEnd(8)} ${pass}: ${Math.round(ROWS / seconds).toLocaleString('en-US')} rows/s (${seconds.toFixed(2)} s)`,
        );
      }
    } finally {
      await handle.destroy();
      await testDb.drop();
    }
  }
}
