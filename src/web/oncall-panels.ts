// The On-call load panel (GET /api/v1/analytics/responders: who carried the pager, in which
// hours, and how often they were interrupted) and the week heat map of interruptions
// (GET /api/v1/analytics/interruptions/heatmap) in a zone the viewer picks.
import type * as EChartsModule from 'echarts';
import { json } from './api-client.js';
import type {
  AnalyticsInterruptionsHeatmapResponse,
  AnalyticsRespondersResponse,
} from './api-types.js';
import { HOUR_CLASS_COLORS, VIEWER_ZONE } from './response-panels.js';

/** The people shown: the most on call first. */
const TOP_RESPONDERS = 20;
const KINDS = ['business', 'off', 'sleep'] as const;
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
/** Zones offered for the heat map, besides the viewer's own. */
const ZONES = [
  'UTC',
  'America/Los_Angeles',
  'America/New_York',
  'Europe/London',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Australia/Sydney',
];

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

function personBars(
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
    `/analytics/responders${responderQuery(filterQuery, { sort: 'total_seconds_on_call:desc', limit: TOP_RESPONDERS })}`,
  );
  const range = document.getElementById('oncall-range');
  if (range) range.textContent = `(${since.slice(0, 10)} to ${until.slice(0, 10)})`;
  const names = data.map((r) => r.responder_name);
  const hours = (s: number) => Math.round((s / 3600) * 10) / 10;
  chart('chart-oncall-hours').setOption(
    personBars(
      names,
      KINDS.map((kind) => ({
        name: `${kind} hours`,
        values: data.map((r) => hours(r[`total_${kind}_hour_seconds_on_call`])),
        color: HOUR_CLASS_COLORS[kind],
      })),
      'hours on call',
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

function zoneSelect(): HTMLSelectElement | null {
  return document.getElementById('heatmap-zone') as HTMLSelectElement | null;
}

/** Interruptions by weekday and hour in the chosen zone (the viewer's own at first). */
export async function loadHeatmap(
  chart: (id: string) => EChartsModule.ECharts,
  filterQuery: (extra?: Record<string, string | number>) => string,
): Promise<void> {
  const select = zoneSelect();
  const zone = select?.value || VIEWER_ZONE;
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
      visualMap: {
        min: 0,
        max,
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

/** Fills the zone choice and redraws the heat map when it changes. */
export function bindHeatmapZone(redraw: () => void): void {
  const select = zoneSelect();
  if (!select) return;
  const zones = [VIEWER_ZONE, ...ZONES.filter((z) => z !== VIEWER_ZONE)];
  select.innerHTML = zones.map((z) => `<option value="${z}">${z}</option>`).join('');
  select.addEventListener('change', redraw);
}
