import { sql, type Kysely } from 'kysely';
import type { AnalyticsConfig } from '../config.js';
import { historyStart } from '../mirror/history.js';
import type { Database } from '../db/schema.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { HourClassSplitter, emptyHourClassSeconds } from '../time/hour-class-split.js';
import { isTimeZone } from '../time/zones.js';
import { filterWhere, type AnalyticsFilter, type FilterColumns } from './incident-filter.js';
import { secondsBetween } from './sql-time.js';
import {
  NO_RESPONDER_FACTS,
  RESPONDER_METRICS,
  responderMetricValues,
  type ResponderFacts,
  type ResponderMetric,
  type ResponderMetricValues,
} from './metric-catalog.js';
import { oncallSpans, permanentSpan, usersOf } from './on-call-spans.js';
import {
  policyMask,
  storeIncidentParts,
  storeOnCallParts,
  userMask,
  type OnCallPart,
  type ResponderStore,
  type StoredIncidentPart,
} from './responder-store.js';
import { totalLength, unionSpans, type Span } from '../time/spans.js';
import { unorderedGroupColumn } from './sql-grouping.js';

// PagerDuty's AnalyticsResponderMetrics, computed exactly from the mirror for any past range:
// the incident side from the per-incident, per-user facts the writes keep (incident_responders),
// the on-call side from the on-call history (/oncalls as read by every sync, past kept), as the
// union of each user's spans across policies, split into business, off and sleep hours in the
// user's own zone.

/** Every metric of a row, in the order the answer gives them. */
export const RESPONDER_METRIC_FIELDS: readonly ResponderMetric[] = RESPONDER_METRICS.map(
  (m) => m.name,
);

// Scheduled time first: PagerDuty's total_seconds_on_call counts a direct escalation target as on
// call around the clock, which put people no rotation names at the top of every list.
export const DEFAULT_RESPONDER_SORT = 'total_seconds_on_call_scheduled:desc';
/** Fields a responder listing sorts on: every metric, and the responder's own. */
export const RESPONDER_SORT_FIELDS = [
  'responder_id',
  'responder_name',
  ...RESPONDER_METRIC_FIELDS,
] as const;

const id = (description: string) =>
  ({ type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description }) as const;
/** A repeatable id parameter (any of them); a single value arrives as a one-item array. */
const anyOfIds = (description: string) =>
  ({
    type: 'array',
    items: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    minItems: 1,
    maxItems: 100,
    description,
  }) as const;

/** The responders' query parameters (JSON Schema), for the endpoint and its CSV report. */
export const RESPONDER_QUERY_PROPERTIES = {
  since: {
    type: 'string',
    maxLength: 40,
    description:
      "Start of the range (ISO date or date-time; UTC when no offset); default the start of the mirror's history",
    example: '2026-01-01',
  },
  until: {
    type: 'string',
    maxLength: 40,
    description: 'End of the range, exclusive (ISO date or date-time); default now',
  },
  team_id: anyOfIds("The team's members (their whole load); repeat for any of several"),
  service_id: anyOfIds(
    "The service's incidents, and on-call for its escalation policy; repeat for any of several",
  ),
  user_id: id('One user'),
  sort: {
    type: 'string',
    maxLength: 80,
    default: DEFAULT_RESPONDER_SORT,
    description: `A field, optionally with :asc or :desc (default :desc): ${RESPONDER_SORT_FIELDS.join(', ')}`,
  },
} as const;

export interface ResponderRow extends ResponderMetricValues {
  responder_id: string;
  responder_name: string;
  time_zone: string;
  team_ids: string[];
  /** The escalation rules that name this user directly (no schedule): always on call there. */
  direct_targets: DirectTarget[];
}

/** A rule that targets a user directly: PagerDuty counts them on call all the time it exists. */
export interface DirectTarget {
  escalation_policy_id: string;
  escalation_policy_name: string | null;
  escalation_level: number;
}

/**
 * What the responder figures are filtered by: a team means its members; a service its incidents,
 * and on-call for its escalation policy (see filterWhere).
 */
export type ResponderFilter = Pick<
  AnalyticsFilter,
  'since' | 'until' | 'teamId' | 'serviceId' | 'userId'
