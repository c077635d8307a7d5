import type { Expression, Kysely, SqlBool } from 'kysely';
import type { Database } from '../db/schema.js';
import { filterWhere, type AnalyticsFilter, type FilterColumns } from './incident-filter.js';
import { clipSpans, type Span } from '../time/spans.js';

// Who was on call when, from the mirror's on-call history (/oncalls as every sync reads it, the
// past kept): per user, the spans of a range by kind, for the responder metrics and on-call pay.

/**
 * Where oncalls holds what a responder filter tests: a service is the escalation policy it uses
 * (on-call spans belong to no incident); the range is an overlap, tested by the query itself.
 */
const ONCALL_COLUMNS: FilterColumns = {
  user: 'user_id',
  team: { userId: 'user_id' },
  service: { escalationPolicyId: 'escalation_policy_id' },
};

/**
 * The span a rule's direct target is on call in [since, until): all of it, but only as far as
 * the mirror knows, from its history start to now (an ancient since or a far until would
 * otherwise make centuries of hours to split).
 */
export function permanentSpan(since: Date, until: Date, known: Date | undefined, now: Date): Span {
  return {
    start: Math.max(since.getTime(), known?.getTime() ?? since.getTime()),
    end: Math.min(until.getTime(), now.getTime()),
  };
}

/** Where interruptions (as i) hold what a responder filter tests; a team is its members. */
export const INTERRUPTION_COLUMNS: FilterColumns = {
  time: 'i.started_at',
  user: 'i.user_id',
  team: { userId: 'i.user_id' },
  service: { incidentId: 'i.incident_id' },
};

export interface UserSpans {
  all: Span[];
  /** Spans from schedules: what a rotation puts on this user. */
  scheduled: Span[];
  level1: Span[];
  level2: Span[];
  /** Policy and level of each rule that targets the user directly, once each. */
  direct: { policyId: string; level: number }[];
}

export const emptySpans = (): UserSpans => ({
  all: [],
  scheduled: [],
  level1: [],
  level2: [],
  direct: [],
});

/** Per user, the on-call spans in [since, until), clipped to it; permanent ones are all of it. */
export async function oncallSpans(
  db: Kysely<Database>,
  filter: Pick<AnalyticsFilter, 'teamId' | 'serviceId' | 'userId'>,
  since: Date,
  until: Date,
  permanent: Span,
): Promise<Map<string, UserSpans>> {
  const result = new Map<string, UserSpans>();
  const rows = await db
    .selectFrom('oncalls')
    .select(['user_id', 'escalation_policy_id', 'escalation_level', 'schedule_id', 'start', 'end'])
    .where((eb) => {
      const c: Expression<SqlBool>[] = [
        eb.or([eb('start', 'is', null), eb.and([eb('start', '<', until), eb('end', '>', since)])]),
      ];
      return eb.and([...c, ...filterWhere(eb, filter, ONCALL_COLUMNS)]);
    })
    .execute();
  const range = { start: since.getTime(), end: until.getTime() };
  for (const r of rows) {
    const span = r.start && r.end ? { start: toMs(r.start), end: toMs(r.end) } : { ...permanent };
    const [clipped] = clipSpans([span], range);
    if (!clipped) continue;
    let spans = result.get(r.user_id);
    if (!spans) {
      spans = emptySpans();
      result.set(r.user_id, spans);
    }
    spans.all.push(clipped);
    (Number(r.escalation_level) <= 1 ? spans.level1 : spans.level2).push(clipped);
    // A span without a schedule is a rule's direct target: PagerDuty's "always on call".
    if (r.schedule_id) spans.scheduled.push(clipped);
    else {
      const level = Number(r.escalation_level);
      if (!spans.direct.some((d) => d.policyId === r.escalation_policy_id && d.level === level))
        spans.direct.push({ policyId: r.escalation_policy_id, level });
    }
  }
  return result;
}

function toMs(value: Date | string): number {
  return value instanceof Date ? value.getTime() : Date.parse(value);
}

export async function usersOf(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Map<string, { name: string; time_zone: string | null; teamIds: string[] }>> {
  const result = new Map<string, { name: string; time_zone: string | null; teamIds: string[] }>();
  if (ids.length === 0) return result;
  const [users, teams] = await Promise.all([
    db.selectFrom('users').select(['id', 'name', 'time_zone']).execute(),
    db.selectFrom('team_members').select(['user_id', 'team_id']).orderBy('team_id').execute(),
  ]);
  const wanted = new Set(ids);
  for (const u of users)
    if (wanted.has(u.id)) result.set(u.id, { name: u.name, time_zone: u.time_zone, teamIds: [] });
  for (const t of teams) result.get(t.user_id)?.teamIds.push(t.team_id);
  return result;
}
