import { arr, int, NAMED, nullableStr, obj, str } from './common.js';

export const TEAM = obj({
  id: str(),
  name: str(),
  description: nullableStr,
  service_count: int(),
  services: arr(obj({ id: str(), name: str(), incident_count: int() })),
});

export const ESCALATION_POLICY = obj({
  id: str(),
  name: str(),
  description: nullableStr,
  num_loops: int(),
  teams: arr(NAMED),
  services: arr(obj({ id: str(), name: str() })),
  rules: arr(
    obj({
      id: str(),
      position: int(),
      escalation_delay_in_minutes: int(),
      targets: arr(
        obj({
          type: { type: 'string', enum: ['user', 'schedule', 'schedule_v3'] },
          id: str(),
          name: nullableStr,
        }),
      ),
    }),
  ),
});

export const INACTIVE_USER = obj({
  id: str(),
  name: str(),
  email: nullableStr,
  deleted_at: nullableStr,
  reasons: arr({
    type: 'string',
    enum: ['deleted', 'invitation_pending', 'no_upcoming_shift'],
  }),
  schedule_count: int(),
  schedules: arr(NAMED),
  escalation_policies: arr(NAMED),
});
