// The pd-analytics dashboard: plain browser JavaScript over the REST API, ECharts drawn in the
// page (served from the installed package: no CDN). Filters live in the URL so a view can be shared.

const API = '/api/v1';
const FILTERS = ['since', 'until', 'team_id', 'service_id', 'urgency'];
const STATUS_COLORS = { triggered: '#d9534f', acknowledged: '#f0ad4e', resolved: '#5cb85c' };
const TOP_SERVICES = 15;
const REPORTS = [
  ['incidents', 'All incidents', true],
  ['incidents_count_per_service', 'Incidents per service', true],
  ['incidents_status_count_by_service', 'Incidents by service and status', true],
  ['most_incidents', 'Service with most incidents', true],
  ['services', 'Services', true],
  ['services_count', 'Services count', false],
  ['teams', 'Teams', false],
  ['services_teams', 'Services and teams', false],
  ['escalation_policies', 'Escalation policies', false],
  ['escalation_policies_teams', 'Escalation policies and teams', false],
  ['escalation_policies_services', 'Escalation policies and services', false],
  ['inactive_users', 'Inactive users', false],
];

const charts = {};
let showAllServices = false;

function token() {
  return sessionStorage.getItem('pd-analytics-token') ?? '';
}

async function api(path, init = {}) {
  const headers = { ...(init.headers ?? {}) };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const res = await fetch(`${API}${path}`, { ...init, headers });
  if (res.status === 401) {
    const given = prompt(
      'This pd-analytics server needs a token (API_TOKEN, or ADMIN_TOKEN to sync):',
    );
    if (given) {
      sessionStorage.setItem('pd-analytics-token', given);
      return api(path, init);
    }
  }
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error(body?.error?.message ?? `${res.status} ${res.statusText}`);
  }
  return res;
}

const json = async (path) => (await api(path)).json();

function filterQuery(extra = {}) {
  const params = new URLSearchParams();
  const current = new URLSearchParams(location.search);
  for (const name of FILTERS) if (current.get(name)) params.set(name, current.get(name));
  for (const [k, v] of Object.entries(extra)) params.set(k, String(v));
  const text = params.toString();
  return text ? `?${text}` : '';
}

function text(value) {
  const span = document.createElement('span');
  span.textContent = value ?? '';
  return span.innerHTML;
}

function chart(id) {
  // Charts are drawn without animation (set in each option): screenshots and users see the final numbers at once.
  charts[id] ??= echarts.init(document.getElementById(id), null, { renderer: 'svg' });
  return charts[id];
}

function showError(error) {
  const box = document.getElementById('error');
  box.textContent = error ? `Could not load: ${error.message}` : '';
  box.hidden = !error;
}

async function loadCounts() {
  const [services, teams, policies, users, status] = await Promise.all([
    json('/services/count'),
    json('/teams/count'),
    json('/escalation-policies/count'),
    json('/users/count'),
    json(`/incidents/by-status${filterQuery()}`),
  ]);
  const values = {
    services: services.count,
    teams: teams.count,
    'escalation-policies': policies.count,
    users: users.count,
    open: status.triggered + status.acknowledged,
  };
  for (const [key, value] of Object.entries(values))
    document.querySelector(`[data-count="${key}"]`).textContent = value.toLocaleString();
  document.getElementById('empty').hidden = services.count > 0;
}

async function loadByService() {
  const { services } = await json(`/incidents/by-service${filterQuery()}`);
  const shown = showAllServices ? services : services.slice(0, TOP_SERVICES);
  const el = document.getElementById('chart-by-service');
  el.style.height = `${Math.max(380, shown.length * 22)}px`;
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
  c.on('click', (params) => openService(params.data.serviceId));
  document.getElementById('toggle-all').textContent = showAllServices
    ? `Top ${TOP_SERVICES}`
    : `Show all ${services.length}`;
}

async function loadMost() {
  const data = await json(`/services/chart${filterQuery()}`);
  document.getElementById('most-title').textContent = data.service_name
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
            itemStyle: { color: STATUS_COLORS[data.categories[i]] },
          })),
          label: { show: true, position: 'top' },
        },
      ],
    },
    true,
  );
}

async function loadOverTime() {
  const { periods } = await json(`/incidents/over-time${filterQuery({ interval: 'week' })}`);
  chart('chart-over-time').setOption(
    {
      animation: false,
      grid: { left: 50, right: 20, top: 30, bottom: 30 },
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      xAxis: { type: 'category', data: periods.map((p) => p.period) },
      yAxis: { type: 'value', minInterval: 1 },
      series: ['triggered', 'acknowledged', 'resolved'].map((s) => ({
        name: s,
        type: 'bar',
        stack: 'status',
        data: periods.map((p) => p[s]),
        itemStyle: { color: STATUS_COLORS[s] },
      })),
    },
    true,
  );
}

