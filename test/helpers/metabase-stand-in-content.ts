import type { Exchange } from './metabase-stand-in.js';
import {
  isBoolean,
  isMap,
  isNonBlank,
  isNonNegativeInt,
  isPositiveInt,
  MSG,
  nullable,
  validate,
  type Check,
} from './metabase-stand-in-rules.js';

/**
 * Collections, cards and dashboards of the Metabase stand-in (see metabase-stand-in.ts: a mock,
 * because Metabase cannot run here). Each handler names the Metabase v0.50 file it follows.
 */

export interface DashCard {
  id: number;
  card_id: number | null;
  row: number;
  col: number;
  size_x: number;
  size_y: number;
  dashboard_tab_id: number | null;
  action_id: number | null;
  parameter_mappings: unknown[];
  visualization_settings: Record<string, unknown>;
  series: number[];
}
export interface DashTab {
  id: number;
  name: string;
  position: number;
}
export interface StoredDashboard {
  id: number;
  name: string;
  collection_id: number | null;
  parameters: unknown[];
  dashcards: DashCard[];
  tabs: DashTab[];
}

const isParameter: Check = (v) => isMap(v) && isNonBlank((v as Record<string, unknown>)['id']);
const isParameters: Check = (v) =>
  v === undefined || v === null || (Array.isArray(v) && v.every(isParameter));

/** ms/maps-with-unique-key: a sequence of maps with distinct ids, each valid. */
function uniqueMaps(each: (item: Record<string, unknown>) => boolean): Check {
  return (v) => {
    if (v === undefined || v === null) return true;
    if (!Array.isArray(v) || !v.every((i) => isMap(i) && each(i as Record<string, unknown>)))
      return false;
    const ids = v.map((i) => (i as Record<string, unknown>)['id']);
    return new Set(ids).size === ids.length;
  };
}

/** api/dashboard.clj UpdatedDashboardCard. */
const isUpdatedDashCard = (d: Record<string, unknown>) =>
  Number.isInteger(d['id']) &&
  isPositiveInt(d['size_x']) &&
  isPositiveInt(d['size_y']) &&
  isNonNegativeInt(d['row']) &&
  isNonNegativeInt(d['col']) &&
  (d['parameter_mappings'] === undefined ||
    d['parameter_mappings'] === null ||
    (Array.isArray(d['parameter_mappings']) &&
      d['parameter_mappings'].every(
        (p) => isMap(p) && isNonBlank((p as Record<string, unknown>)['parameter_id']),
      ))) &&
  (d['series'] === undefined ||
    d['series'] === null ||
    (Array.isArray(d['series']) && d['series'].every(isMap)));
/** api/dashboard.clj UpdatedDashboardTab. */
const isUpdatedTab = (t: Record<string, unknown>) =>
  Number.isInteger(t['id']) && isNonBlank(t['name']);

