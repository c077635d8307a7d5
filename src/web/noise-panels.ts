// The Alert noise panel: GET /api/v1/analytics/noise per week (the noise share line) and per
// service (the noisiest services), and GET /api/v1/analytics/noise/repeats (the alerts that keep
// coming back): what a lead brings to the weekly review, with the numbers of the CSV reports.
import type * as EChartsModule from 'echarts';
import { json } from './api-client.js';
import type { AnalyticsNoiseRepeatsResponse, AnalyticsNoiseResponse } from './api-types.js';
import { escapeHtml } from './html.js';
import { pageZone, zonedTimeAxis } from './page-zone.js';

/** Rows shown in each table: the head of the list, the CSV reports have it all. */
export const NOISE_TOP = 10;

const percent = (share: number | null) => (share === null ? '—' : `${(share * 100).toFixed(1)} %`);
/** A row's cells: the first `text` as text, the rest as numbers (right-aligned). */
const cells = (values: readonly string[], text: number) =>
  values.map((v, i) => (i < text ? `<td>${v}</td>` : `<td class="number">${v}</td>`)).join('');

function fill(tableId: string, rows: readonly string[][], text: number): void {
  const body = document.querySelector(`#${tableId} tbody`);
  if (body)
    body.innerHTML =
      rows.map((r) => `<tr>${cells(r, text)}</tr>`).join('') ||
      `<tr><td colspan="8">None in this range</td></tr>`;
}

/** Draws the noise share per week and fills the noisiest services and the repeating alerts. */
export async function loadNoisePanels(
  chart: (id: string) => EChartsModule.ECharts,
  filterQuery: (extra?: Record<string, string | number>) => string,
): Promise<void> {
  const zone = pageZone();
  const [weeks, services, repeats] = await Promise.all([
    json<AnalyticsNoiseResponse>(
      `/analytics/noise${filterQuery({ aggregate_unit: 'week', time_zone: zone })}`,
    ),
    json<AnalyticsNoiseResponse>(`/analytics/noise${filterQuery({ group_by: 'service' })}`),
    json<AnalyticsNoiseRepeatsResponse>(
      `/analytics/noise/repeats${filterQuery({ limit: NOISE_TOP })}`,
    ),
  ]);
  const label = document.getElementById('noise-zone');
  if (label) label.textContent = `(weeks from Monday, ${zone})`;
  chart('chart-noise').setOption(
    {
      animation: false,
      grid: { left: 50, right: 20, top: 30, bottom: 30 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: zonedTimeAxis(zone),
      yAxis: { type: 'value', name: '%', max: 100 },
      series: [
        {
          name: 'noise share',
          type: 'line',
          connectNulls: false,
          data: weeks.data.map((r) => [
            Date.parse(r.range_start ?? ''),
            r.noise_share === null ? null : Math.round(r.noise_share * 1000) / 10,
          ]),
        },
      ],
    },
    true,
  );
  // Noisiest: most incidents nobody acknowledged before they resolved (transient among them).
  const noisiest = [...services.data]
    .sort(
      (a, b) =>
        b.total_unacknowledged_resolved - a.total_unacknowledged_resolved ||
        b.total_repeat_incidents - a.total_repeat_incidents,
    )
    .slice(0, NOISE_TOP);
  fill(
    'noise-services',
    noisiest.map((r) => [
      escapeHtml(r.service_name ?? r.service_id ?? ''),
      String(r.total_incident_count),
      String(r.total_unacknowledged_resolved),
      String(r.total_transient_incidents),
      String(r.total_repeat_incidents),
      String(r.total_reopened_incidents),
      percent(r.noise_share),
    ]),
    1,
  );
  fill(
    'noise-repeats',
    repeats.data.map((r) => [
      escapeHtml(r.service_name ?? r.service_id),
      `<code>${escapeHtml(r.repeat_key)}</code>`,
      String(r.incident_count),
      String(r.repeat_incident_count),
      escapeHtml(
        r.last_seen_at
          ? new Date(r.last_seen_at).toLocaleString(undefined, { timeZone: zone })
          : '',
      ),
      percent(r.off_hour_interruption_share),
      percent(r.sleep_hour_interruption_share),
    ]),
    2,
  );
}
