// The DuckDB anchor of a team's on-call load (issue 27): GET /analytics/teams/:id/on-call-load
// answered in DuckDB's SQL from the responders' tables (duckdb-responders.ts) and the team's
// membership: each member's on-call unions (the responders' running maximum, over the members'
// spans only), their sleep-hour interruptions, the shares and the Gini coefficients (as
// on-call-load.ts defines it: mean absolute difference over twice the mean, from ranks), and the
// rules that target a member directly. No shared code: the load needs no hour split.
import type { DuckDBConnection } from '@duckdb/node-api';
import { RESPONDER_METRICS } from '../src/analytics/metric-catalog.js';
import type { Db } from '../src/db/connection.js';
import { tally } from './duckdb-anchor-lines.js';
import { onCallTotalsSql, spanWindow, spansCte, type SpanWindow } from './duckdb-responders.js';

/** What a team's load asks: the team, the range and the basis of the shares and Gini. */
export interface TeamLoadQuestion {
  teamId: string;
  since: number;
  until: number;
  basis: 'scheduled' | 'all';
}

/** The question of a team-load URL, or undefined when the anchor does not answer it. */
export function teamLoadQuestion(url: string): TeamLoadQuestion | undefined {
  const parsed = new URL(url, 'http://anchor.invalid');
  // The route's id pattern: what is inlined into the SQL below can hold no quote.
  const team = /^\/analytics\/teams\/([A-Za-z0-9_-]{1,64})\/on-call-load$/.exec(parsed.pathname);
  const params = parsed.searchParams;
  if (!team?.[1] || [...params.keys()].some((k) => !['since', 'until', 'basis'].includes(k)))
    return undefined;
  const since = params.get('since');
  const until = params.get('until');
  const basis = params.get('basis') ?? 'scheduled';
  if (!since || !until || (basis !== 'scheduled' && basis !== 'all')) return undefined;
  return { teamId: team[1], since: Date.parse(since), until: Date.parse(until), basis };
}

/** Copies teams, team_members and escalation_policies (ids and names) into `duck`. */
export async function copyTeamsToDuckDB(
  handle: Pick<Db, 'read'>,
  duck: DuckDBConnection,
): Promise<{ members: number }> {
  await duck.run('create table teams (id varchar, name varchar)');
  await duck.run('create table team_members (team_id varchar, user_id varchar)');
  await duck.run('create table escalation_policies (id varchar, name varchar)');
  // A few thousand rows at most: read whole.
  const [teams, members, policies] = await Promise.all([
    handle.read.selectFrom('teams').select(['id', 'name']).execute(),
    handle.read.selectFrom('team_members').select(['team_id', 'user_id']).execute(),
    handle.read.selectFrom('escalation_policies').select(['id', 'name']).execute(),
  ]);
  const tables: [string, (string | null)[][]][] = [
    ['teams', teams.map((r) => [r.id, r.name])],
    ['team_members', members.map((r) => [r.team_id, r.user_id])],
    ['escalation_policies', policies.map((r) => [r.id, r.name])],
  ];
  for (const [table, rows] of tables) {
    const appender = await duck.createAppender(table);
    for (const row of rows) {
      for (const value of row)
        if (value === null) appender.appendNull();
        else appender.appendVarchar(value);
      appender.endRow();
    }
    appender.closeSync();
  }
  return { members: members.length };
}

/** The digits the catalog rounds a responder metric to (the load's seconds are those values). */
function digitsOf(name: string): number {
  const digits = RESPONDER_METRICS.find((m) => m.name === name)?.digits;
  if (digits === undefined) throw new Error(`${name}: the catalog rounds it to no digits`);
  return digits;
}

/** The condition on a row's user_id that it is a member of the team. */
function memberOf(teamId: string): string {
  return `user_id in (select user_id from team_members where team_id = '${teamId}')`;
}

/**
 * The SQL of the members' rows in the answer's order: their seconds (rounded as the catalog
 * rounds them, before shares and Gini, as the project takes them), sleep-hour interruptions of
 * incidents created in the range, shares and, on every row, the team's two Gini coefficients:
 * Σ (2i − n − 1)·vᵢ / (n·Σ v) over the values ranked ascending (ties rank either way: equal
 * values weigh the same).
 */