async function loadTables() {
  const [teams, policies, inactive] = await Promise.all([
    json(`/teams${filterQuery({ limit: 1000 })}`),
    json('/escalation-policies?limit=1000'),
    json('/users/inactive?limit=1000'),
  ]);
  document.querySelector('#teams tbody').innerHTML = teams.teams
    .map(
      (t) =>
        `<tr><td>${text(t.name)}</td><td>${t.service_count}</td><td>${t.services.map((s) => `<a data-service="${text(s.id)}">${text(s.name)}</a> (${s.incident_count})`).join(', ')}</td></tr>`,
    )
    .join('');
  document.querySelector('#policies tbody').innerHTML = policies.escalation_policies
    .map(
      (p) =>
        `<tr><td>${text(p.name)}</td><td>${p.teams.map((t) => text(t.name ?? t.id)).join(', ')}</td><td>${p.services.map((s) => `<a data-service="${text(s.id)}">${text(s.name)}</a>`).join(', ')}</td><td>${p.rules.length}</td></tr>`,
    )
    .join('');
  document.querySelector('#inactive tbody').innerHTML = inactive.users
    .map(
      (u) =>
        `<tr><td>${text(u.name)}</td><td>${u.reasons.map((r) => `<span class="reason">${text(r.replaceAll('_', ' '))}</span>`).join('')}</td><td>${u.schedules.map((s) => text(s.name ?? s.id)).join(', ')}</td></tr>`,
    )
    .join('');
}

async function loadSyncStatus() {
  const { runs } = await json('/sync/runs?limit=1');
  const run = runs[0];
  document.getElementById('last-sync').textContent = run
    ? `Last sync: ${run.kind}, ${run.status}, ${new Date(run.finished_at ?? run.started_at).toLocaleString()}`
    : 'Never synced';
  return run;
}

function renderReports() {
  document.getElementById('reports').innerHTML = REPORTS.map(
    ([name, label, filtered]) =>
      `<li><a data-report="${name}" href="${API}/reports/${name}${filtered ? filterQuery() : ''}">${text(label)}</a></li>`,
  ).join('');
}

async function openService(id) {
  const s = await json(`/services/${encodeURIComponent(id)}${filterQuery()}`);
  document.getElementById('service-name').textContent = s.name;
  const rows = [
    ['Status', s.status],
    ['Incidents', s.incident_count],
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
  document.getElementById('service-details').innerHTML = rows
    .map(([k, v]) => `<dt>${text(k)}</dt><dd>${text(String(v))}</dd>`)
    .join('');
  document.getElementById('service-dialog').showModal();
}

async function loadAll() {
  const started = performance.now();
  showError(null);
  renderReports();
  try {
    await Promise.all([
      loadCounts(),
      loadByService(),
      loadMost(),
      loadOverTime(),
      loadTables(),
      loadSyncStatus(),
    ]);
  } catch (error) {
    showError(error);
  }
  document.body.dataset.renderMs = String(Math.round(performance.now() - started));
  document.body.dataset.loaded = String(Number(document.body.dataset.loaded ?? 0) + 1);
}

async function loadFilterOptions() {
  // Lists are paged (1,000 at most a page): read every page, for accounts with thousands of services.
  const all = async (path, key) => {
    const items = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await json(`${path}?limit=1000&offset=${offset}`);
      items.push(...page[key]);
      if (items.length >= page.total || page[key].length === 0) return { [key]: items };
    }
  };
  const [teams, services] = await Promise.all([
    all('/teams', 'teams'),
    all('/services', 'services'),
  ]);
  const form = document.getElementById('filters');
  form.team_id.insertAdjacentHTML(
    'beforeend',
    teams.teams.map((t) => `<option value="${text(t.id)}">${text(t.name)}</option>`).join(''),
  );
  form.service_id.insertAdjacentHTML(
    'beforeend',
    services.services.map((s) => `<option value="${text(s.id)}">${text(s.name)}</option>`).join(''),
  );
  const current = new URLSearchParams(location.search);
  for (const name of FILTERS) form[name].value = current.get(name) ?? '';
}

function onFiltersChanged() {
  const form = document.getElementById('filters');
  const params = new URLSearchParams();
  for (const name of FILTERS) if (form[name].value) params.set(name, form[name].value);
  history.replaceState(null, '', params.toString() ? `?${params}` : location.pathname);
  void loadAll();
}

async function syncNow() {
  const button = document.getElementById('sync-now');
  button.disabled = true;
  try {
    const started = await (
      await api('/sync', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
    ).json();
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const run = await json(`/sync/runs/${started.id}`);
      const progress = Object.entries(run.progress ?? {})
        .map(([k, v]) => `${k} ${v.written}`)
        .join(', ');
      document.getElementById('last-sync').textContent = `Syncing… ${progress}`;
      if (run.status !== 'running') break;
    }
    await loadAll();
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}

async function downloadReport(link) {
  // Fetched (not followed) so the bearer token, when one is needed, goes with the request.
  const res = await api(link.getAttribute('href').slice(API.length));
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

document.getElementById('filters').addEventListener('change', onFiltersChanged);
document.getElementById('filters').addEventListener('reset', () => setTimeout(onFiltersChanged, 0));
document.getElementById('sync-now').addEventListener('click', () => void syncNow());
document.getElementById('toggle-all').addEventListener('click', () => {
  showAllServices = !showAllServices;
  void loadByService().catch(showError);
});
document.body.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const service = target?.closest('[data-service]');
  if (service) void openService(service.getAttribute('data-service')).catch(showError);
  const report = target?.closest('[data-report]');
  if (report) {
    event.preventDefault();
    void downloadReport(report).catch(showError);
  }
});
window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));

await loadFilterOptions().catch(showError);
await loadAll();
