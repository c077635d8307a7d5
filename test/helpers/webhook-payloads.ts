// One realistic PagerDuty v3 webhook payload per event type, written from PagerDuty's developer
// documentation ("Webhooks v3 overview": the event types and the event data types), not from
// our simulator: references with html_url and self, nulls where PagerDuty sends them,
// incident_type, conference_bridge, 14-character ids, ULID and UUID event ids.

type Json = Record<string, unknown>;

const WEB = 'https://acme.pagerduty.com';
const API = 'https://api.pagerduty.com';

function ref(kind: string, path: string, id: string, summary: string | null): Json {
  return {
    html_url: `${WEB}/${path}/${id}`,
    id,
    self: `${API}/${path}/${id}`,
    summary,
    type: `${kind}_reference`,
  };
}

/** What a payload is about: an incident of the mirror, or one it lacks. */
export interface PayloadIncident {
  id: string;
  number: number;
  status: 'triggered' | 'acknowledged' | 'resolved';
  created_at: string;
  service_id: string;
  policy_id: string;
  title: string;
}

/** Every event type PagerDuty's v3 webhooks document, with what `data` is for each. */
export const WEBHOOK_EVENT_TYPES: Record<string, string> = {
  'incident.acknowledged': 'incident',
  'incident.annotated': 'incident_note',
  'incident.conference_bridge.updated': 'incident_conference_bridge',
  'incident.custom_field_values.updated': 'incident_field_values',
  'incident.delegated': 'incident',
  'incident.escalated': 'incident',
  'incident.incident_type.changed': 'incident',
  'incident.priority_updated': 'incident',
  'incident.reassigned': 'incident',
  'incident.reopened': 'incident',
  'incident.resolved': 'incident',
  'incident.responder.added': 'incident_responder',
  'incident.responder.replied': 'incident_responder',
  'incident.role.assigned': 'incident_role_assignment',
  'incident.service_updated': 'incident',
  'incident.status_update_published': 'incident_status_update',
  'incident.task.completed': 'incident_task',
  'incident.task.created': 'incident_task',
  'incident.task.updated': 'incident_task',
  'incident.triggered': 'incident',
  'incident.unacknowledged': 'incident',
  'incident.action_invocation.created': 'incident_action_invocation',
  'incident.action_invocation.terminated': 'incident_action_invocation',
  'incident.action_invocation.updated': 'incident_action_invocation',
  'incident.workflow.started': 'incident_workflow_instance',
  'incident.workflow.completed': 'incident_workflow_instance',
  'service.created': 'service',
  'service.custom_field_values.updated': 'service_field_values',
  'service.deleted': 'service',
  'service.updated': 'service',
  // The subscription's test event, and an event type PagerDuty may add one day.
  'pagey.ping': 'ping',
  'incident.postmortem.published': 'incident_postmortem',
};

const STATUS_OF: Record<string, PayloadIncident['status'] | undefined> = {
  'incident.acknowledged': 'acknowledged',
  'incident.resolved': 'resolved',
  'incident.triggered': 'triggered',
  'incident.unacknowledged': 'triggered',
  'incident.reopened': 'triggered',
};

function incidentData(eventType: string, incident: PayloadIncident): Json {
  const status = STATUS_OF[eventType] ?? incident.status;
  return {
    id: incident.id,
    type: 'incident',
    self: `${API}/incidents/${incident.id}`,
    html_url: `${WEB}/incidents/${incident.id}`,
    number: incident.number,
    status,
    incident_key: 'd3640fbd41094207a1c11e58e46b1662',
    created_at: incident.created_at,
    ...(eventType === 'incident.reopened' ? { reopened_at: new Date().toISOString() } : {}),
    title: incident.title,
    incident_type: { name: eventType === 'incident.incident_type.changed' ? 'major' : 'base' },
    service: ref('service', 'services', incident.service_id, 'API Service'),
    assignees: status === 'resolved' ? [] : [ref('user', 'users', 'PTUXL6GQ0SDD3H', 'User 123')],
    escalation_policy: ref(
      'escalation_policy',
      'escalation_policies',
      incident.policy_id,
      'Default',
    ),
    teams: [ref('team', 'teams', 'PFCVPS0', 'Engineering')],
    priority:
      eventType === 'incident.priority_updated'
        ? {
            html_url: `${WEB}/account/incident_priorities`,
            id: 'PSO75BM',
            self: `${API}/priorities/PSO75BM`,
            summary: 'P1',
            type: 'priority_reference',
          }
        : null,
    urgency: 'high',
    conference_bridge:
      eventType === 'incident.triggered'
        ? null
        : { conference_number: '+1 1234123412,,987654321#', conference_url: 'https://example.com' },
    resolve_reason: null,
  };
}

