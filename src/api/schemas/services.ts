import { arr, int, NAMED, nullableStr, obj, STATUS_BREAKDOWN, str } from './common.js';

export const SERVICE_SUMMARY = obj({
  id: str(),
  name: str(),
  status: nullableStr,
  incident_count: int(),
});

export const SERVICE_DETAIL = obj({
  id: str(),
  name: str(),
  description: nullableStr,
  status: nullableStr,
  created_at: nullableStr,
  last_incident_timestamp: nullableStr,
  html_url: nullableStr,
  deleted_at: {
    type: ['string', 'null'],
    description: 'When the service was seen gone from PagerDuty; null while it exists',
  },
  incident_count: int(),
  status_breakdown: STATUS_BREAKDOWN,
  escalation_policy: {
    type: ['object', 'null'],
    properties: { id: str(), name: nullableStr },
  },
  teams: arr(NAMED),
});

export const SERVICE_STATUS = obj({
  service_id: str(),
  service_name: str(),
  triggered: int(),
  acknowledged: int(),
  resolved: int(),
  total: int(),
});

export const MOST_INCIDENTS = obj(
  {
    service_id: str(),
    service_name: str(),
    total_incidents: int(),
    status_breakdown: STATUS_BREAKDOWN,
  },
  {
    example: {
      service_id: 'PV00002',
      service_name: 'Search API',
      total_incidents: 180,
      status_breakdown: { triggered: 2, acknowledged: 1, resolved: 177 },
    },
  },
);

export const CHART = obj({
  title: str(),
  service_id: nullableStr,
  service_name: nullableStr,
  total_incidents: int(),
  categories: arr(str()),
  values: arr(int()),
  colors: arr(str('The colour of each category, as the PNG and the dashboard draw it')),
});
