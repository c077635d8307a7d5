// The DuckDB anchor of the repeating alerts (GET /analytics/noise/repeats): the same list in
// DuckDB's SQL over the same facts, written from the definition (a window over each service's
// key in creation order), not from the project's SQL, and compared field by field.
import type { DuckDBConnection } from '@duckdb/node-api';

/** A repeats URL the anchor answers: a service's (or every service's) list, no other filter. */
export interface RepeatsQuestion {
  serviceIds: readonly string[];
}

/** The question of a repeats URL, or undefined when the anchor does not answer it. */
export function repeatsQuestion(url: string): RepeatsQuestion | undefined {
  const parsed = new URL(url, 'http://anchor.invalid');
  if (parsed.pathname !== '/analytics/noise/repeats') return undefined;
  const params = parsed.searchParams;
  if ([...params.keys()].some((k) => !['service_id', 'limit', 'offset'].includes(k)))
    return undefined;
  return { serviceIds: params.getAll('service_id') };
}

const text = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** DuckDB's list: one row per service and stored key with a repeat, as the API names its fields. */
export function duckdbRepeatsSql(question: RepeatsQuestion, repeatWindowHours: number): string {
  const services =
    question.serviceIds.length > 0
      ? `service_id in (${question.serviceIds.map(text).join(', ')})`
      : 'service_id is not null';
  // A repeat: the incident just before it (by created_at, then id) of its service and key came
  // within the window, over every incident of the service.
  return `with m as (
      select *, coalesce(repeat_key is not null and lag(created_at) over (partition by service_id, repeat_key order by created_at, incident_id) >= created_at - to_seconds(${Math.trunc(repeatWindowHours * 3600)}), false) as is_repeat
      from incident_metrics where ${services}),
    totals as (select service_id, sum(off_hour_interruptions) as off, sum(sleep_hour_interruptions) as sleep from m group by service_id),
    keys as (
      select service_id, repeat_key, count(*) as incident_count, sum(is_repeat::int) as repeat_incident_count,
        min(created_at) as first_seen_at, max(created_at) as last_seen_at,
        sum(off_hour_interruptions) as off_hour_interruptions, sum(sleep_hour_interruptions) as sleep_hour_interruptions
      from m where repeat_key is not null group by service_id, repeat_key having sum(is_repeat::int) > 0)
    select k.service_id,
      case when starts_with(k.repeat_key, 'k ') then 'incident_key' else 'title' end as repeat_key_source,
      substr(k.repeat_key, 3) as repeat_key,
      k.incident_count::double as incident_count, k.repeat_incident_count::double as repeat_incident_count,
      epoch_ms(k.first_seen_at)::double as first_seen_at, epoch_ms(k.last_seen_at)::double as last_seen_at,
      k.off_hour_interruptions::double as off_hour_interruptions, k.sleep_hour_interruptions::double as sleep_hour_interruptions,
      case when t.off > 0 then round(k.off_hour_interruptions / t.off, 4) end as off_hour_interruption_share,
      case when t.sleep > 0 then round(k.sleep_hour_interruptions / t.sleep, 4) end as sleep_hour_interruption_share
    from keys k join totals t using (service_id)`;
}

type Row = Readonly<Record<string, unknown>>;

/** The fields compared, as the API answers them (instants as ISO text there, epoch ms here). */
const FIELDS = [
  'incident_count',
  'repeat_incident_count',
  'first_seen_at',
  'last_seen_at',
  'off_hour_interruptions',
  'sleep_hour_interruptions',
  'off_hour_interruption_share',
  'sleep_hour_interruption_share',
] as const;

const keyOf = (r: Row) =>
  `${String(r['service_id'])} ${String(r['repeat_key_source'])}:${String(r['repeat_key'])}`;

function ours(row: Row, field: (typeof FIELDS)[number]): number | null {
  const value = row[field];
  if (value === null || value === undefined) return null;
  return field.endsWith('_at') ? Date.parse(String(value)) : Number(value);
}

/**
 * The project's whole list (every row, read page by page from `base`) against DuckDB's: how
 * many values agree, and the first disagreements.
 */
export async function compareRepeats(
  base: string,
  url: string,
  duck: DuckDBConnection,
  sql: string,
): Promise<{ rows: number; values: number; agreed: number; disagreements: string[] }> {
  const project: Row[] = [];
  const pageUrl = new URL(`${base}/api/v1${url}`);
  pageUrl.searchParams.set('limit', '1000');
  for (let offset = 0; ; offset += 1000) {
    pageUrl.searchParams.set('offset', String(offset));
    const res = await fetch(pageUrl);
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    const page = (await res.json()) as { data: Row[]; total: number };
    project.push(...page.data);
    if (project.length >= page.total || page.data.length === 0) break;
  }
  const theirs = new Map(
    (await duck.runAndReadAll(sql)).getRowObjectsJS().map((r) => [keyOf(r), r]),
  );
  const out = { rows: project.length, values: 0, agreed: 0, disagreements: [] as string[] };
  const mine = new Map(project.map((r) => [keyOf(r), r]));
  for (const key of new Set([...mine.keys(), ...theirs.keys()])) {
    const a = mine.get(key);
    const b = theirs.get(key);
    for (const field of FIELDS) {
      out.values += 1;
      const expected = b?.[field] === null || b?.[field] === undefined ? null : Number(b[field]);
      const actual = a ? ours(a, field) : null;
      if (a && b && actual === expected) out.agreed += 1;
      else
        out.disagreements.push(
          `${key} ${field}: project ${a ? String(actual) : '(no row)'}, duckdb ${b ? String(expected) : '(no row)'}`,
        );
    }
  }
  return out;
}
