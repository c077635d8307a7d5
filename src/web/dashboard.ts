// The pd-analytics dashboard: TypeScript over the REST API, compiled by `npm run build` (which
// `npm install` runs) into dist/web/. The response types are generated from the server's
// OpenAPI document (api-types.ts). ECharts is drawn in the page, served from the installed
// package (no CDN). Filters live in the URL so a view can be shared.
import type * as EChartsModule from 'echarts';
import { api, json, pollUntil, SYNC_WATCH_MS, API } from './api-client.js';
import type {
  AnalyticsIncidentsResponse,
  EscalationPoliciesCountResponse,
  EscalationPoliciesResponse,
  IncidentsByServiceResponse,
  IncidentsByStatusResponse,
  IncidentsOverTimeResponse,
  ReportsResponse,
  ServicesByIdIncidentsResponse,
  ServicesByIdResponse,
  ServicesChartResponse,
  ServicesCountResponse,
  ServicesResponse,
  SyncRunsByIdResponse,
  SyncRunsResponse,
  TeamsCountResponse,
  TeamsResponse,
  UsersCountResponse,
  UsersInactiveResponse,
} from './api-types.js';
import { escapeHtml } from './html.js';
import { stackedBarsOption } from './stacked-bars.js';
import {
  bindServiceTableSort,
  formatDuration,
  loadServiceResponseTable,
  loadWeeklyPanels,
} from './response-panels.js';
import { loadHeatmap, loadOnCallLoad } from './oncall-panels.js';
import { bindPayMonth, loadPayPanel } from './pay-panel.js';
import { loadNoisePanels } from './noise-panels.js';
import { fillZonePicker, pageZone, startOfDayIn, VIEWER_ZONE } from './page-zone.js';

declare const echarts: typeof EChartsModule;

const FILTERS = ['since', 'until', 'team_id', 'service_id', 'urgency', 'time_zone'] as const;
const TOP_SERVICES = 15;
const STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;

const charts = new Map<string, EChartsModule.ECharts>();
let showAllServices = false;

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

function filterForm(): HTMLFormElement {
  return element<HTMLFormElement>('filters');
}

function field(name: (typeof FILTERS)[number]): HTMLInputElement | HTMLSelectElement {
  return filterForm().elements.namedItem(name) as HTMLInputElement | HTMLSelectElement;
}

/**
 * The API query of the page's filters (and `extra`): the date filters are whole days in the
 * page's zone, "Until" included (the API's until is the start of the next day there).
 */
