// The On-call pay panel: for a month the viewer picks (in the page's zone), each person's
// on-call hours stacked by pay class, their interruptions and amount by ONCALL_PAY_RULES
// (GET /api/v1/analytics/on-call-pay), the payroll CSV of the same rows, and the month's
// breaches of ONCALL_LIMITS (GET /api/v1/analytics/on-call-compliance).
import type * as EChartsModule from 'echarts';
import { API, json } from './api-client.js';
import type { AnalyticsOnCallComplianceResponse, AnalyticsOnCallPayResponse } from './api-types.js';
import { escapeHtml } from './html.js';
import { personBars } from './oncall-panels.js';
import { dateIn, pageZone, startOfDayIn } from './page-zone.js';
import { HOUR_CLASS_COLORS } from './response-panels.js';

const PAY_CLASSES = ['business', 'off', 'sleep', 'weekend', 'holiday'] as const;
const PAY_COLORS: Record<(typeof PAY_CLASSES)[number], string> = {
  ...HOUR_CLASS_COLORS,
  weekend: '#3aa76d',
  holiday: '#d9534f',
};
/** The people charted: the most on call first; the table and the CSV have everyone. */
const TOP_PAID = 25;

/** The month shown: the picker's, else the last whole month in the page's zone. */
function chosenMonth(): string {
  const input = document.getElementById('pay-month') as HTMLInputElement | null;
  if (input?.value) return input.value;
  const today = dateIn(Date.now(), pageZone());
  const [y, m] = today.split('-').map(Number) as [number, number];
  const month = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  if (input) input.value = month;
  return month;
}

/** The month as the API's range: local midnight of its first day to that of the next month's. */
function monthRange(month: string, zone: string): { since: string; until: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { since: startOfDayIn(`${month}-01`, zone), until: startOfDayIn(`${next}-01`, zone) };
}

/** Pay takes the range and the people: the page's team filter, nothing of incidents. */
function payQuery(
  filterQuery: (extra?: Record<string, string | number>) => string,
  range: { since: string; until: string },
): URLSearchParams {
  const page = new URLSearchParams(filterQuery());
  const params = new URLSearchParams(range);
  const team = page.get('team_id');
  if (team) params.set('team_id', team);
  return params;
}

const money = (amount: number, currency: string | null) =>
  `${amount.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 })}${currency ? ` ${currency}` : ''}`;

export async function loadPayPanel(
  chart: (id: string) => EChartsModule.ECharts,
  filterQuery: (extra?: Record<string, string | number>) => string,
): Promise<void> {
  const zone = pageZone();
  const month = chosenMonth();
  const params = payQuery(filterQuery, monthRange(month, zone));
  const csv = document.getElementById('pay-csv') as HTMLAnchorElement | null;
  if (csv) csv.href = `${API}/reports/on_call_pay?${params.toString()}`;
  const [pay, compliance] = await Promise.all([
    json<AnalyticsOnCallPayResponse>(`/analytics/on-call-pay?${params.toString()}&limit=1000`),
    json<AnalyticsOnCallComplianceResponse>(
      `/analytics/on-call-compliance?${params.toString()}&limit=1000`,
    ),
  ]);
  const label = document.getElementById('pay-range');
  if (label) label.textContent = `(${month}, ${zone}; ${pay.count} on-call time)`;
  const rows = [...pay.data].sort((a, b) => b.seconds_on_call - a.seconds_on_call);
  const top = rows.slice(0, TOP_PAID);
  const hours = (s: number) => Math.round((s / 3600) * 10) / 10;
  chart('chart-pay-hours').setOption(
    personBars(
      top.map((r) => r.user_name),
      PAY_CLASSES.map((c) => ({
        name: c,
        values: top.map((r) => hours(r[`seconds_${c}`])),
        color: PAY_COLORS[c],
      })),
      'hours on call',
    ),
    true,
  );
  const body = document.querySelector('#pay-table tbody');
  if (body)
    body.innerHTML =
      rows
        .map((r) => {
          const interruptions = PAY_CLASSES.reduce((n, c) => n + r[`interruptions_${c}`], 0);
          return `<tr><td>${escapeHtml(r.user_name)}</td><td class="number">${hours(r.seconds_on_call)}</td><td class="number">${interruptions}</td><td class="number">${escapeHtml(money(r.amount, r.currency))}</td></tr>`;
        })
        .join('') ||
      '<tr><td colspan="4">Nobody was on call or interrupted in this month</td></tr>';
  const total = rows.reduce((sum, r) => sum + r.amount, 0);
  const totalCell = document.getElementById('pay-total');
  if (totalCell) totalCell.textContent = money(Math.round(total * 100) / 100, pay.currency);
  const breaches = document.getElementById('pay-breaches');
  if (breaches) {
    const checked = Object.keys(compliance.limits);
    const day = (iso: string) =>
      new Date(iso).toLocaleDateString(undefined, { timeZone: zone, dateStyle: 'medium' });
    const shown = compliance.data
      .slice(0, SHOWN_BREACHES)
      .map(
        (b) =>
          `<li><strong>${escapeHtml(b.user_name)}</strong>: ${escapeHtml(describeBreach(b))}, ${escapeHtml(day(b.window_start))} to ${escapeHtml(day(new Date(Date.parse(b.window_end) - 1).toISOString()))}</li>`,
      );
    const more = compliance.total - shown.length;
    if (more > 0)
      shown.push(
        `<li><a data-report="on_call_compliance" href="${escapeHtml(`${API}/reports/on_call_compliance?${params.toString()}`)}">${more} more: every breach (CSV)</a></li>`,
      );
    breaches.innerHTML =
      shown.join('') ||
      `<li>${checked.length > 0 ? 'No breaches of the on-call limits this month' : 'No on-call limits are set (ONCALL_LIMITS)'}</li>`;
  }
}

/** The breaches listed; the rest are a CSV away. */
const SHOWN_BREACHES = 15;

/** A breach in words: what was observed against which limit. */
function describeBreach(b: AnalyticsOnCallComplianceResponse['data'][number]): string {
  if (b.rule === 'max_consecutive_days')
    return `${b.observed} consecutive days on call (limit ${b.limit})`;
  if (b.rule === 'max_hours_per_7_days')
    return `${b.observed} hours on call in 7 days (limit ${b.limit})`;
  return `${b.observed} sleep-hour interruptions in 7 days (limit ${b.limit})`;
}

/** Reloads the panel when the viewer picks another month. */
export function bindPayMonth(
  chart: (id: string) => EChartsModule.ECharts,
  filterQuery: (extra?: Record<string, string | number>) => string,
  onError: (error: unknown) => void,
): void {
  document.getElementById('pay-month')?.addEventListener('change', () => {
    loadPayPanel(chart, filterQuery).catch(onError);
  });
}
