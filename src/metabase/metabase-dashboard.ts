import type { MetabaseClient } from './metabase-client.js';

/** Where a question goes on Metabase's 24-column grid. */
export interface DashboardPlacement {
  cardId: number;
  layout: { row: number; col: number; size_x: number; size_y: number };
}

/** A dashcard as GET /api/dashboard/:id lists it (the keys PUT takes back). */
interface DashCard {
  id: number;
  card_id: number | null;
  row: number;
  col: number;
  size_x: number;
  size_y: number;
  dashboard_tab_id?: number | null;
  action_id?: number | null;
  parameter_mappings?: unknown[] | null;
  visualization_settings?: Record<string, unknown> | null;
  series?: { id: number }[] | null;
}
interface Tab {
  id: number;
  name: string;
  position?: number;
}

/**
 * A dashcard sent back as it is. Metabase v0.50 (api/dashboard.clj, update-dashboard) deletes
 * every dashcard a PUT leaves out, deletes every tab it leaves out with the dashcards on it, and
 * updates a kept dashcard's keys that are present; `series` go back as their card ids.
 */
function asSent(d: DashCard): Record<string, unknown> {
  return {
    id: d.id,
    card_id: d.card_id,
    row: d.row,
    col: d.col,
    size_x: d.size_x,
    size_y: d.size_y,
    ...(d.dashboard_tab_id !== undefined ? { dashboard_tab_id: d.dashboard_tab_id } : {}),
    ...(d.action_id !== undefined ? { action_id: d.action_id } : {}),
    ...(Array.isArray(d.parameter_mappings) ? { parameter_mappings: d.parameter_mappings } : {}),
    ...(d.visualization_settings ? { visualization_settings: d.visualization_settings } : {}),
    ...(Array.isArray(d.series) ? { series: d.series.map((s) => ({ id: s.id })) } : {}),
  };
}

/**
 * Adds to the dashboard the questions not yet on it and leaves everything else as it is:
 * dashcards users added, tabs, and where users moved ours. The first run lays the questions out
 * as placed; questions added later go below what is on the dashboard (on its first tab), keeping
 * their layout among themselves. 0.48+ takes the whole set in PUT /api/dashboard/:id (negative
 * ids create); 0.47 in PUT /api/dashboard/:id/cards; up to 0.46 new cards are added one by one on
 * an 18-column grid. Answers whether anything was added.
 */
export async function layOutDashboard(
  client: MetabaseClient,
  dashboardId: number,
  placements: readonly DashboardPlacement[],
  minor: number,
): Promise<boolean> {
  const dashboard = await client.request<{
    dashcards?: DashCard[];
    ordered_cards?: DashCard[];
    tabs?: Tab[];
    ordered_tabs?: Tab[];
  }>('GET', `/api/dashboard/${dashboardId}`);
  const current = dashboard.dashcards ?? dashboard.ordered_cards ?? [];
  const tabs = [...(dashboard.tabs ?? dashboard.ordered_tabs ?? [])].sort(
    (a, b) => (a.position ?? 0) - (b.position ?? 0),
  );
  const placed = new Set(current.map((d) => d.card_id));
  const missing = placements.filter((p) => !placed.has(p.cardId));
  if (missing.length === 0) return false;

  const tabId = tabs[0]?.id;
  const onTab = current.filter((d) => tabId === undefined || d.dashboard_tab_id === tabId);
  const bottom = Math.max(0, ...onTab.map((d) => d.row + d.size_y));
  const top = Math.min(...missing.map((p) => p.layout.row));
  const shift = current.length === 0 ? 0 : bottom - top;
  const scale = minor <= 46 ? 18 / 24 : 1;
  let next = -1;
  const added = missing.map((p) => ({
    id: next--,
    card_id: p.cardId,
    row: p.layout.row + shift,
    col: Math.round(p.layout.col * scale),
    size_x: Math.max(1, Math.round(p.layout.size_x * scale)),
    size_y: p.layout.size_y,
    ...(tabId === undefined ? {} : { dashboard_tab_id: tabId }),
    parameter_mappings: [],
    visualization_settings: {},
    series: [],
  }));
  const all = [...current.map(asSent), ...added];
  const sentTabs = tabs.map((t) => ({ id: t.id, name: t.name }));

  if (minor >= 48) {
    await client.request('PUT', `/api/dashboard/${dashboardId}`, {
      dashcards: all,
      tabs: sentTabs,
    });
  } else if (minor === 47) {
    await client.request('PUT', `/api/dashboard/${dashboardId}/cards`, {
      cards: all,
      ordered_tabs: sentTabs,
    });
  } else {
    for (const card of added) {
      await client.request('POST', `/api/dashboard/${dashboardId}/cards`, {
        cardId: card.card_id,
        row: card.row,
        col: card.col,
        size_x: card.size_x,
        size_y: card.size_y,
        parameter_mappings: [],
        series: [],
      });
    }
  }
  return true;
}