function filterQuery(extra: Record<string, string | number> = {}): string {
  const params = new URLSearchParams();
  const current = new URLSearchParams(location.search);
  const zone = pageZone();
  const since = current.get('since');
  const until = current.get('until');
  if (since) params.set('since', startOfDayIn(since, zone));
  if (until) params.set('until', startOfDayIn(until, zone, 1));
  for (const name of ['team_id', 'service_id', 'urgency'] as const) {
    const value = current.get(name);
    if (value) params.set(name, value);
  }
  for (const [k, v] of Object.entries(extra)) params.set(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function chart(id: string): EChartsModule.ECharts {
  // Charts are drawn without animation (set in each option): screenshots and users see the final numbers at once.
  let c = charts.get(id);
  if (!c) {
    c = echarts.init(element(id), null, { renderer: 'svg' });
    charts.set(id, c);
  }
  return c;
}

function showError(error: unknown): void {
  const box = element('error');
  box.textContent = error
    ? `Could not load: ${error instanceof Error ? error.message : String(error)}`
    : '';
  box.hidden = !error;
}

async function loadCounts(): Promise<void> {
  const current = new URLSearchParams(location.search);
  const [all, services, teams, policies, users, status] = await Promise.all([
    json<ServicesCountResponse>('/services/count'),
    // The team and service filters narrow the services counted, as they narrow the charts.
    json<ServicesResponse>(`/services${filterQuery({ limit: 1 })}`),
    json<TeamsCountResponse>('/teams/count'),
    json<EscalationPoliciesCountResponse>('/escalation-policies/count'),
    json<UsersCountResponse>('/users/count'),
    json<IncidentsByStatusResponse>(`/incidents/by-status${filterQuery()}`),
  ]);
  const values: Record<string, number> = {
    services: services.total,
    teams: current.get('team_id') ? 1 : teams.count,
    'escalation-policies': policies.count,
    users: users.count,
    incidents: status.total,
    open: status.triggered + status.acknowledged,
  };
  for (const [key, value] of Object.entries(values)) {
    const card = document.querySelector(`[data-count="${key}"]`);
    if (card) card.textContent = value.toLocaleString();
  }
  // An empty mirror: say what to do instead of drawing bare axes.
  element('empty').hidden = all.count > 0;
  document.querySelector('main')?.toggleAttribute('hidden', all.count === 0);
}

async function loadByService(): Promise<void> {
  const { services } = await json<IncidentsByServiceResponse>(
    `/incidents/by-service${filterQuery()}`,
  );
  const shown = showAllServices ? services : services.slice(0, TOP_SERVICES);
  element('chart-by-service').style.height = `${Math.max(380, shown.length * 22)}px`;
  const c = chart('chart-by-service');
  c.resize();
  c.setOption(
    {
      animation: false,
      grid: { left: 170, right: 40, top: 10, bottom: 30 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: {
        type: 'category',
        inverse: true,
        data: shown.map((s) => s.service_name ?? s.service_id),
        axisLabel: { width: 160, overflow: 'truncate' },
      },
      series: [
        {
          type: 'bar',
          data: shown.map((s) => ({ value: s.incident_count, serviceId: s.service_id })),
          itemStyle: { color: '#2680c2' },
        },
      ],
    },
    true,
  );
  c.off('click');
  c.on('click', (params) => {
    const data = params.data as { serviceId?: string } | undefined;
    if (data?.serviceId) void openService(data.serviceId).catch(showError);
  });
  // Services without incidents in the range have no bar: the count says so, beside the card's.
  element('toggle-all').textContent = showAllServices
    ? `Top ${TOP_SERVICES}`
    : `Show all ${services.length} with incidents`;
  element('toggle-all').hidden = services.length <= TOP_SERVICES;
}

async function loadMost(): Promise<void> {
  const data = await json<ServicesChartResponse>(`/services/chart${filterQuery()}`);
  element('most-title').textContent = data.service_name
    ? `Most incidents: ${data.service_name}`
    : 'Most incidents by status';
  chart('chart-most').setOption(
    {
      animation: false,
      grid: { left: 50, right: 20, top: 20, bottom: 30 },
      tooltip: {},
      xAxis: { type: 'category', data: data.categories },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        {
          type: 'bar',
          data: data.values.map((value, i) => ({
            value,
            itemStyle: { color: data.colors[i] },
          })),
          label: { show: true, position: 'top' },
        },
      ],
    },
    true,
  );
}

async function loadOverTime(): Promise<void> {
  const zone = pageZone();
  const { periods, colors } = await json<IncidentsOverTimeResponse>(
    `/incidents/over-time${filterQuery({ interval: 'week', time_zone: zone })}`,
  );
  element('over-time-zone').textContent = `(weeks from Monday, ${zone})`;
  const c = chart('chart-over-time');
  c.setOption(
    stackedBarsOption(
      periods.map((p) => p.start),
      STATUSES.map((s) => ({ name: s, values: periods.map((p) => p[s]), color: colors[s] })),
      zone,
    ),
    true,
  );
  c.getDom().dataset['periods'] = String(periods.length);
}

const serviceLink = (s: { id: string; name: string }) =>
  `<a data-service="${escapeHtml(s.id)}">${escapeHtml(s.name)}</a>`;

function fillTable(id: string, rows: string[]): void {
  const body = document.querySelector(`#${id} tbody`);
  if (body) body.innerHTML = rows.join('');
}

async function loadTables(): Promise<void> {
  const [teams, policies, inactive] = await Promise.all([
    json<TeamsResponse>(`/teams${filterQuery({ limit: 1000 })}`),
    json<EscalationPoliciesResponse>('/escalation-policies?limit=1000'),
    json<UsersInactiveResponse>('/users/inactive?limit=1000'),
  ]);
  fillTable(
    'teams',
    teams.teams.map(
      (t) =>
        `<tr><td>${escapeHtml(t.name)}</td><td>${t.service_count}</td><td>${t.services.map((s) => `${serviceLink(s)} (${s.incident_count})`).join(', ')}</td></tr>`,
    ),
  );
  fillTable(
    'policies',
    policies.escalation_policies.map(
      (p) =>
        `<tr><td>${escapeHtml(p.name)}</td><td>${p.teams.map((t) => escapeHtml(t.name ?? t.id)).join(', ')}</td><td>${p.services.map(serviceLink).join(', ')}</td><td>${p.rules.length}</td></tr>`,
    ),
  );
  fillTable(
    'inactive',
    inactive.users.map(
      (u) =>
        `<tr><td>${escapeHtml(u.name)}</td><td>${u.reasons.map((r) => `<span class="reason">${escapeHtml(r.replaceAll('_', ' '))}</span>`).join('')}</td><td>${u.schedules.map((s) => escapeHtml(s.name ?? s.id)).join(', ')}</td></tr>`,
    ),
  );
}

async function loadSyncStatus(): Promise<void> {
  const { runs } = await json<SyncRunsResponse>('/sync/runs?limit=1');
  const run = runs[0];
  element('last-sync').textContent = run
    ? `Last sync: ${run.kind}, ${run.status}, ${new Date(run.finished_at ?? run.started_at).toLocaleString()}`
    : 'Never synced';
}

let reports: ReportsResponse['reports'] = [];

async function renderReports(): Promise<void> {
  if (reports.length === 0) reports = (await json<ReportsResponse>('/reports')).reports;
  // The one report that needs a service is offered in the service's details instead.
  element('reports').innerHTML = reports
    .filter((r) => !r.path.includes('{'))
    .map(
      (r) =>
        `<li><a data-report="${escapeHtml(r.name)}" href="${escapeHtml(`${API}${r.path}${r.filtered ? filterQuery() : ''}`)}" title="${escapeHtml(r.summary)}">${escapeHtml(r.title)}</a></li>`,
    )
    .join('');
}

/** A link to PagerDuty, opened beside the dashboard; plain text when there is no address. */
function pagerDutyLink(url: string | null, text: string): string {
  return url && /^https:\/\//.test(url)
    ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(text)}</a>`
    : escapeHtml(text);
}

async function openService(id: string): Promise<void> {
  const path = `/services/${encodeURIComponent(id)}`;
  const [s, metrics, recent] = await Promise.all([
    json<ServicesByIdResponse>(`${path}${filterQuery()}`),
    json<AnalyticsIncidentsResponse>(
      `/analytics/incidents${filterQuery({ service_id: id, time_zone: pageZone() })}`,
    ),
    json<ServicesByIdIncidentsResponse>(`${path}/incidents${filterQuery({ limit: 5 })}`),
  ]);
  const m = metrics.data[0];
  element('service-name').innerHTML = pagerDutyLink(
    s.html_url,
    s.deleted_at ? `${s.name} (deleted)` : s.name,
  );
  const rows: [string, unknown][] = [
    ['Status', s.status],
    ['Incidents', s.incident_count],
    ['MTTA (mean time to acknowledge)', formatDuration(m?.mean_seconds_to_first_ack)],
    ['MTTR (mean time to resolve)', formatDuration(m?.mean_seconds_to_resolve)],
    ['Triggered', s.status_breakdown.triggered],
    ['Acknowledged', s.status_breakdown.acknowledged],
    ['Resolved', s.status_breakdown.resolved],
    [
      'Last incident',
      s.last_incident_timestamp ? new Date(s.last_incident_timestamp).toLocaleString() : 'none',
    ],
    ['Escalation policy', s.escalation_policy?.name ?? '—'],
    ['Teams', s.teams.map((t) => t.name ?? t.id).join(', ') || '—'],
  ];
  const perService = reports.find((r) => r.path.includes('{'));
  const csv = perService
    ? `<dt>Report</dt><dd><a data-report="${escapeHtml(perService.name)}" href="${escapeHtml(`${API}${perService.path.replace(/\{\w+\}/, encodeURIComponent(s.id))}${filterQuery()}`)}">${escapeHtml(perService.title)} (CSV)</a></dd>`
    : '';
  element('service-details').innerHTML =
    rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('') + csv;
  element('service-incidents').innerHTML =
    recent.incidents
      .map(
        (i) =>
          `<li>${pagerDutyLink(i.html_url, `#${i.incident_number} ${i.title ?? ''}`)} <span class="reason">${escapeHtml(i.status)}</span> ${escapeHtml(i.created_at ? new Date(i.created_at).toLocaleString(undefined, { timeZone: pageZone() }) : '')}</li>`,
      )
      .join('') || '<li>None in this range</li>';
  element<HTMLDialogElement>('service-dialog').showModal();
}

/**
 * Loads one panel: its sections (data-panel names it) say they are busy meanwhile, and an error
 * is shown without stopping the other panels.
 */
async function loadPanel(name: string, load: () => Promise<void>): Promise<void> {
  const sections = document.querySelectorAll(`[data-panel~="${name}"]`);
  for (const s of sections) s.setAttribute('aria-busy', 'true');
  try {
    await load();
  } catch (error) {
    showError(error);
  } finally {
    for (const s of sections) s.removeAttribute('aria-busy');
  }
}

/** Which load of the page is the latest: an older one's late answers mark nothing. */
let generation = 0;

/**
 * Draws every panel. The first screen (the counts and the incident charts, each read from the
 * rollups in tens of milliseconds) is asked for first and marked as the first render on its
 * own; the other panels (analytics over the whole history, on-call, pay, noise, the lists) fill
 * in as they arrive. Their requests go out after the first screen's: the browser sends six at
 * a time to a host and the server's read workers take jobs in order, so a panel that reads for
 * seconds never holds up the headline figures. `alongside` is started between the two.
 */
async function loadAll(alongside?: () => Promise<void>): Promise<void> {
  const started = performance.now();
  const mine = (generation += 1);
  showError(null);
  const headline = Promise.all([
    loadPanel('counts', loadCounts),
    loadPanel('by-service', loadByService),
    loadPanel('most', loadMost),
    loadPanel('over-time', loadOverTime),
  ]);
  // Something of the page's own (the filters' lists), between the first screen and the rest.
  const own = alongside?.();
  const rest = Promise.all([
    loadPanel('sync', loadSyncStatus),
    loadPanel('reports', renderReports),
    loadPanel('weekly', () => loadWeeklyPanels(chart, filterQuery)),
    loadPanel('heatmap', () => loadHeatmap(chart, filterQuery)),
    loadPanel('oncall', () => loadOnCallLoad(chart, filterQuery)),
    loadPanel('pay', () => loadPayPanel(chart, filterQuery)),
    loadPanel('noise', () => loadNoisePanels(chart, filterQuery)),
    loadPanel('response-services', () => loadServiceResponseTable(filterQuery)),
    loadPanel('tables', loadTables),
  ]);
  await headline;
  const body = document.body.dataset;
  if (mine === generation) {
    body['firstRenderMs'] = String(Math.round(performance.now() - started));
    body['rendered'] = String(Number(body['rendered'] ?? 0) + 1);
  }
  await Promise.all([rest, own]);
  if (mine !== generation) return;
  body['renderMs'] = String(Math.round(performance.now() - started));
  body['loaded'] = String(Number(body['loaded'] ?? 0) + 1);
}

/** The filters the URL gives that need no list from the server: dates, zone, urgency. */
function setFixedFilters(): void {
  fillZonePicker(field('time_zone') as HTMLSelectElement);
  const current = new URLSearchParams(location.search);
  for (const name of FILTERS)
    if (name !== 'team_id' && name !== 'service_id') field(name).value = current.get(name) ?? '';
  if (!field('time_zone').value) field('time_zone').value = VIEWER_ZONE;
}

async function loadFilterOptions(): Promise<void> {
  // Lists are paged (1,000 at most a page): read every page, for accounts with thousands of services.
  const all = async <T>(path: string, key: 'teams' | 'services'): Promise<T[]> => {
    const items: T[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await json<Record<string, unknown> & { total: number }>(
        `${path}?limit=1000&offset=${offset}`,
      );
      const rows = page[key] as T[];
      items.push(...rows);
      if (items.length >= page.total || rows.length === 0) return items;
    }
  };
  const [teams, services] = await Promise.all([
    all<TeamsResponse['teams'][number]>('/teams', 'teams'),
    all<ServicesResponse['services'][number]>('/services', 'services'),
  ]);
  const option = (o: { id: string; name: string }, teamIds: string[] = []) =>
    `<option value="${escapeHtml(o.id)}" data-teams="${escapeHtml(teamIds.join(' '))}">${escapeHtml(o.name)}</option>`;
  const teamsOf = new Map<string, string[]>();
  for (const t of teams)
    for (const s of t.services) teamsOf.set(s.id, [...(teamsOf.get(s.id) ?? []), t.id]);
  field('team_id').insertAdjacentHTML('beforeend', teams.map((t) => option(t)).join(''));
  field('service_id').insertAdjacentHTML(
    'beforeend',
    services.map((s) => option(s, teamsOf.get(s.id))).join(''),
  );
  const current = new URLSearchParams(location.search);
  for (const name of ['team_id', 'service_id'] as const)
    field(name).value = current.get(name) ?? '';
  narrowServices();
}

/** The service choice lists only the chosen team's services. */
function narrowServices(): void {
  const team = field('team_id').value;
  const select = field('service_id') as HTMLSelectElement;
  for (const option of select.options) {
    const teams = option.dataset['teams'];
    option.hidden = Boolean(team && option.value && !(teams ?? '').split(' ').includes(team));
  }
  if (select.selectedOptions[0]?.hidden) select.value = '';
}

function onFiltersChanged(): void {
  narrowServices();
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = field(name).value;
    if (value) params.set(name, value);
  }
  history.replaceState(null, '', params.toString() ? `?${params}` : location.pathname);
  void loadAll();
}

async function syncNow(): Promise<void> {
  const button = element<HTMLButtonElement>('sync-now');
  const status = element('last-sync');
  button.disabled = true;
  try {
    const started = (await (
      await api('/sync', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { id: string };
    const done = await pollUntil(async () => {
      const run = await json<SyncRunsByIdResponse>(`/sync/runs/${encodeURIComponent(started.id)}`);
      const progress = Object.entries(run.progress ?? {})
        .map(([k, v]) => `${k} ${v.written ?? 0}`)
        .join(', ');
      status.textContent = `Syncing… ${progress}`;
      return run.status !== 'running';
    }, SYNC_WATCH_MS);
    if (!done)
      status.textContent = `Still syncing after ${SYNC_WATCH_MS / 60_000} minutes; see /api/v1/sync/runs/${started.id}`;
    await loadAll();
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}

async function downloadReport(link: Element): Promise<void> {
  // Fetched (not followed) so the bearer token, when one is needed, goes with the request.
  const res = await api((link.getAttribute('href') ?? '').slice(API.length));
  const name =
    /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'report.csv';
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

filterForm().addEventListener('change', onFiltersChanged);
filterForm().addEventListener('reset', () => setTimeout(onFiltersChanged, 0));
element('sync-now').addEventListener('click', () => void syncNow());
bindServiceTableSort();
bindPayMonth(chart, filterQuery, showError);
element('toggle-all').addEventListener('click', () => {
  showAllServices = !showAllServices;
  void loadByService().catch(showError);
});
document.body.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const service = target?.closest('[data-service]');
  const id = service?.getAttribute('data-service');
  if (id) void openService(id).catch(showError);
  const report = target?.closest('[data-report]');
  if (report) {
    event.preventDefault();
    void downloadReport(report).catch(showError);
  }
});
window.addEventListener('resize', () => {
  for (const c of charts.values()) c.resize();
});

// The panels read their filters from the URL, so they need not wait for the lists of teams and
// services (two pages of 1,000 at 2,000 services); the zone picker is filled first, as the
// panels' periods are in its zone.
setFixedFilters();
await loadAll(() => loadFilterOptions().catch(showError));