export function handleContent(ex: Exchange): boolean {
  const { body, state, json, text, route, minor, newId } = ex;
  const sendJson = (status: number, answer: unknown): true => {
    json(status, answer);
    return true;
  };
  const sendText = (status: number, answer: string): true => {
    text(status, answer);
    return true;
  };
  let m: RegExpExecArray | null;

  // api/collection.clj GET "/": Root first, then every readable, non-archived collection.
  if (route('GET', /^\/api\/collection$/)) {
    json(
      200,
      state.collections.filter((c) => !c['archived']),
    );
    return true;
  }
  // api/collection.clj POST "/": name non-blank, description non-blank or null, parent_id
  // positive; `color` is no longer a key (0.48), required before.
  if (route('POST', /^\/api\/collection$/)) {
    const invalid = validate(body, {
      name: [isNonBlank, MSG.nonBlank],
      description: [nullable(isNonBlank), MSG.nullableNonBlank],
      parent_id: [nullable(isPositiveInt), MSG.nullablePositiveInt],
      ...(minor < 48
        ? {
            color: [
              (v: unknown) => typeof v === 'string' && /^#[0-9A-Fa-f]{6}$/.test(v),
              'value must be a string that matches the regex ^#[0-9A-Fa-f]{6}$.',
            ] as [Check, string],
          }
        : {}),
    });
    if (invalid) return sendJson(400, invalid);
    const c = {
      id: newId(),
      name: body['name'],
      description: body['description'] ?? null,
      location: '/',
      personal_owner_id: null,
      archived: false,
    };
    state.collections.push(c);
    json(200, c);
    return true;
  }
  // api/collection.clj GET "/:id/items": {total, data, models, limit, offset}; `model` is
  // `card` for questions (`dataset` for models, `metric`), archived items left out.
  if ((m = route('GET', /^\/api\/collection\/(\d+)\/items$/))) {
    const cid = Number(m[1]);
    if (!state.collections.some((c) => c['id'] === cid)) return sendText(404, 'Not found.');
    const models = ex.url.searchParams.getAll('models');
    const data = [
      ...state.cards
        .filter((c) => c['collection_id'] === cid && !c['archived'])
        .map((c) => ({
          id: c['id'],
          name: c['name'],
          model: 'card',
          display: c['display'],
          description: c['description'],
        })),
      ...state.dashboards
        .filter((d) => d.collection_id === cid)
        .map((d) => ({ id: d.id, name: d.name, model: 'dashboard' })),
    ].filter((i) => models.length === 0 || models.includes(i.model));
    json(200, { total: data.length, data, models, limit: null, offset: null });
    return true;
  }

  const cardSchema = (create: boolean): Record<string, [Check, string]> => ({
    name: create ? [isNonBlank, MSG.nonBlank] : [nullable(isNonBlank), MSG.nullableNonBlank],
    display: create ? [isNonBlank, MSG.nonBlank] : [nullable(isNonBlank), MSG.nullableNonBlank],
    dataset_query: create ? [isMap, MSG.map] : [nullable(isMap), MSG.nullableMap],
    visualization_settings: create ? [isMap, MSG.map] : [nullable(isMap), MSG.nullableMap],
    description: create
      ? [nullable(isNonBlank), MSG.nullableNonBlank]
      : [nullable((v) => typeof v === 'string'), MSG.nullableString],
    collection_id: [nullable(isPositiveInt), MSG.nullablePositiveInt],
    archived: [nullable(isBoolean), MSG.nullableBoolean],
  });
  /**
   * Saving a query checks the permissions to run it (api/card.clj check-permissions-for-query),
   * which fails for a database that does not exist. The exact status is not verified here.
   */
  const unknownDatabase = (query: unknown) => {
    const id = (query as { database?: unknown } | undefined)?.database;
    return !state.databases.some((d) => d.id === id);
  };
  // api/card.clj POST "/": name, display, dataset_query and visualization_settings required.
  if (route('POST', /^\/api\/card$/)) {
    const invalid = validate(body, cardSchema(true));
    if (invalid) return sendJson(400, invalid);
    if (unknownDatabase(body['dataset_query']))
      return sendJson(400, { message: 'The query names a database that does not exist.' });
    const card = {
      id: newId(),
      name: body['name'],
      description: body['description'] ?? null,
      collection_id: body['collection_id'] ?? null,
      display: body['display'],
      dataset_query: body['dataset_query'],
      visualization_settings: body['visualization_settings'],
      archived: false,
    };
    state.cards.push(card);
    json(200, card);
    return true;
  }
  // api/card.clj GET/PUT "/:id": PUT updates the keys sent.
  if ((m = route('GET', /^\/api\/card\/(\d+)$/)) || (m = route('PUT', /^\/api\/card\/(\d+)$/))) {
    const card = state.cards.find((c) => c['id'] === Number(m?.[1]));
    if (!card) return sendText(404, 'Not found.');
    if (ex.method === 'PUT') {
      const invalid = validate(body, cardSchema(false));
      if (invalid) return sendJson(400, invalid);
      if (body['dataset_query'] && unknownDatabase(body['dataset_query']))
        return sendJson(400, { message: 'The query names a database that does not exist.' });
      for (const k of Object.keys(cardSchema(false))) if (k in body) card[k] = body[k];
    }
    json(200, card);
    return true;
  }

  // api/dashboard.clj POST "/": name non-blank; parameters maps with an id; no dashcards.
  if (route('POST', /^\/api\/dashboard$/)) {
    const invalid = validate(body, {
      name: [isNonBlank, MSG.nonBlank],
      description: [nullable((v) => typeof v === 'string'), MSG.nullableString],
      parameters: [isParameters, MSG.parameters],
      collection_id: [nullable(isPositiveInt), MSG.nullablePositiveInt],
    });
    if (invalid) return sendJson(400, invalid);
    const d: StoredDashboard = {
      id: newId(),
      name: String(body['name']),
      collection_id: (body['collection_id'] as number | undefined) ?? null,
      parameters: (body['parameters'] as unknown[] | undefined) ?? [],
      dashcards: [],
      tabs: [],
    };
    state.dashboards.push(d);
    json(200, { ...present(d), archived: false });
    return true;
  }
  const dashboardOf = (raw: string | undefined) =>
    state.dashboards.find((d) => d.id === Number(raw));
  function present(d: StoredDashboard) {
    const dashcards = d.dashcards.map((dc) => ({
      ...dc,
      card: state.cards.find((c) => c['id'] === dc.card_id) ?? null,
      series: dc.series.map((id) => state.cards.find((c) => c['id'] === id) ?? { id }),
    }));
    const tabs = d.tabs.map((t) => ({ ...t, dashboard_id: d.id }));
    const base = {
      id: d.id,
      name: d.name,
      collection_id: d.collection_id,
      parameters: d.parameters,
    };
    return minor >= 48
      ? { ...base, dashcards, tabs }
      : { ...base, ordered_cards: dashcards, ordered_tabs: tabs };
  }
  const toDashCard = (i: Record<string, unknown>, id: number, old?: DashCard): DashCard => {
    const pick = <K extends keyof DashCard>(k: K, fallback: DashCard[K]): DashCard[K] =>
      k in i ? (i[k] as DashCard[K]) : old ? old[k] : fallback;
    return {
      id,
      card_id: pick('card_id', null),
      row: pick('row', 0),
      col: pick('col', 0),
      size_x: pick('size_x', 1),
      size_y: pick('size_y', 1),
      dashboard_tab_id: pick('dashboard_tab_id', null),
      action_id: pick('action_id', null),
      parameter_mappings: pick('parameter_mappings', []) ?? [],
      visualization_settings: pick('visualization_settings', {}) ?? {},
      series: Array.isArray(i['series'])
        ? (i['series'] as { id: number }[]).map((s) => s.id)
        : (old?.series ?? []),
    };
  };
  /**
   * api/dashboard.clj update-dashboard (0.48+ PUT "/:id", 0.47 PUT "/:id/cards"): tabs sent
   * replace the tabs (negative ids create; a tab left out is deleted with its dashcards); when
   * the dashboard has tabs every dashcard needs one; dashcards sent replace the dashcards
   * (negative ids create, a known id updates the keys sent, one left out is deleted); placing an
   * archived card answers 404.
   */
  const replaceDashCards = (
    d: StoredDashboard,
    items: Record<string, unknown>[],
    tabItems: Record<string, unknown>[],
  ): boolean => {
    if (d.tabs.length > 0 && !items.every((i) => i['dashboard_tab_id'] != null)) {
      text(400, 'This dashboard has tab, makes sure every card has a tab');
      return false;
    }
    for (const i of items) {
      const card = state.cards.find((c) => c['id'] === i['card_id']);
      if (card?.['archived'] && !d.dashcards.some((dc) => dc.id === i['id'])) {
        json(404, { message: 'The object has been archived.', error_code: 'archived' });
        return false;
      }
    }
    const tabIds = new Map<number, number>();
    d.tabs = tabItems.map((t, position) => {
      const sent = Number(t['id']);
      const id = d.tabs.some((old) => old.id === sent) ? sent : newId();
      tabIds.set(sent, id);
      return { id, name: String(t['name']), position };
    });
    const live = new Set(d.tabs.map((t) => t.id));
    const current = d.dashcards.filter(
      (dc) => dc.dashboard_tab_id == null || live.has(dc.dashboard_tab_id),
    );
    d.dashcards = items.map((i) => {
      const old = current.find((dc) => dc.id === i['id']);
      const tab = i['dashboard_tab_id'];
      const fixed =
        typeof tab === 'number' && tabIds.has(tab)
          ? { ...i, dashboard_tab_id: tabIds.get(tab) }
          : i;
      return toDashCard(fixed, old ? old.id : newId(), old);
    });
    return true;
  };

  if ((m = route('GET', /^\/api\/dashboard\/(\d+)$/))) {
    const d = dashboardOf(m[1]);
    if (d) json(200, present(d));
    else text(404, 'Not found.');
    return true;
  }
  // api/dashboard.clj PUT "/:id" (0.48+ takes dashcards and tabs).
  if ((m = route('PUT', /^\/api\/dashboard\/(\d+)$/))) {
    const d = dashboardOf(m[1]);
    if (!d) return sendText(404, 'Not found.');
    const invalid = validate(body, {
      name: [nullable(isNonBlank), MSG.nullableNonBlank],
      description: [nullable((v) => typeof v === 'string'), MSG.nullableString],
      parameters: [isParameters, MSG.parameters],
      ...(minor >= 48
        ? {
            dashcards: [uniqueMaps(isUpdatedDashCard), MSG.uniqueIds] as [Check, string],
            tabs: [uniqueMaps(isUpdatedTab), MSG.uniqueIds] as [Check, string],
          }
        : {}),
    });
    if (invalid) return sendJson(400, invalid);
    if (minor >= 48 && 'dashcards' in body) {
      const items = (body['dashcards'] ?? []) as Record<string, unknown>[];
      const tabs = (body['tabs'] ?? []) as Record<string, unknown>[];
      if (!replaceDashCards(d, items, tabs)) return true;
    }
    if (isNonBlank(body['name'])) d.name = String(body['name']);
    if (Array.isArray(body['parameters'])) d.parameters = body['parameters'];
    json(200, present(d));
    return true;
  }
  // 0.47 PUT "/:id/cards" {cards, ordered_tabs} replaces the set; up to 0.46 it only
  // repositions known dashcards.
  if ((m = route('PUT', /^\/api\/dashboard\/(\d+)\/cards$/)) && minor <= 47) {
    const d = dashboardOf(m[1]);
    if (!d) return sendText(404, 'Not found.');
    const items = (body['cards'] ?? []) as Record<string, unknown>[];
    if (!uniqueMaps(isUpdatedDashCard)(items))
      return sendJson(400, { errors: { cards: MSG.uniqueIds } });
    if (minor <= 46) {
      if (items.some((i) => Number(i['id']) < 0))
        return sendJson(400, { message: 'Invalid dashcard id' });
      for (const i of items) {
        const old = d.dashcards.findIndex((dc) => dc.id === i['id']);
        const existing = d.dashcards[old];
        if (existing) d.dashcards[old] = toDashCard(i, existing.id, existing);
      }
    } else if (
      !replaceDashCards(d, items, (body['ordered_tabs'] ?? []) as Record<string, unknown>[])
    )
      return true;
    json(200, { cards: d.dashcards, tabs: d.tabs });
    return true;
  }
  // ≤0.46 POST "/:id/cards" adds one dashcard (cardId); 0.47 removed it.
  if ((m = route('POST', /^\/api\/dashboard\/(\d+)\/cards$/)) && minor <= 46) {
    const d = dashboardOf(m[1]);
    if (!d) return sendText(404, 'Not found.');
    const dc = toDashCard({ ...body, card_id: body['cardId'] }, newId());
    d.dashcards.push(dc);
    json(200, dc);
    return true;
  }
  return false;
}