>;

export interface ResponderSort {
  field: (typeof RESPONDER_SORT_FIELDS)[number];
  direction: 'asc' | 'desc';
}

/** Checks `sort` (field[:asc|:desc]); a bad one is a 400 naming it. */
export function parseResponderSort(raw: string | undefined): ResponderSort {
  const [field = '', direction = 'desc', ...rest] = (raw || DEFAULT_RESPONDER_SORT).split(':');
  if (
    rest.length > 0 ||
    !(RESPONDER_SORT_FIELDS as readonly string[]).includes(field) ||
    (direction !== 'asc' && direction !== 'desc')
  )
    throw new ValidationError(
      "invalid querystring parameter 'sort': must be a responder field, optionally followed by :asc or :desc, such as total_seconds_on_call:desc",
      'sort',
    );
  return { field: field as ResponderSort['field'], direction };
}

export interface ResponderAnswer {
  since: Date;
  until: Date;
  rows: ResponderRow[];
}

/**
 * Every responder's figures over [since, until): users who were on call in it, or had a part
 * (assigned, notified, acknowledged) in an incident created in it. Unsorted. From `kept.store`
 * (the pinned worker's copy, of the mirror's current version) when given, else from SQL; on-call
 * time split by `kept.splitter` when given (one of config.hours, kept warm between requests).
 */
export async function responderMetrics(
  db: Kysely<Database>,
  filter: ResponderFilter,
  now: Date,
  config: AnalyticsConfig,
  kept: { store?: ResponderStore | undefined; splitter?: HourClassSplitter } = {},
): Promise<ResponderAnswer> {
  const { store } = kept;
  await checkResponderFilter(db, filter);
  const until = filter.until ?? now;
  const known = await historyStart(db);
  const since = filter.since ?? known ?? until;
  if (since >= until) return { since, until, rows: [] };
  const permanent = permanentSpan(since, until, known, now);
  const [incident, oncall] = store
    ? await fromStore(db, store, filter, since, until, permanent)
    : await Promise.all([
        incidentParts(db, filter, since, until),
        oncallParts(db, filter, since, until, permanent),
      ]);
  const ids = [...new Set([...incident.keys(), ...oncall.keys()])];
  const [users, policyNames] = await Promise.all([
    usersOf(db, ids),
    namesOfPolicies(
      db,
      [...oncall.values()].flatMap((s) => s.direct.map((d) => d.policyId)),
    ),
  ]);
  const splitter = kept.splitter ?? new HourClassSplitter(config.hours);
  const rows = ids.map((id) => {
    const user = users.get(id);
    const zone = user?.time_zone && isTimeZone(user.time_zone) ? user.time_zone : config.timeZone;
    const part = oncall.get(id);
    const union = part?.union ?? [];
    const split = emptyHourClassSeconds();
    for (const s of union) splitter.split(s.start, s.end, zone, split);
    return {
      responder_id: id,
      responder_name: user?.name ?? id,
      time_zone: zone,
      team_ids: user?.teamIds ?? [],
      ...responderMetricValues({
        ...NO_RESPONDER_FACTS,
        ...incident.get(id),
        onCallSeconds: totalLength(union) / 1000,
        scheduledSeconds: part?.scheduledSeconds ?? 0,
        level1Seconds: part?.level1Seconds ?? 0,
        level2Seconds: part?.level2Seconds ?? 0,
        businessSeconds: split.business,
        offSeconds: split.off,
        sleepSeconds: split.sleep,
      }),
      direct_targets: (part?.direct ?? [])
        .map((d) => ({
          escalation_policy_id: d.policyId,
          escalation_policy_name: policyNames.get(d.policyId) ?? null,
          escalation_level: d.level,
        }))
        .sort(
          (a, b) =>
            (a.escalation_policy_name ?? '').localeCompare(b.escalation_policy_name ?? '') ||
            a.escalation_policy_id.localeCompare(b.escalation_policy_id) ||
            a.escalation_level - b.escalation_level,
        ),
    } satisfies ResponderRow;
  });
  return { since, until, rows };
}

