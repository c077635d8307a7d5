import type { Insertable } from 'kysely';
import {
  replaceEscalationPolicyRelations,
  replaceEscalationRules,
} from '../db/repositories/escalation-policies-repository.js';
import { listServiceIds, replaceServiceTeams } from '../db/repositories/services-repository.js';
import { replaceListedRows } from '../db/repositories/table-writer.js';
import { listTeamMemberRoles, replaceTeamMembers } from '../db/repositories/teams-repository.js';
import { listIncidentIdsInterrupting } from '../mirror/facts-repository.js';
import {
  findMissingUserIds,
  insertMissingUsers,
  listUserTimeZones,
} from '../db/repositories/users-repository.js';
import { chunk } from '../db/sql-batches.js';
import type { Database, TeamMembersTable } from '../db/schema.js';
import type {
  PdEscalationPolicy,
  PdPriority,
  PdService,
  PdTeam,
  PdTeamMember,
  PdUser,
} from '../pagerduty/pagerduty-types.js';
import { listedRow, parsePdTime, refIds, ruleTargetRows } from './pd-mappers.js';
import { refreshIncidentFacts, writeMirror } from '../mirror/mirror-writer.js';
import {
  forEachConcurrent,
  rememberUserRefs,
  reportWritten,
  type SyncContext,
} from './sync-context.js';

// The small collections are re-listed in full on every run: that is how PagerDuty shows
// deletions (there is no updated_at and no deletion feed), and it keeps relations exact.

/**
 * Lists a collection that some plans lack (PagerDuty answers 402 or 404 for it): null then,
 * with the resource reported as 0 written, and the stored rows left as they are.
 */
async function listOptional<T>(
  ctx: SyncContext,
  resource: 'teams' | 'priorities',
): Promise<T[] | null> {
  const items = await ctx.client.listOptional<T>(`/${resource}`, resource, {}, ctx.signal);
  if (items === null) reportWritten(ctx, resource, 0);
  return items;
}

/** Users, with soft delete of those gone from /users. Returns the users listed, for team membership. */
export async function syncUsers(ctx: SyncContext): Promise<PdUser[]> {
  const users = await ctx.client.listAll<PdUser>('/users', 'users', {}, ctx.signal);
  const zonesBefore = await listUserTimeZones(
    ctx.db,
    users.map((u) => u.id),
  );
  await writeMirror(ctx.writer, ctx.now, async (trx) => {
    await replaceListedRows(
      trx,
      'users',
      users.map((u) =>
        listedRow(u, ctx.now, {
          email: u.email ?? null,
          role: u.role ?? null,
          time_zone: u.time_zone ?? null,
          job_title: u.job_title || null,
          invitation_sent: u.invitation_sent === true,
          html_url: u.html_url ?? null,
        }),
      ),
      ctx.now,
    );
  });
  // A user who moved zone: their interruptions fall in other hours now.
  const moved = users
    .filter((u) => u.time_zone && zonesBefore.has(u.id) && zonesBefore.get(u.id) !== u.time_zone)
    .map((u) => u.id);
  if (moved.length > 0) {
    const affected = await listIncidentIdsInterrupting(ctx.db, moved);
    for (const ids of chunk(affected, 500))
      await writeMirror(ctx.writer, ctx.now, (trx) =>
        refreshIncidentFacts(trx, ids, ctx.writer.analytics),
      );
  }
  reportWritten(ctx, 'users', users.length);
  return users;
}

/**
 * Teams and their members. Members come from /teams/{id}/members (with roles) in a full sync;
 * an incremental sync takes membership from the users' `teams[]` it just read and keeps the
 * roles already known, so it costs no request per team. A plan without teams (402/404) leaves
 * the stored teams as they are.
 */
export async function syncTeams(ctx: SyncContext, users: readonly PdUser[]): Promise<void> {
  const teams = await listOptional<PdTeam>(ctx, 'teams');
  if (teams === null) {
    ctx.logger.info('teams: not available on this account (plan without teams); skipped');
    return;
  }
  const members: Insertable<TeamMembersTable>[] = [];
  if (ctx.kind === 'full') {
    await forEachConcurrent(teams, 4, async (team) => {
      const list = await ctx.client.listAll<PdTeamMember>(
        `/teams/${encodeURIComponent(team.id)}/members`,
        'members',
        {},
        ctx.signal,
      );
      for (const m of list)
        if (m.user?.id)
          members.push({
            team_id: team.id,
            user_id: m.user.id,
            role: m.role ?? null,
            synced_at: ctx.now,
          });
      rememberUserRefs(
        ctx,
        list.map((m) => m.user),
      );
    });
  } else {
    const roles = await listTeamMemberRoles(ctx.db);
    const teamIds = new Set(teams.map((t) => t.id));
    for (const user of users) {
      for (const teamId of refIds(user.teams)) {
        if (teamIds.has(teamId))
          members.push({
            team_id: teamId,
            user_id: user.id,
            role: roles.get(`${teamId}:${user.id}`) ?? null,
            synced_at: ctx.now,
          });
      }
    }
  }
  await writeMirror(ctx.writer, ctx.now, async (trx) => {
    await replaceListedRows(
      trx,
      'teams',
      teams.map((t) =>
        listedRow(t, ctx.now, { description: t.description ?? null, html_url: t.html_url ?? null }),
      ),
      ctx.now,
    );
    await replaceTeamMembers(trx, members);
  });
  reportWritten(ctx, 'teams', teams.length);
}