function subResourceData(dataType: string, incident: PayloadIncident): Json {
  const incidentRef = ref('incident', 'incidents', incident.id, incident.title);
  switch (dataType) {
    case 'incident_note':
      return {
        incident: incidentRef,
        id: 'P2LA89XQ0SDD3H',
        content: 'I sure am glad we are using PagerDuty!',
        trimmed: false,
        type: dataType,
      };
    case 'incident_status_update':
      return {
        incident: incidentRef,
        id: 'P2LA89XQ0SDD3I',
        message: 'A fix for this incident is being developed',
        trimmed: false,
        type: dataType,
      };
    case 'incident_conference_bridge':
      return {
        incident: incidentRef,
        conference_numbers: [{ label: '', number: '+1-555-555-5555' }],
        conference_url: 'https://example.com',
        type: dataType,
      };
    case 'incident_field_values':
      return {
        incident: { ...incidentRef, summary: null },
        custom_fields: [
          {
            data_type: 'string',
            field_type: 'single_value',
            id: 'PICFVXX',
            name: 'environment',
            namespace: 'incidents',
            type: 'field_value',
            value: 'production',
          },
        ],
        changed_custom_fields: [
          {
            data_type: 'string',
            field_type: 'single_value',
            id: 'PICFVXX',
            name: 'environment',
            namespace: 'incidents',
            type: 'field_value',
            value: 'staging',
          },
        ],
        type: dataType,
      };
    case 'incident_responder':
      // No id of its own: a responder request is about the incident and a user.
      return {
        incident: incidentRef,
        user: ref('user', 'users', 'PVMGSMLQ0SDD3H', 'Maeve'),
        escalation_policy: ref('escalation_policy', 'escalation_policies', 'PJFWPEP', 'The Policy'),
        message: 'Please help me make the tests pass',
        state: 'pending',
        type: dataType,
      };
    case 'incident_role_assignment':
      // No id and no incident of its own: the incident is in each assignment.
      return {
        type: dataType,
        incident_role_assignments: [
          {
            assignee: ref('user', 'users', 'P75B6QD', 'User 1810194'),
            id: 'af64b84c-137e-40c6-875c-5dd30a2afaaa',
            incident: { ...incidentRef, summary: null },
            old_assignee: null,
            role: { id: 'P8PQO4R', summary: 'Role Display Name', type: 'role_reference' },
            status: 'active',
            type: 'role_assignment_reference',
          },
        ],
      };
    case 'incident_task':
      return {
        name: 'A thing that needs to be done',
        description: 'A description of the task',
        id: 'PGR0VU2Q0SDD3H',
        summary: 'A thing that needs to be done',
        type: dataType,
        status: 'todo',
        assignees: [ref('user', 'users', 'PIV35G6', 'User 661768438')],
        incident: { ...incidentRef, summary: null },
      };
    case 'incident_action_invocation':
      return {
        id: '01CELD6T9C2JS745I7CAK0LRRF',
        self: `${API}/automation/invocations/01CELD6T9C2JS745I7CAK0LRRF`,
        html_url: `${WEB}/rundeck-actions/actions/01CDYN0IRV4VG991K5FR73YNTW/invocations/01CELD6T9C2JS745I7CAK0LRRF/report`,
        incident: incidentRef,
        action: {
          html_url: `${WEB}/rundeck-actions/actions/01CDYN0IRV4VG991K5FR73YNTW`,
          id: '01CDYN0IRV4VG991K5FR73YNTW',
          self: `${API}/automation/actions/01CDYN0IRV4VG991K5FR73YNTW`,
          summary: 'A Helpful Action',
          type: 'action_reference',
        },
        state: 'created',
        type: dataType,
      };
    case 'incident_workflow_instance':
      return {
        id: 'P3SNKQSQ0SDD3H',
        type: dataType,
        summary: 'A Workflow Instance Name',
        incident_workflow: ref('incident_workflow', 'incident_workflows', 'PSFEVL7', 'A Workflow'),
        workflow_trigger: {
          html_url: null,
          id: '4ad696eb-bb48-422a-8bd0-6efad6befa29',
          self: `${API}/incident_workflows/triggers/4ad696eb-bb48-422a-8bd0-6efad6befa29`,
          summary: 'Trigger Name',
          type: 'workflow_trigger_reference',
        },
        incident: incidentRef,
        service: ref('service', 'services', incident.service_id, 'A service'),
      };
    default:
      // A data type PagerDuty has not documented yet: it names its incident the usual way.
      return { id: 'PNEWTHINGQ0SDD', incident: incidentRef, type: dataType, status: 'published' };
  }
}

function serviceData(eventType: string, serviceId: string): Json {
  if (eventType === 'service.custom_field_values.updated')
    return {
      service: { ...ref('service', 'services', serviceId, null) },
      custom_fields: [
        {
          data_type: 'string',
          field_type: 'multi_value',
          id: 'P0CU101',
          name: 'string_multi_example_1',
          type: 'field_value',
          value: ['1', '2'],
        },
      ],
      changed_custom_fields: [],
      type: 'service_field_values',
    };
  return {
    html_url: `${WEB}/services/${serviceId}`,
    id: serviceId,
    self: `${API}/services/${serviceId}`,
    summary: 'testing service updates',
    alert_creation: 'create_alerts_and_incidents',
    teams: [ref('team', 'teams', 'PFCVPS0', 'Engineering')],
    type: 'service',
  };
}

/** A delivery of `eventType` about `incident` (or, for service events, `serviceId`). */
export function webhookPayload(
  eventType: string,
  options: { eventId: string; occurredAt: Date; incident: PayloadIncident; serviceId: string },
): Json {
  const dataType = WEBHOOK_EVENT_TYPES[eventType] ?? 'unknown';
  const resourceType = eventType.split('.')[0] ?? '';
  const data =
    dataType === 'incident'
      ? incidentData(eventType, options.incident)
      : resourceType === 'service'
        ? serviceData(eventType, options.serviceId)
        : dataType === 'ping'
          ? { message: 'Hello from your friend Pagey!', type: 'ping' }
          : subResourceData(dataType, options.incident);
  return {
    event: {
      id: options.eventId,
      event_type: eventType,
      resource_type: resourceType,
      occurred_at: options.occurredAt.toISOString(),
      agent: eventType.startsWith('service.')
        ? null
        : ref('user', 'users', 'PLH1HKVQ0SDD3H', 'Tenex Engineer'),
      client: dataType === 'ping' ? null : { name: 'PagerDuty' },
      data,
    },
  };
}