/** Per user, the on-call unions from the SQL read of the spans. */
async function oncallParts(
  db: Kysely<Database>,
  filter: ResponderFilter,
  since: Date,
  until: Date,
  permanent: Span,
): Promise<Map<string, OnCallPart>> {
  const spans = await oncallSpans(db, filter, since, until, permanent);
  const seconds = (list: Span[]) => totalLength(unionSpans(list)) / 1000;
  return new Map(
    [...spans].map(([id, s]) => [
      id,
      {
        union: unionSpans(s.all),
        scheduledSeconds: seconds(s.scheduled),
        level1Seconds: seconds(s.level1),
        level2Seconds: seconds(s.level2),
        direct: s.direct,
      },
    ]),
  );
}

/**
 * Both sides from the responders' copy (responder-store.ts). The filter's sets come from SQL
 * (a team's members, a service's policy: a few rows); a service's incidents are not in the copy,
 * so with a service the incident side is SQL's.
 */
async function fromStore(
  db: Kysely<Database>,
  store: ResponderStore,
  filter: ResponderFilter,
  since: Date,
  until: Date,
  permanent: Span,
): Promise<[Map<string, IncidentPart>, Map<string, OnCallPart>]> {
  const [members, policies] = await Promise.all([
    filter.teamId
      ? db
          .selectFrom('team_members')
          .select('user_id')
          .where('team_id', 'in', filter.teamId)
          .execute()
      : undefined,
    filter.serviceId
      ? db
          .selectFrom('services')
          .select('escalation_policy_id')
          .where('id', 'in', filter.serviceId)
          .execute()
      : undefined,
  ]);
  let users: Uint8Array | undefined;
  if (members)
    users = userMask(
      store,
      members.map((m) => m.user_id),
    );
  if (filter.userId) {
    const only = userMask(store, [filter.userId]) ?? new Uint8Array(0);
    users = users ? only.map((v, i) => v & (users?.[i] ?? 0)) : only;
  }
  const policyIds = policies?.flatMap((p) =>
    p.escalation_policy_id ? [p.escalation_policy_id] : [],
  );
  const incident = filter.serviceId
    ? await incidentParts(db, filter, since, until)
    : new Map(
        [...storeIncidentParts(store, since.getTime(), until.getTime(), users)].map(([id, p]) => [
          id,
          incidentPartOf(p),
        ]),
      );
  const oncall = storeOnCallParts(
    store,
    since.getTime(),
    until.getTime(),
    permanent,
    users,
    policyMask(store, policyIds),
  );
  return [incident, oncall];
}

/** The copy's sums by column, as the facts the SQL's incidentParts gives. */
function incidentPartOf(p: StoredIncidentPart): IncidentPart {
  return {
    incidents: p.incidents,
    notifications: p.counts.notification_count,
    interruptions: p.counts.interruption_count,
    businessInterruptions: p.counts.business_hour_interruptions,
    offInterruptions: p.counts.off_hour_interruptions,
    sleepInterruptions: p.counts.sleep_hour_interruptions,
    acknowledged: p.flags.acknowledged,
    ttaSum: p.ttaSum,
    ttaN: p.ttaN,
    engagedSeconds: p.counts.engaged_seconds,
    ...(Object.fromEntries(HANDOFFS.map(([column, key]) => [key, p.flags[column]])) as Record<
      (typeof HANDOFFS)[number][1],
      number
    >),
  };
}

/** Sorts rows on a field (nulls last whichever the direction), then by responder id. */
export function sortResponders(rows: ResponderRow[], sort: ResponderSort): ResponderRow[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  return rows.sort((a, b) => {
    const x = a[sort.field];
    const y = b[sort.field];
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      const order =
        typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      if (order !== 0) return sign * order;
    }
    return a.responder_id < b.responder_id ? -1 : a.responder_id > b.responder_id ? 1 : 0;
  });
}

/** Unknown ids are a 404: an empty answer would read as "nobody carried the pager". */
export async function checkResponderFilter(
  db: Kysely<Database>,
  filter: ResponderFilter,
): Promise<void> {
  const checks: [string | undefined, 'users' | 'teams' | 'services', string][] = [
    [filter.userId, 'users', 'user'],
    ...(filter.teamId ?? []).map((t) => [t, 'teams', 'team'] as [string, 'teams', string]),
    ...(filter.serviceId ?? []).map(
      (s) => [s, 'services', 'service'] as [string, 'services', string],
    ),
  ];
  for (const [id, table, noun] of checks) {
    if (!id) continue;
    const row = await db.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError(`${noun} ${id} not found`);
  }
}

