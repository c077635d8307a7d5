import { arr, int, nullableStr, obj, str } from './common.js';

export const INCIDENT = obj({
  id: str(),
  incident_number: int(),
  title: nullableStr,
  status: str(),
  urgency: nullableStr,
  service_id: nullableStr,
  service_name: nullableStr,
  priority_id: nullableStr,
  escalation_policy_id: nullableStr,
  created_at: nullableStr,
  updated_at: nullableStr,
  first_acknowledged_at: nullableStr,
  resolved_at: nullableStr,
  seconds_to_first_ack: {
    type: ['integer', 'null'],
    description: 'Seconds from creation to the first acknowledgement; null when never acknowledged',
  },
  seconds_to_resolve: {
    type: ['integer', 'null'],
    description: 'Seconds from creation to the (last) resolve; null while open',
  },
  html_url: nullableStr,
});

export const BY_SERVICE = obj({
  services: arr(
    obj({
      service_id: str(),
      service_name: nullableStr,
      service_deleted: { type: 'boolean' },
      incident_count: int(),
    }),
  ),
  total_incidents: int(),
});

export const BY_STATUS = obj(
  { triggered: int(), acknowledged: int(), resolved: int(), total: int() },
  { example: { triggered: 4, acknowledged: 2, resolved: 594, total: 600 } },
);

export const OVER_TIME = obj({
  interval: str(),
  time_zone: str('The zone the periods are days, weeks or months of'),
  colors: obj(
    { triggered: str(), acknowledged: str(), resolved: str() },
    { description: 'The colour of each status in the charts' },
  ),
  periods: arr(
    obj({
      period: str('First day of the period, in time_zone'),
      start: str('The instant the period starts, with the offset of time_zone then'),
      triggered: int(),
      acknowledged: int(),
      resolved: int(),
      total: int(),
    }),
  ),
});
