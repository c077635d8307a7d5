// The Response times and Interruptions panels: GET /api/v1/analytics/incidents per week in the
// page's zone, and per service for the sortable table.
import type * as EChartsModule from 'echarts';
import { json } from './api-client.js';
import type { AnalyticsIncidentsResponse } from './api-types.js';
import { escapeHtml } from './html.js';
import { pageZone, zonedTimeAxis } from './page-zone.js';
import { stackedBarsOption } from './stacked-bars.js';

type MetricsRow = AnalyticsIncidentsResponse['data'][number];
type SortKey = keyof MetricsRow;

/** A duration in seconds, short: 45 s, 12 min, 3.4 h, 2.1 d. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

export const HOUR_CLASS_COLORS = { business: '#2680c2', off: '#f0ad4e', sleep: '#7b4fc4' };

/**
 * The lines of the Response times chart: the median solid, the 90th percentile dashed;
 * acknowledgement in minutes on the left axis, resolution in hours on the right.
 */
const RESPONSE_LINES = [
  { name: 'MTTA p50', field: 'p50_seconds_to_first_ack', unit: 60, axis: 0, dashed: false },
  { name: 'MTTA p90', field: 'p90_seconds_to_first_ack', unit: 60, axis: 0, dashed: true },
  { name: 'MTTR p50', field: 'p50_seconds_to_resolve', unit: 3600, axis: 1, dashed: false },
  { name: 'MTTR p90', field: 'p90_seconds_to_resolve', unit: 3600, axis: 1, dashed: true },
] as const;

/** Draws the weekly lines and stacks. */
export async function loadWeeklyPanels(
  chart: (id: string) => EChartsModule.ECharts,
  filterQuery: (extra?: Record<string, string | number>) => string,
): Promise<void> {
  const zone = pageZone();
  const { data } = await json<AnalyticsIncidentsResponse>(
    `/analytics/incidents${filterQuery({ aggregate_unit: 'week', time_zone: zone })}`,
  );
  for (const id of ['response-zone', 'interruptions-zone']) {
    const label = document.getElementById(id);
    if (label) label.textContent = `(weeks from Monday, ${zone})`;
  }
  const weeks = data.map((r) => r.range_start ?? '');
  const at = (i: number) => Date.parse(weeks[i] ?? '');
  // Acknowledgement takes minutes and resolution hours: each has its own axis so neither is flat.
  const scaled = (v: number | null, unit: number) =>
    v === null ? null : Math.round((v / unit) * 100) / 100;
  const line = (name: string, values: (number | null)[], axis: 0 | 1, dashed = false) => ({
    name,
    type: 'line',
    yAxisIndex: axis,
    connectNulls: true,
    data: values.map((v, i) => [at(i), v]),
    lineStyle: dashed ? { type: 'dashed' } : {},
  });
  chart('chart-response').setOption(
    {
      animation: false,
      grid: { left: 55, right: 55, top: 40, bottom: 30 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: zonedTimeAxis(zone),
      yAxis: [
        { type: 'value', name: 'ack, min' },
        { type: 'value', name: 'resolve, h', splitLine: { show: false } },
      ],
      series: RESPONSE_LINES.map((l) =>
        line(
          l.name,
          data.map((r) => scaled(r[l.field], l.unit)),
          l.axis,
          l.dashed,
        ),
      ),
    },
    true,
  );
  chart('chart-interruptions').setOption(
    stackedBarsOption(
      weeks,
      (['business', 'off', 'sleep'] as const).map((kind) => ({
        name: `${kind} hours`,
        values: data.map((r) => r[`total_${kind}_hour_interruptions`]),
        color: HOUR_CLASS_COLORS[kind],
      })),
      zone,
    ),
    true,
  );
}

let serviceRows: MetricsRow[] = [];
let sortKey: SortKey = 'mean_seconds_to_resolve';
let descending = true;

function renderServiceTable(): void {
  const rows = [...serviceRows].sort((a, b) => {
    const x = a[sortKey];
    const y = b[sortKey];
    // Empty figures sort last whatever the direction.
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    const order =
      typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return descending ? -order : order;
  });
  const cell = (v: string) => `<td class="number">${escapeHtml(v)}</td>`;
  const body = document.querySelector('#response-services tbody');
  if (body)
    body.innerHTML = rows
      .map(
        (r) =>
          `<tr><td><a data-service="${escapeHtml(r.service_id ?? '')}">${escapeHtml(r.service_name ?? r.service_id ?? '')}</a></td>${cell(String(r.total_incident_count))}${cell(formatDuration(r.mean_seconds_to_first_ack))}${cell(formatDuration(r.p50_seconds_to_first_ack))}${cell(formatDuration(r.p90_seconds_to_first_ack))}${cell(formatDuration(r.mean_seconds_to_resolve))}${cell(formatDuration(r.p50_seconds_to_resolve))}${cell(formatDuration(r.p90_seconds_to_resolve))}${cell(String(r.total_interruptions))}${cell(r.up_time_pct === null ? '—' : `${r.up_time_pct.toFixed(2)} %`)}</tr>`,
      )
      .join('');
  for (const th of document.querySelectorAll<HTMLElement>('#response-services th[data-sort]'))
    th.setAttribute(
      'aria-sort',
      th.dataset['sort'] === sortKey ? (descending ? 'descending' : 'ascending') : 'none',
    );
}

/** Fills the per-service table, sorted as the viewer last chose. */
export async function loadServiceResponseTable(
  filterQuery: (extra?: Record<string, string | number>) => string,
): Promise<void> {
  serviceRows = (
    await json<AnalyticsIncidentsResponse>(
      `/analytics/incidents${filterQuery({ group_by: 'service' })}`,
    )
  ).data;
  renderServiceTable();
}

/** Sorting by a column header: a second click reverses the order. */
export function bindServiceTableSort(): void {
  document.querySelector('#response-services thead')?.addEventListener('click', (event) => {
    const th =
      event.target instanceof Element ? event.target.closest<HTMLElement>('th[data-sort]') : null;
    const key = th?.dataset['sort'] as SortKey | undefined;
    if (!key) return;
    descending = key === sortKey ? !descending : key !== 'service_name';
    sortKey = key;
    renderServiceTable();
  });
}