/** Where incident_responders (as r) holds what a responder filter tests; a team is its members. */
const RESPONDER_COLUMNS: FilterColumns = {
  time: 'r.incident_created_at',
  user: 'r.user_id',
  team: { userId: 'r.user_id' },
  service: { incidentId: 'r.incident_id' },
};

/** A user's facts from their incidents. */
type IncidentPart = Pick<
  ResponderFacts,
  | 'incidents'
  | 'notifications'
  | 'interruptions'
  | 'businessInterruptions'
  | 'offInterruptions'
  | 'sleepInterruptions'
  | 'acknowledged'
  | 'ttaSum'
  | 'ttaN'
  | 'engagedSeconds'
  | (typeof HANDOFFS)[number][1]
>;

/** The handoff columns of incident_responders and the facts they sum to. */
const HANDOFFS = [
  ['reassigned_from', 'reassignedFrom'],
  ['reassigned_to', 'reassignedTo'],
  ['manual_escalated_from', 'manualEscalatedFrom'],
  ['manual_escalated_to', 'manualEscalatedTo'],
  ['timeout_escalated_from', 'timeoutEscalatedFrom'],
  ['timeout_escalated_to', 'timeoutEscalatedTo'],
] as const;

/** Per user, the incident-derived figures over incidents created in [since, until). */
async function incidentParts(
  db: Kysely<Database>,
  filter: ResponderFilter,
  since: Date,
  until: Date,
): Promise<Map<string, IncidentPart>> {
  const tta = secondsBetween(db, 'r.first_acknowledged_at', 'r.first_assigned_at');
  const rows = await db
    .selectFrom('incident_responders as r')
    .select((eb) => [
      unorderedGroupColumn(db, 'r.user_id').as('uid'),
      eb.fn.countAll<number>().as('incidents'),
      eb.fn.sum<number>('r.notification_count').as('notifications'),
      eb.fn.sum<number>('r.interruption_count').as('interruptions'),
      eb.fn.sum<number>('r.business_hour_interruptions').as('business'),
      eb.fn.sum<number>('r.off_hour_interruptions').as('off'),
      eb.fn.sum<number>('r.sleep_hour_interruptions').as('sleep'),
      eb.fn.count<number>('r.first_acknowledged_at').as('acknowledged'),
      eb.fn.sum<number>(tta).as('tta_sum'),
      eb.fn.count<number>(tta).as('tta_n'),
      eb.fn.sum<number>('r.engaged_seconds').as('engaged'),
      ...HANDOFFS.map(([column]) => eb.fn.sum<number>(`r.${column}`).as(column)),
    ])
    .where((eb) => {
      return eb.and(filterWhere(eb, { ...filter, since, until }, RESPONDER_COLUMNS));
    })
    // By the output name, as selected.
    .groupBy(sql`uid`)
    .execute();
  // pg answers sums and counts as strings.
  return new Map(
    rows.map((r) => [
      String(r.uid),
      {
        incidents: Number(r.incidents),
        notifications: Number(r.notifications ?? 0),
        interruptions: Number(r.interruptions ?? 0),
        businessInterruptions: Number(r.business ?? 0),
        offInterruptions: Number(r.off ?? 0),
        sleepInterruptions: Number(r.sleep ?? 0),
        acknowledged: Number(r.acknowledged),
        ttaSum: Number(r.tta_sum ?? 0),
        ttaN: Number(r.tta_n),
        engagedSeconds: Number(r.engaged ?? 0),
        ...(Object.fromEntries(
          HANDOFFS.map(([column, key]) => [key, Number(r[column] ?? 0)]),
        ) as Record<(typeof HANDOFFS)[number][1], number>),
      },
    ]),
  );
}

async function namesOfPolicies(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return new Map();
  const rows = await db
    .selectFrom('escalation_policies')
    .select(['id', 'name'])
    .where('id', 'in', wanted)
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
