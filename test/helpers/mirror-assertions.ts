import { expect } from 'vitest';
import type { Db } from '../../src/db/connection.js';
import { toIsoTimestamp } from '../../src/db/stored-values.js';
import type { AccountTruth } from '../../src/simulator/account-truth.js';

const byKey = (a: string, b: string) => a.localeCompare(b);

/** Asserts that the mirror holds exactly the account's truth: counts, relations and statuses. */
export async function expectMirrorEqualsTruth(
  handle: Db,
  truth: AccountTruth,
  options: { perIncident?: boolean } = {},
): Promise<void> {
  const db = handle.db;
  const services = await db
    .selectFrom('services')
    .select(['id', 'name', 'escalation_policy_id'])
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute();
  expect(services.map((s) => [s.id, s.name, s.escalation_policy_id])).toEqual(
    truth.services.map((s) => [s.id, s.name, s.policyId]),
  );
  const serviceTeams = await db
    .selectFrom('service_teams')
    .select(['service_id', 'team_id'])
    .execute();
  expect(serviceTeams.map((r) => `${r.service_id}:${r.team_id}`).sort(byKey)).toEqual(
    truth.services.flatMap((s) => s.teamIds.map((t) => `${s.id}:${t}`)).sort(byKey),
  );

  const teams = await db
    .selectFrom('teams')
    .select(['id', 'name'])
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute();
  expect(teams).toEqual(truth.teams);
  const members = await db.selectFrom('team_members').select(['team_id', 'user_id']).execute();
  expect(members.map((m) => `${m.team_id}:${m.user_id}`).sort(byKey)).toEqual(
    truth.teamMembers.map(([t, u]) => `${t}:${u}`).sort(byKey),
  );

  const users = await db
    .selectFrom('users')
    .select(['id', 'deleted_at', 'invitation_sent'])
    .orderBy('id')
    .execute();
  expect(users.filter((u) => u.deleted_at === null).map((u) => u.id)).toEqual(truth.liveUserIds);
  const deleted = new Set(users.filter((u) => u.deleted_at !== null).map((u) => u.id));
  for (const id of truth.deletedReferencedUserIds)
    expect(deleted.has(id), `deleted user ${id} kept`).toBe(true);
  expect(
    users.filter((u) => u.deleted_at === null && Boolean(u.invitation_sent)).map((u) => u.id),
  ).toEqual(truth.invitedUserIds);

  const policies = await db
    .selectFrom('escalation_policies')
    .select('id')
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute();
  expect(policies.map((p) => p.id)).toEqual(truth.policies.map((p) => p.id));
  const rules = await db.selectFrom('escalation_rules').select(['escalation_policy_id']).execute();
  const targets = await db
    .selectFrom('escalation_rule_targets')
    .innerJoin(
      'escalation_rules',
      'escalation_rules.id',
      'escalation_rule_targets.escalation_rule_id',
    )
    .select('escalation_rules.escalation_policy_id')
    .execute();
  const policyTeams = await db
    .selectFrom('escalation_policy_teams')
    .select(['escalation_policy_id', 'team_id'])
    .execute();
  const policyServices = await db
    .selectFrom('escalation_policy_services')
    .select(['escalation_policy_id', 'service_id'])
    .execute();
  for (const p of truth.policies) {
    expect(rules.filter((r) => r.escalation_policy_id === p.id).length, `rules of ${p.id}`).toBe(
      p.ruleCount,
    );
    expect(
      targets.filter((r) => r.escalation_policy_id === p.id).length,
      `targets of ${p.id}`,
    ).toBe(p.targetCount);
    expect(
      policyTeams
        .filter((r) => r.escalation_policy_id === p.id)
        .map((r) => r.team_id)
        .sort(byKey),
    ).toEqual(p.teamIds);
    expect(
      policyServices
        .filter((r) => r.escalation_policy_id === p.id)
        .map((r) => r.service_id)
        .sort(byKey),
    ).toEqual(p.serviceIds);
  }

  const layers = await db.selectFrom('schedule_layers').select('schedule_id').execute();
  const scheduleUsers = await db
    .selectFrom('schedule_users')
    .select(['schedule_id', 'user_id'])
    .execute();
  for (const s of truth.schedules) {
    expect(layers.filter((l) => l.schedule_id === s.id).length, `layers of ${s.id}`).toBe(
      s.layerCount,
    );
    expect(
      scheduleUsers
        .filter((u) => u.schedule_id === s.id)
        .map((u) => u.user_id)
        .sort(byKey),
    ).toEqual(s.userIds);
  }
  const entries = await db
    .selectFrom('schedule_entries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  expect(Number(entries.n)).toBeGreaterThan(0);
  const priorities = await db
    .selectFrom('priorities')
    .select('id')
    .where('deleted_at', 'is', null)
    .orderBy('id')
    .execute();
  expect(priorities.map((p) => p.id)).toEqual(truth.priorityIds);

  const incidentCount = await db
    .selectFrom('incidents')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  expect(Number(incidentCount.n)).toBe(truth.incidentCount);
  const grouped = await db
    .selectFrom('incidents')
    .select(['service_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['service_id', 'status'])
    .execute();
  const actual = new Map<string, Record<string, number>>();
  for (const g of grouped) {
    const row = actual.get(g.service_id ?? '') ?? { triggered: 0, acknowledged: 0, resolved: 0 };
    row[g.status] = Number(g.n);
    actual.set(g.service_id ?? '', row);
  }
  expect(Object.fromEntries([...actual].sort(([a], [b]) => a.localeCompare(b)))).toEqual(
    Object.fromEntries([...truth.incidentsByServiceStatus].sort(([a], [b]) => a.localeCompare(b))),
  );
  const logEntries = await db
    .selectFrom('log_entries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  expect(Number(logEntries.n)).toBe(truth.logEntryCount);

  if (options.perIncident ?? true) {
    const rows = await db
      .selectFrom('incidents')
      .select(['id', 'status', 'first_acknowledged_at', 'resolved_at'])
      .execute();
    const wrong: string[] = [];
    for (const r of rows) {
      const ack = truth.firstAcknowledgedAt.get(r.id);
      const resolved = truth.resolvedAt.get(r.id);
      if (r.status !== truth.statusById.get(r.id)) wrong.push(`${r.id} status ${r.status}`);
      if (
        toIsoTimestamp(r.first_acknowledged_at) !==
        (ack === undefined ? null : new Date(ack).toISOString())
      )
        wrong.push(`${r.id} first ack ${toIsoTimestamp(r.first_acknowledged_at)} != ${ack}`);
      if (
        toIsoTimestamp(r.resolved_at) !==
        (resolved === undefined ? null : new Date(resolved).toISOString())
      )
        wrong.push(`${r.id} resolved ${toIsoTimestamp(r.resolved_at)} != ${resolved}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  }
}