/** Escalation policies with their ordered rules, rule targets, teams and services. */
export async function syncEscalationPolicies(ctx: SyncContext): Promise<void> {
  const policies = await ctx.client.listAll<PdEscalationPolicy>(
    '/escalation_policies',
    'escalation_policies',
    {},
    ctx.signal,
  );
  const ids = policies.map((p) => p.id);
  const rules = policies.flatMap((p) =>
    (p.escalation_rules ?? []).map((r, position) => ({
      id: r.id,
      escalation_policy_id: p.id,
      position,
      escalation_delay_in_minutes: r.escalation_delay_in_minutes ?? 0,
      synced_at: ctx.now,
    })),
  );
  const targets = policies.flatMap((p) =>
    (p.escalation_rules ?? []).flatMap((r) => ruleTargetRows(r.id, r.targets)),
  );
  for (const p of policies)
    for (const r of p.escalation_rules ?? [])
      rememberUserRefs(
        ctx,
        (r.targets ?? []).filter((t) => t?.type?.startsWith('user')),
      );

  await writeMirror(ctx.writer, ctx.now, async (trx) => {
    await replaceListedRows(
      trx,
      'escalation_policies',
      policies.map((p) =>
        listedRow(p, ctx.now, {
          description: p.description || null,
          num_loops: p.num_loops ?? 0,
          html_url: p.html_url ?? null,
        }),
      ),
      ctx.now,
    );
    await replaceEscalationRules(trx, rules, targets);
    await replaceEscalationPolicyRelations(trx, ids, {
      teams: policies.flatMap((p) =>
        refIds(p.teams).map((t) => ({ escalation_policy_id: p.id, team_id: t })),
      ),
      services: policies.flatMap((p) =>
        refIds(p.services).map((s) => ({ escalation_policy_id: p.id, service_id: s })),
      ),
    });
  });
  reportWritten(ctx, 'escalation_policies', policies.length);
}

/** Services with their escalation policy and teams. */
export async function syncServices(ctx: SyncContext): Promise<void> {
  const services = await ctx.client.listAll<PdService>('/services', 'services', {}, ctx.signal);
  await writeMirror(ctx.writer, ctx.now, async (trx) => {
    await replaceListedRows(
      trx,
      'services',
      services.map((s) =>
        listedRow(s, ctx.now, {
          description: s.description ?? null,
          status: s.status ?? null,
          created_at: parsePdTime(s.created_at),
          last_incident_timestamp: parsePdTime(s.last_incident_timestamp),
          escalation_policy_id: s.escalation_policy?.id ?? null,
          html_url: s.html_url ?? null,
        }),
      ),
      ctx.now,
    );
    // Every stored service's teams are replaced: a vanished service keeps none.
    const listed = new Map(services.map((s) => [s.id, refIds(s.teams)]));
    await replaceServiceTeams(
      trx,
      new Map((await listServiceIds(trx)).map((id) => [id, listed.get(id) ?? []])),
    );
  });
  reportWritten(ctx, 'services', services.length);
}

/** Priorities; a plan without them (402/404) is not an error. */
export async function syncPriorities(ctx: SyncContext): Promise<void> {
  const priorities = await listOptional<PdPriority>(ctx, 'priorities');
  if (priorities === null) return;
  await writeMirror(ctx.writer, ctx.now, async (trx) => {
    await replaceListedRows(
      trx,
      'priorities',
      priorities.map((p, i) =>
        listedRow(p, ctx.now, { description: p.description ?? null, position: p.order ?? i }),
      ),
      ctx.now,
    );
  });
  reportWritten(ctx, 'priorities', priorities.length);
}

/**
 * Users deleted from PagerDuty but still named by a schedule, a rule, a team or an on-call are
 * kept as users marked deleted, with the name from the reference. Existing rows are left as they are.
 */
export async function syncReferencedDeletedUsers(ctx: SyncContext): Promise<number> {
  const missing = await findMissingUserIds(ctx.db, [...ctx.userRefs.keys()]);
  const rows: Insertable<Database['users']>[] = missing.map((id) => {
    const ref = ctx.userRefs.get(id);
    return {
      id,
      name: ref?.summary ?? ref?.name ?? id,
      email: null,
      role: null,
      time_zone: null,
      job_title: null,
      invitation_sent: false,
      html_url: ref?.html_url ?? null,
      synced_at: ctx.now,
      deleted_at: parsePdTime(ref?.deleted_at) ?? ctx.now,
    };
  });
  await writeMirror(ctx.writer, ctx.now, (trx) => insertMissingUsers(trx, rows));
  return rows.length;
}
