// The On-call load panel (GET /api/v1/analytics/responders: who carried the pager, in which
// hours, and how often they were interrupted) and the week heat map of interruptions
// (GET /api/v1/analytics/interruptions/heatmap) in a zone the viewer picks.
import type * as EChartsModule from 'echarts';
import { json } from './api-client.js';
import type {
  AnalyticsInterruptionsHeatmapResponse,
  AnalyticsRespondersResponse,
} from './api-types.js';
import { escapeHtml } from './html.js';
import { pageZone } from './page-zone.js';
import { HOUR_CLASS_COLORS } from './response-panels.js';

/** The people shown: the most on call first. */
const TOP_RESPONDERS = 20;
const KINDS = ['business', 'off', 'sleep'] as const;

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** The page's filters the responder endpoints take (they have no urgency or status). */
function responderQuery(
  filterQuery: (extra?: Record<string, string | number>) => string,
  extra: Record<string, string | number>,
): string {
  const params = new URLSearchParams(filterQuery(extra));
  params.delete('urgency');
  params.delete('status');
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Horizontal bars per person, stacked, the first person on top. */
export function personBars(
  names: string[],
  stacks: { name: string; values: number[]; color: string }[],
  unit: string,
): EChartsModule.EChartsOption {
  return {
    animation: false,
    grid: { left: 130, right: 20, top: 30, bottom: 45 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    xAxis: { type: 'value', name: unit, nameLocation: 'middle', nameGap: 28, minInterval: 1 },
    // The most loaded person on top.
    yAxis: {
      type: 'category',
      data: [...names].reverse(),
      axisLabel: { width: 120, overflow: 'truncate' },
    },
    series: stacks.map((s) => ({
      name: s.name,
      type: 'bar' as const,
      stack: 'total',
      data: [...s.values].reverse(),
      itemStyle: { color: s.color },
    })),
  };
}

/** Per person: on-call hours and interruptions, each stacked by business, off and sleep hours. */
export async function loadOnCallLoad(
  chart: (id: string) => EChartsModule.ECharts,
  filterQuery: (extra?: Record<string, string | number>) => string,
): Promise<void> {
  const { data, since, until } = await json<AnalyticsRespondersResponse>(
    `/analytics/responders${responderQuery(filterQuery, { sort: 'total_seconds_on_call_scheduled:desc', limit: TOP_RESPONDERS })}`,
  );
  const range = document.getElementById('oncall-range');
  if (range)
    range.textContent = `(scheduled on-call, ${since.slice(0, 10)} to ${until.slice(0, 10)} UTC)`;
  // Direct escalation-rule targets are "on call" around the clock in PagerDuty's figure; the
  // chart shows what schedules put on people, and lists the direct targets apart.
  const direct = document.getElementById('oncall-direct');
  if (direct)
    direct.innerHTML = data
      .flatMap((r) =>
        r.direct_targets.map(
          (d) =>
            `<li>${escapeHtml(r.responder_name)}: always on call as a direct target of ${escapeHtml(d.escalation_policy_name ?? d.escalation_policy_id)}, level ${d.escalation_level}</li>`,
        ),
      )
      .join('');
  const names = data.map((r) => r.responder_name);
  const hours = (s: number) => Math.round((s / 3600) * 10) / 10;
  chart('chart-oncall-hours').setOption(
    personBars(
      names,
      [
        {
          name: 'scheduled hours',
          values: data.map((r) => hours(r.total_seconds_on_call_scheduled)),
          color: HOUR_CLASS_COLORS.business,
        },
      ],
      'hours on call (schedules)',
    ),
    true,
  );
  chart('chart-oncall-interruptions').setOption(
    personBars(
      names,
      KINDS.map((kind) => ({
        name: `${kind} hours`,
        values: data.map((r) => r[`total_${kind}_hour_interruptions`]),
        color: HOUR_CLASS_COLORS[kind],
      })),
      'interruptions',
    ),
    true,
  );
}

/** Interruptions by weekday and hour in the chosen zone (the viewer's own at first). */
export async function loadHeatmap(
  chart: (id: string) => EChartsModule.ECharts,
  filterQuery: (extra?: Record<string, string | number>) => string,
): Promise<void> {
  const zone = pageZone();
  const label = document.getElementById('heatmap-zone');
  if (label) label.textContent = `(${zone})`;
  const { data } = await json<AnalyticsInterruptionsHeatmapResponse>(
    `/analytics/interruptions/heatmap${responderQuery(filterQuery, { time_zone: zone })}`,
  );
  const max = Math.max(1, ...data.map((c) => c.interruptions));
  chart('chart-heatmap').setOption(
    {
      animation: false,
      grid: { left: 45, right: 20, top: 10, bottom: 70 },
      tooltip: {
        formatter: (p: unknown) => {
          const [hour, day, n] = (p as { value: [number, number, number] }).value;
          return `${DAYS[day] ?? ''} ${String(hour).padStart(2, '0')}:00: ${n} interruptions`;
        },
      },
      xAxis: { type: 'category', data: Array.from({ length: 24 }, (_, h) => String(h)) },
      yAxis: { type: 'category', data: DAYS, inverse: true },
      // The legend says what each shade counts: 0 to the busiest hour's interruptions.
      visualMap: {
        min: 0,
        max,
        calculable: true,
        text: [`${max} interruptions`, '0'],
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        inRange: { color: ['#f4f6fb', '#7b4fc4'] },
      },
      series: [
        {
          type: 'heatmap',
          data: data.map((c) => [c.hour, c.weekday - 1, c.interruptions]),
        },
      ],
    },
    true,
  );
}
