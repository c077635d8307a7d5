import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKING_HOURS } from '../../src/time/working-hours.js';
import {
  computeIncidentFacts,
  type EvidenceEntry,
  type EvidenceIncident,
} from '../../src/mirror/incident-facts.js';

// The noise and parity facts from entries shaped as PagerDuty's log entries (its API reference:
// snooze_log_entry with changed_actions, urgency_change_log_entry, field_value_change_log_entry,
// entries whose agent or channel is null), read from what the mirror stores of them.

const T0 = Date.parse('2026-03-02T09:00:00Z');
const MIN = 60_000;
const context = { hours: DEFAULT_WORKING_HOURS, zoneOf: () => 'UTC' };

const incident = (over: Partial<EvidenceIncident> = {}): EvidenceIncident => ({
  id: 'PINC1',
  created_at: T0,
  resolved_at: null,
  status: 'resolved',
  urgency: 'high',
  service_id: 'PSVC1',
  escalation_policy_id: 'PEP1',
  priority_id: null,
  first_acknowledged_at: null,
  title: null,
  incident_key: null,
  alert_count: null,
  ...over,
});

let n = 0;
const entry = (
  type: string,
  minutes: number,
  over: Partial<EvidenceEntry> = {},
): EvidenceEntry => ({
  id: `R${String((n += 1)).padStart(4, '0')}`,
  type,
  created_at: T0 + minutes * MIN,
  agent_id: null,
  agent_type: null,
  channel_type: null,
  notification_type: null,
  user_id: null,
  assignee_ids: [],
  ...over,
});
const user = (id: string) => ({ agent_id: id, agent_type: 'user' });

describe('the noise and parity facts', () => {
  it('reads snoozes, reopens, assignments and engagement from the log', () => {
    const { facts } = computeIncidentFacts(
      incident({
        first_acknowledged_at: T0 + 2 * MIN,
        resolved_at: T0 + 200 * MIN,
        title: 'CPU 97% on 10.0.0.1',
        alert_count: 3,
      }),
      [
        entry('trigger_log_entry', 0, { agent_type: 'service', channel_type: 'api' }),
        entry('assign_log_entry', 0, { agent_type: 'service', assignee_ids: ['PU1'] }),
        entry('acknowledge_log_entry', 2, { ...user('PU1'), channel_type: 'mobile' }),
        // PagerDuty's snooze entry: its length is only in changed_actions, which is not stored.
        entry('snooze_log_entry', 3, user('PU1')),
        entry('urgency_change_log_entry', 10, { ...user('PU1'), channel_type: null }),
        entry('field_value_change_log_entry', 11, { agent_type: null }),
        entry('unacknowledge_log_entry', 63, { agent_type: 'service', channel_type: 'timeout' }),
        entry('escalate_log_entry', 64, {
          agent_type: 'service',
          channel_type: 'timeout',
          assignee_ids: ['PU2', 'PU3'],
        }),
        entry('acknowledge_log_entry', 70, user('PU2')),
        entry('acknowledge_log_entry', 75, user('PU3')),
        entry('resolve_log_entry', 100, user('PU2')),
        entry('notify_log_entry', 101, { user_id: 'PU2', notification_type: 'email' }),
        entry('trigger_log_entry', 150, { agent_type: 'service' }),
        entry('resolve_log_entry', 200, { agent_type: 'service' }),
      ],
      context,
    );
    expect(facts).toMatchObject({
      alert_count: 3,
      repeat_key: 't cpu <n>% on <ip>',
      reopened: true,
      assignment_count: 3,
      snoozed_seconds: 60 * 60,
      seconds_to_mobilize: 75 * 60,
      seconds_to_engage: 73 * 60,
      auto_resolved: true,
    });
  });

  it('answers neutral values for an incident PagerDuty told little about', () => {
    const { facts } = computeIncidentFacts(
      incident({ status: 'triggered' }),
      [entry('snooze_log_entry', 1, { agent_type: null }), entry('some_future_log_entry', 2)],
      context,
    );
    expect(facts).toMatchObject({
      alert_count: null,
      repeat_key: null,
      reopened: false,
      assignment_count: 0,
      // A snooze with no end logged yet counts once its end is.
      snoozed_seconds: 0,
      seconds_to_mobilize: null,
      seconds_to_engage: null,
    });
  });
});
