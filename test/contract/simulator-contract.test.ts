import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator-server.js';
import { createContractValidator } from '../helpers/pagerduty-contract.js';

const TOKEN = 'contract-token';
const NOW = Date.parse('2026-11-27T12:00:00Z');

describe('the simulator against PagerDuty official OpenAPI spec', () => {
  const contract = createContractValidator();
  const withIncluded = createContractValidator({ includedObjects: true });
  const account = new SimulatedAccount({ seed: 7, size: 'small', now: NOW });
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ account, token: TOKEN });
  });
  afterAll(() => sim.close());

  const get = async (path: string): Promise<unknown> => {
    const res = await fetch(`${sim.url}${path}`, {
      headers: {
        Authorization: `Token token=${TOKEN}`,
        Accept: 'application/vnd.pagerduty+json;version=2',
      },
    });
    expect(res.status, path).toBe(200);
    return res.json();
  };

  const deletedUser = account.entities.users.find((u) => u.deletedAt !== null);
  const someResolved =
    Array.from({ length: account.incidents.count }, (_, i) => i).find(
      (i) => account.incidents.status(i) === 'resolved',
    ) ?? 0;
  const someOpen =
    Array.from({ length: account.incidents.count }, (_, i) => i)
      .reverse()
      .find((i) => account.incidents.status(i) !== 'resolved') ?? 0;
  const incidentPath = (i: number) =>
    `/incidents/Q${i.toString(36).toUpperCase().padStart(6, '0')}`;

  const cases: [operation: string, path: string][] = [
    ['/services', '/services?limit=100&total=true'],
    ['/services', '/services?include[]=teams&include[]=escalation_policies&limit=5'],
    ['/services/{id}', `/services/${account.entities.services[1]?.id}`],
    ['/teams', '/teams?limit=100'],
    ['/teams/{id}/members', `/teams/${account.entities.teams[0]?.id}/members?limit=100`],
    ['/escalation_policies', '/escalation_policies?limit=100'],
    ['/schedules', '/schedules?limit=100'],
    [
      '/schedules/{id}',
      `/schedules/${account.entities.schedules[1]?.id}?since=2026-11-01T00:00:00Z&until=2026-12-01T00:00:00Z`,
    ],
    ['/schedules/{id}', `/schedules/${account.entities.schedules.at(-1)?.id}?time_zone=UTC`],
    ['/users', '/users?limit=100'],
    ['/users/{id}', `/users/${account.liveUsers()[0]?.id}`],
    ['/incidents', '/incidents?limit=100&total=true'],
    [
      '/incidents',
      '/incidents?since=2026-06-01T00:00:00Z&until=2026-11-28T00:00:00Z&time_zone=UTC&limit=100&statuses[]=resolved',
    ],
    ['/incidents/{id}', incidentPath(someResolved)],
    ['/incidents/{id}', incidentPath(someOpen)],
    ['/incidents/{id}/log_entries', `${incidentPath(someResolved)}/log_entries?limit=100`],
    [
      '/log_entries',
      '/log_entries?limit=100&since=2026-10-01T00:00:00Z&until=2026-11-28T00:00:00Z&time_zone=UTC',
    ],
    ['/log_entries', '/log_entries?limit=20&include[]=incidents'],
    // The sync's own requests: notifications with their medium (channel.notification).
    [
      '/log_entries',
      '/log_entries?limit=100&since=2026-10-01T00:00:00Z&until=2026-11-28T00:00:00Z&time_zone=UTC&include[]=channels',
    ],
    ['/log_entries', '/log_entries?limit=100&include[]=incidents&include[]=channels'],
    [
      '/incidents/{id}/log_entries',
      `${incidentPath(someResolved)}/log_entries?limit=100&include[]=channels`,
    ],
    ['/oncalls', '/oncalls?limit=100'],
    ['/oncalls', '/oncalls?limit=100&since=2026-11-27T00:00:00Z&until=2026-12-20T00:00:00Z'],
    ['/priorities', '/priorities'],
  ];

  it('covers every operation the client reads', () => {
    expect(new Set(cases.map(([op]) => op))).toEqual(new Set(contract.operations));
    expect(deletedUser).toBeDefined();
  });

  it.each(cases)('%s answers match the spec: %s', async (operation, path) => {
    const body = await get(path);
    const errors = (path.includes('include[]') ? withIncluded : contract).validate(operation, body);
    expect(errors.slice(0, 5), JSON.stringify(errors.slice(0, 5), null, 1)).toEqual([]);
  });

  it('validates for real: a wrong answer fails', () => {
    expect(
      contract.validate('/incidents/{id}', {
        incident: { id: 'Q1', type: 'incident', status: 'exploded' },
      }),
    ).not.toEqual([]);
    expect(
      contract.validate('/services', { services: [{ id: 'P1', name: 'x' }], limit: 'ten' }),
    ).not.toEqual([]);
    // Full objects pass only where include[] was asked for.
    const fullTeam = { id: 'PT1', type: 'team', name: 'Payments', summary: 'Payments' };
    const service = {
      id: 'PS1',
      type: 'service',
      name: 's',
      escalation_policy: { id: 'PE1', type: 'escalation_policy_reference' },
      teams: [fullTeam],
    };
    expect(contract.validate('/services/{id}', { service })).not.toEqual([]);
    expect(withIncluded.validate('/services/{id}', { service })).toEqual([]);
  });
});
