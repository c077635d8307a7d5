import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../../src/db/connection.js';
import { toBoolean, toIsoTimestamp } from '../../src/db/stored-values.js';
import {
  currentSchemaVersion,
  LATEST_SCHEMA_VERSION,
  migrateToLatest,
} from '../../src/db/migrator.js';
import type { Kysely } from 'kysely';
import {
  replaceServiceTeams,
  upsertServices,
} from '../../src/db/repositories/services-repository.js';
import { upsertTeams } from '../../src/db/repositories/teams-repository.js';
import { upsertUsers } from '../../src/db/repositories/users-repository.js';
import { upsertIncidents } from '../../src/db/repositories/incidents-repository.js';
import {
  INCIDENT_REPORT_COLUMNS,
  INCIDENT_REPORT_KEYS,
  incidentReportPage,
} from '../../src/analytics/incidents-analytics.js';
import { markDeleted, markUnseenDeleted } from '../../src/db/repositories/table-writer.js';
import type { Database, NewIncident, NewService } from '../../src/db/schema.js';
import {
  createTestDatabase,
  dialectsUnderTest,
  type TestDatabase,
} from '../helpers/test-databases.js';

const CSV_FORMAT = new URL('../../src/reports/csv-format.ts', import.meta.url).href;

// What the tests read back, read directly: the repositories are the sync's writers.
const findService = (db: Kysely<Database>, id: string) =>
  db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirst();
const listServices = (db: Kysely<Database>) =>
  db
    .selectFrom('services')
    .selectAll()
    .where('deleted_at', 'is', null)
    .orderBy('name')
    .orderBy('id')
    .execute();
const listServiceTeamIds = async (db: Kysely<Database>, serviceId: string) =>
  (
    await db
      .selectFrom('service_teams')
      .select('team_id')
      .where('service_id', '=', serviceId)
      .orderBy('team_id')
      .execute()
  ).map((r) => r.team_id);
const listTeams = (db: Kysely<Database>) =>
  db
    .selectFrom('teams')
    .selectAll()
    .where('deleted_at', 'is', null)
    .orderBy('name')
    .orderBy('id')
    .execute();
const findUser = (db: Kysely<Database>, id: string) =>
  db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
const findIncident = (db: Kysely<Database>, id: string) =>
  db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
const countIncidents = async (db: Kysely<Database>) =>
  Number(
    (
      await db
        .selectFrom('incidents')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('deleted_at', 'is', null)
        .executeTakeFirstOrThrow()
    ).n,
  );

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-02T00:00:00.000Z');

function service(id: string, name: string, syncedAt: Date): NewService {
  return {
    id,
    name,
    description: null,
    status: 'active',
    created_at: new Date('2025-06-01T08:30:00.123Z'),
    last_incident_timestamp: null,
    escalation_policy_id: 'PEP1',
    html_url: `https://acme.pagerduty.com/services/${id}`,
    synced_at: syncedAt,
    deleted_at: null,
  };
}