function membersSql(q: TeamLoadQuestion, window: SpanWindow): string {
  const { teamId, since, until } = q;
  const isMember = memberOf(teamId);
  const basis = q.basis === 'all' ? 'total_seconds_on_call' : 'total_seconds_on_call_scheduled';
  const digits = digitsOf('total_seconds_on_call');
  const scheduledDigits = digitsOf('total_seconds_on_call_scheduled');
  const share = (v: string) => `round(${v} / nullif(sum(${v}) over (), 0), 4)`;
  const gini = (v: string, rank: string) =>
    `round(sum((2 * ${rank} - n - 1) * ${v}) over () / nullif(n * sum(${v}) over (), 0), 4)`;
  return `with members as (
      select m.user_id, coalesce(u.name, m.user_id) as responder_name
      from team_members m left join users u on u.id = m.user_id
      where m.team_id = '${teamId}'
    ),
    totals as (${onCallTotalsSql(window)}),
    sleeps as (
      select user_id, sum(sleep_hour_interruptions) as n from incident_responders
      where incident_created_at >= epoch_ms(${since}) and incident_created_at < epoch_ms(${until})
        and ${isMember}
      group by user_id
    ),
    loads as (
      select m.user_id as responder_id, m.responder_name,
        round(coalesce(max(t.ms) filter (where t.kind = 'all'), 0) / 1000, ${digits}) as total_seconds_on_call,
        round(coalesce(max(t.ms) filter (where t.kind = 'scheduled'), 0) / 1000, ${scheduledDigits}) as total_seconds_on_call_scheduled,
        coalesce(max(s.n), 0) as total_sleep_hour_interruptions
      from members m
        left join totals t on t.user_id = m.user_id
        left join sleeps s on s.user_id = m.user_id
      group by m.user_id, m.responder_name
    ),
    ranked as (
      select *, ${basis} as basis_seconds,
        row_number() over (order by ${basis}) as seconds_rank,
        row_number() over (order by total_sleep_hour_interruptions) as sleep_rank,
        count(*) over () as n
      from loads
    )
    select responder_id, responder_name, total_seconds_on_call, total_seconds_on_call_scheduled,
      ${share('basis_seconds')} as on_call_share,
      total_sleep_hour_interruptions,
      ${share('total_sleep_hour_interruptions')} as sleep_hour_interruption_share,
      ${gini('basis_seconds', 'seconds_rank')} as gini_seconds_on_call,
      ${gini('total_sleep_hour_interruptions', 'sleep_rank')} as gini_sleep_hour_interruptions
    from ranked
    order by basis_seconds desc, responder_id`;
}

/** The SQL of the rules that target a member directly (a span without a schedule), once each. */
function directSql(window: SpanWindow): string {
  return `with ${spansCte(window)}
    select distinct s.user_id as responder_id, coalesce(u.name, s.user_id) as responder_name,
      s.escalation_policy_id, p.name as escalation_policy_name, s.escalation_level
    from spans s
      left join users u on u.id = s.user_id
      left join escalation_policies p on p.id = s.escalation_policy_id
    where not s.scheduled`;
}

type Row = Record<string, unknown>;

/** DuckDB's answer of a team's load, with the fields the project's answer has. */
export async function duckdbTeamLoad(
  duck: DuckDBConnection,
  q: TeamLoadQuestion,
  context: { known: Date | undefined; now: number },
): Promise<Row> {
  const window = { ...spanWindow(q, context.known, context.now), only: memberOf(q.teamId) };
  const team = (
    await duck.runAndReadAll(`select id, name from teams where id = '${q.teamId}'`)
  ).getRowObjectsJS()[0];
  const members = (await duck.runAndReadAll(membersSql(q, window))).getRowObjectsJS();
  const direct = (await duck.runAndReadAll(directSql(window))).getRowObjectsJS();
  const first = members[0];
  return {
    team_id: team?.['id'],
    team_name: team?.['name'],
    since: new Date(q.since).toISOString(),
    until: new Date(q.until).toISOString(),
    basis: q.basis,
    members: members.map((m) => {
      const { gini_seconds_on_call: _s, gini_sleep_hour_interruptions: _z, ...row } = m;
      return row;
    }),
    direct_targets: direct,
    gini_seconds_on_call: first ? first['gini_seconds_on_call'] : null,
    gini_sleep_hour_interruptions: first ? first['gini_sleep_hour_interruptions'] : null,
  };
}

const TOP_FIELDS = [
  'team_id',
  'team_name',
  'since',
  'until',
  'basis',
  'gini_seconds_on_call',
  'gini_sleep_hour_interruptions',
] as const;
const MEMBER_FIELDS = [
  'responder_name',
  'total_seconds_on_call',
  'total_seconds_on_call_scheduled',
  'on_call_share',
  'total_sleep_hour_interruptions',
  'sleep_hour_interruption_share',
  'position',
];
const DIRECT_FIELDS = ['responder_name', 'escalation_policy_name'];

/**
 * The project's answer against DuckDB's: every top-level field; every member's fields and place
 * in the list, by responder; every direct target's names, by member, policy and level. The
 * order of direct targets within a member is not compared: the project orders them by policy
 * name with localeCompare (ICU collation), which DuckDB has no collation for here.
 */
export function compareTeamLoad(project: Row, duck: Row) {
  const members = (answer: Row) => (answer['members'] ?? []) as Row[];
  const direct = (answer: Row) => (answer['direct_targets'] ?? []) as Row[];
  const { result, check, checkRows } = tally(members(project).length);
  for (const field of TOP_FIELDS) check(field, project[field], duck[field]);
  const member = (r: Row) => `members ${String(r['responder_id'])}`;
  checkRows(members(project), members(duck), member, MEMBER_FIELDS);
  const target = (r: Row) =>
    `direct_targets ${String(r['responder_id'])} ${String(r['escalation_policy_id'])} level ${String(r['escalation_level'])}`;
  checkRows(direct(project), direct(duck), target, DIRECT_FIELDS);
  return result;
}
