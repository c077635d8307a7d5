import { inTransaction } from '../db/transaction.js';
import type { Insertable } from 'kysely';
import {
  markUnseenDeleted,
  replaceOwnedRows,
  upsertRows,
  chunk,
} from '../db/repositories/table-writer.js';
import type { Database, TeamMembersTable } from '../db/schema.js';
import type {
  PdEscalationPolicy,
  PdPriority,
  PdService,
  PdTeam,
  PdTeamMember,
  PdUser,
} from '../pagerduty/pagerduty-types.js';
import { parsePdTime, refIds, ruleTargetRows } from './pd-mappers.js';
import {
  forEachConcurrent,
  rememberUserRefs,
  reportWritten,
  type SyncContext,
} from './sync-context.js';

// The small collections are re-listed in full on every run: that is how PagerDuty shows
// deletions (there is no updated_at and no deletion feed), and it keeps relations exact.

/** Users, with soft delete of those gone from /users. Returns the users listed, for team membership. */
export async function syncUsers(ctx: SyncContext): Promise<PdUser[]> {
  const users = await ctx.client.listAll<PdUser>('/users', 'users', {}, ctx.signal);
  await inTransaction(ctx.db, async (trx) => {
    await upsertRows(
      trx,
      'users',
      users.map((u) => ({
        id: u.id,
        name: u.name ?? u.summary ?? u.id,
        email: u.email ?? null,
        role: u.role ?? null,
        time_zone: u.time_zone ?? null,
        job_title: u.job_title || null,
        invitation_sent: u.invitation_sent === true,
        html_url: u.html_url ?? null,
        synced_at: ctx.now,
        deleted_at: null,
      })),
    );
    await markUnseenDeleted(trx, 'users', ctx.now, ctx.now);
  });
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
  const teams = await ctx.client.listOptional<PdTeam>('/teams', 'teams', {}, ctx.signal);
  if (teams === null) {
    ctx.logger.info('teams: not available on this account (plan without teams); skipped');
    reportWritten(ctx, 'teams', 0);
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
    const known = await ctx.db
      .selectFrom('team_members')
      .select(['team_id', 'user_id', 'role'])
      .execute();
    const roles = new Map(known.map((m) => [`${m.team_id}:${m.user_id}`, m.role]));
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
  await inTransaction(ctx.db, async (trx) => {
    await upsertRows(
      trx,
      'teams',
      teams.map((t) => ({
        id: t.id,
        name: t.name ?? t.summary ?? t.id,
        description: t.description ?? null,
        html_url: t.html_url ?? null,
        synced_at: ctx.now,
        deleted_at: null,
      })),
    );
    await markUnseenDeleted(trx, 'teams', ctx.now, ctx.now);
    // Membership is replaced as a whole: a member removed in PagerDuty is removed here.
    await trx.deleteFrom('team_members').execute();
    await upsertRows(trx, 'team_members', members);
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

  await inTransaction(ctx.db, async (trx) => {
    await upsertRows(
      trx,
      'escalation_policies',
      policies.map((p) => ({
        id: p.id,
        name: p.name ?? p.summary ?? p.id,
        description: p.description || null,
        num_loops: p.num_loops ?? 0,
        html_url: p.html_url ?? null,
        synced_at: ctx.now,
        deleted_at: null,
      })),
    );
    await markUnseenDeleted(trx, 'escalation_policies', ctx.now, ctx.now);
    // Rules and their targets are replaced per listed policy (rules of vanished policies too).
    const known = await trx.selectFrom('escalation_rules').select('id').execute();
    for (const part of chunk(
      known.map((r) => r.id),
      1000,
    ))
      await trx
        .deleteFrom('escalation_rule_targets')
        .where('escalation_rule_id', 'in', part)
        .execute();
    await trx.deleteFrom('escalation_rules').execute();
    await upsertRows(trx, 'escalation_rules', rules);
    await upsertRows(trx, 'escalation_rule_targets', targets);
    await replaceOwnedRows(
      trx,
      'escalation_policy_teams',
      'escalation_policy_id',
      ids,
      policies.flatMap((p) =>
        refIds(p.teams).map((t) => ({ escalation_policy_id: p.id, team_id: t })),
      ),
    );
    await replaceOwnedRows(
      trx,
      'escalation_policy_services',
      'escalation_policy_id',
      ids,
      policies.flatMap((p) =>
        refIds(p.services).map((s) => ({ escalation_policy_id: p.id, service_id: s })),
      ),
    );
  });
  reportWritten(ctx, 'escalation_policies', policies.length);
}

/** Services with their escalation policy and teams. */
export async function syncServices(ctx: SyncContext): Promise<void> {
  const services = await ctx.client.listAll<PdService>('/services', 'services', {}, ctx.signal);
  await inTransaction(ctx.db, async (trx) => {
    await upsertRows(
      trx,
      'services',
      services.map((s) => ({
        id: s.id,
        name: s.name ?? s.summary ?? s.id,
        description: s.description ?? null,
        status: s.status ?? null,
        created_at: parsePdTime(s.created_at),
        last_incident_timestamp: parsePdTime(s.last_incident_timestamp),
        escalation_policy_id: s.escalation_policy?.id ?? null,
        html_url: s.html_url ?? null,
        synced_at: ctx.now,
        deleted_at: null,
      })),
    );
    await markUnseenDeleted(trx, 'services', ctx.now, ctx.now);
    const all = await trx.selectFrom('services').select('id').execute();
    // Every stored service's teams are replaced: a vanished service keeps none.
    await replaceOwnedRows(
      trx,
      'service_teams',
      'service_id',
      all.map((s) => s.id),
      services.flatMap((s) => refIds(s.teams).map((t) => ({ service_id: s.id, team_id: t }))),
    );
  });
  reportWritten(ctx, 'services', services.length);
}

/** Priorities; a plan without them (402/404) is not an error. */
export async function syncPriorities(ctx: SyncContext): Promise<void> {
  const priorities = await ctx.client.listOptional<PdPriority>(
    '/priorities',
    'priorities',
    {},
    ctx.signal,
  );
  if (priorities === null) {
    reportWritten(ctx, 'priorities', 0);
    return;
  }
  await inTransaction(ctx.db, async (trx) => {
    await upsertRows(
      trx,
      'priorities',
      priorities.map((p, i) => ({
        id: p.id,
        name: p.name ?? p.summary ?? p.id,
        description: p.description ?? null,
        position: p.order ?? i,
        synced_at: ctx.now,
        deleted_at: null,
      })),
    );
    await markUnseenDeleted(trx, 'priorities', ctx.now, ctx.now);
  });
  reportWritten(ctx, 'priorities', priorities.length);
}

/**
 * Users deleted from PagerDuty but still named by a schedule, a rule, a team or an on-call are
 * kept as users marked deleted, with the name from the reference. Existing rows are left as they are.
 */
export async function syncReferencedDeletedUsers(ctx: SyncContext): Promise<number> {
  const ids = [...ctx.userRefs.keys()];
  const present = new Set<string>();
  for (const part of chunk(ids, 1000)) {
    for (const row of await ctx.db
      .selectFrom('users')
      .select('id')
      .where('id', 'in', part)
      .execute())
      present.add(row.id);
  }
  const missing = ids.filter((id) => !present.has(id));
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
  await upsertRows(ctx.db, 'users', rows, { keepExisting: true });
  return rows.length;
}