function incident(n: number, status: string): NewIncident {
  return {
    id: `PINC${n}`,
    incident_number: n,
    title: `Incident ${n} — ünïcödé 🚨`,
    status,
    urgency: 'high',
    priority_id: null,
    service_id: 'PSVC1',
    escalation_policy_id: 'PEP1',
    created_at: new Date(Date.UTC(2026, 0, 1, 0, n)),
    updated_at: null,
    last_status_change_at: null,
    resolved_at: null,
    first_acknowledged_at: null,
    alert_count_all: 1,
    alert_count_triggered: 0,
    alert_count_resolved: 1,
    resolve_reason: null,
    incident_key: null,
    html_url: null,
    synced_at: T0,
    deleted_at: null,
  };
}

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`repositories on ${dialect}`, () => {
    let testDb: TestDatabase;
    let handle: Db;

    beforeAll(async () => {
      testDb = await createTestDatabase(dialect);
      handle = createDb(testDb.target);
    });
    afterAll(async () => {
      await handle?.destroy();
      await testDb?.drop();
    });

    it('migrates an empty database to the latest schema, and again without change', async () => {
      expect(await currentSchemaVersion(handle.db)).toBeNull();
      expect((await migrateToLatest(handle.db)).at(-1)).toBe(LATEST_SCHEMA_VERSION);
      expect(await migrateToLatest(handle.db)).toEqual([]);
      expect(await currentSchemaVersion(handle.db)).toBe(LATEST_SCHEMA_VERSION);
    });

    it('upserts twice without duplicates and keeps the newer values', async () => {
      await upsertServices(handle.db, [
        service('PSVC1', 'Checkout', T0),
        service('PSVC2', 'Search', T0),
      ]);
      await upsertServices(handle.db, [
        service('PSVC1', 'Checkout API', T1),
        service('PSVC2', 'Search', T1),
      ]);
      const services = await listServices(handle.db);
      expect(services.map((s) => [s.id, s.name])).toEqual([
        ['PSVC1', 'Checkout API'],
        ['PSVC2', 'Search'],
      ]);
      const one = await findService(handle.db, 'PSVC1');
      expect(toIsoTimestamp(one?.created_at)).toBe('2025-06-01T08:30:00.123Z');
      expect(toIsoTimestamp(one?.synced_at)).toBe(T1.toISOString());
    });

    it('writes large batches in chunks and stores text exactly', async () => {
      const many = Array.from({ length: 2500 }, (_, i) =>
        incident(i + 1, i % 3 === 0 ? 'resolved' : 'triggered'),
      );
      expect(await upsertIncidents(handle.db, many)).toHaveLength(2500);
      expect(await upsertIncidents(handle.db, many)).toHaveLength(2500);
      expect(await countIncidents(handle.db)).toBe(2500);
      const found = await findIncident(handle.db, 'PINC7');
      expect(found?.title).toBe('Incident 7 — ünïcödé 🚨');
      expect(Number(found?.incident_number)).toBe(7);
      expect(toIsoTimestamp(found?.created_at)).toBe('2026-01-01T00:07:00.000Z');
    });

    it('pages the incident report by (created_at, id), ties included, each row once', async () => {
      // Ten more incidents created at the same instant as PINC7: a page may end inside a tie.
      await upsertIncidents(
        handle.db,
        Array.from({ length: 10 }, (_, i) => ({
          ...incident(7, 'triggered'),
          id: `PTIE${i}`,
          incident_number: 9000 + i,
        })),
      );
      const kinds = INCIDENT_REPORT_COLUMNS.map(() => 'text' as const);
      const read = async (size: number) => {
        const lines: string[] = [];
        let after: readonly unknown[] | null = null;
        for (;;) {
          const page: { value: string; count: number; last: unknown[] | null } =
            await handle.readPage<string>(
              incidentReportPage(handle.read, {}, after, size),
              INCIDENT_REPORT_KEYS,
              { module: CSV_FORMAT, fn: 'formatCsvRows', args: kinds },
            );
          lines.push(...page.value.split('\n').filter(Boolean));
          if (page.count < size || !page.last) return lines;
          after = page.last;
        }
      };
      const whole = await read(100_000);
      expect(whole).toHaveLength(2510);
      const ids = whole.map((line) => line.split(',')[0]);
      expect(new Set(ids).size).toBe(2510);
      expect(ids.slice(6, 18)).toEqual([
        'PINC7',
        ...Array.from({ length: 10 }, (_, i) => `PTIE${i}`),
        'PINC8',
      ]);
      expect(await read(7)).toEqual(whole);
      expect(await read(300)).toEqual(whole);
      await handle.db.deleteFrom('incidents').where('id', 'like', 'PTIE%').execute();
    });

    it('stores booleans and reads them back on every dialect', async () => {
      await upsertUsers(handle.db, [
        {
          id: 'PUSR1',
          name: 'Ada',
          email: 'ada@example.com',
          role: 'user',
          time_zone: 'Europe/London',
          job_title: null,
          invitation_sent: true,
          html_url: null,
          synced_at: T0,
          deleted_at: null,
        },
      ]);
      expect(toBoolean((await findUser(handle.db, 'PUSR1'))?.invitation_sent)).toBe(true);
    });

    it('replaces relation sets exactly, emptied lists included', async () => {
      await upsertTeams(handle.db, [
        {
          id: 'PT1',
          name: 'Payments',
          description: null,
          html_url: null,
          synced_at: T0,
          deleted_at: null,
        },
        {
          id: 'PT2',
          name: 'Search',
          description: null,
          html_url: null,
          synced_at: T0,
          deleted_at: null,
        },
      ]);
      await replaceServiceTeams(
        handle.db,
        new Map([
          ['PSVC1', ['PT1', 'PT2']],
          ['PSVC2', ['PT2']],
        ]),
      );
      expect(await listServiceTeamIds(handle.db, 'PSVC1')).toEqual(['PT1', 'PT2']);
      await replaceServiceTeams(handle.db, new Map([['PSVC1', ['PT2']]]));
      expect(await listServiceTeamIds(handle.db, 'PSVC1')).toEqual(['PT2']);
      expect(await listServiceTeamIds(handle.db, 'PSVC2')).toEqual(['PT2']);
      await replaceServiceTeams(handle.db, new Map([['PSVC2', []]]));
      expect(await listServiceTeamIds(handle.db, 'PSVC2')).toEqual([]);
      expect(await listServiceTeamIds(handle.db, 'PSVC1')).toEqual(['PT2']);
    });

    it('soft-deletes what a full listing no longer returns, and revives what returns', async () => {
      const listing = new Date('2026-01-03T00:00:00.000Z');
      await upsertServices(handle.db, [service('PSVC1', 'Checkout API', listing)]);
      expect(await markUnseenDeleted(handle.db, 'services', listing, listing)).toBe(1);
      expect((await listServices(handle.db)).map((s) => s.id)).toEqual(['PSVC1']);
      expect(toIsoTimestamp((await findService(handle.db, 'PSVC2'))?.deleted_at)).toBe(
        listing.toISOString(),
      );

      await upsertServices(handle.db, [
        service('PSVC2', 'Search', new Date('2026-01-04T00:00:00.000Z')),
      ]);
      expect((await listServices(handle.db)).map((s) => s.id)).toEqual(['PSVC1', 'PSVC2']);
      expect(await markDeleted(handle.db, 'teams', ['PT1'], listing)).toBe(1);
      expect((await listTeams(handle.db)).map((t) => t.id)).toEqual(['PT2']);
    });

    it('finds the data again after reopening the database', async () => {
      await handle.destroy();
      handle = createDb(testDb.target);
      expect(await currentSchemaVersion(handle.db)).toBe(LATEST_SCHEMA_VERSION);
      expect(await countIncidents(handle.db)).toBe(2500);
      expect((await findService(handle.db, 'PSVC1'))?.name).toBe('Checkout API');
    });
  });
}
