import { sql, type Kysely } from 'kysely';
import { dialectOf } from './frozen-helpers-v1.js';

// Frozen once merged.
// - incident_counts also holds its grains summed across services ('xall',
//   'xmonth', 'xday', service_id ''), kept by the same writes (incident-counts-repository.ts):
//   with 2,000 services and 400 days the per-service day grain held about as many rows as
//   there were incidents, so counts over time and date-filtered counts read a million rows.
//   Built here from the per-service grains already stored.
// - schedule_entries_end_idx: the inactive users' "no shift in the next 90 days" reads the
//   entries ending after now; with a year of rendered history kept, that was a scan of them all.

const ACROSS: [grain: string, from: string][] = [
  ['xall', 'all'],
  ['xmonth', 'month'],
  ['xday', 'day'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [grain, from] of ACROSS)
    await sql
      .raw(
        `INSERT INTO incident_counts (grain, bucket, service_id, status, urgency, n)
         SELECT '${grain}', c.bucket, '', c.status, c.urgency, SUM(c.n)
         FROM incident_counts c WHERE c.grain = '${from}'
         GROUP BY c.bucket, c.status, c.urgency`,
      )
      .execute(db);
  await db.schema
    .createIndex('schedule_entries_end_idx')
    .on('schedule_entries')
    .columns(['end', 'start', 'user_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  // Only MySQL names the table of an index it drops.
  const drop = db.schema.dropIndex('schedule_entries_end_idx');
  await (dialectOf(db) === 'mysql' ? drop.on('schedule_entries') : drop).execute();
  await sql
    .raw(`DELETE FROM incident_counts WHERE grain IN ('xall', 'xmonth', 'xday')`)
    .execute(db);
}
