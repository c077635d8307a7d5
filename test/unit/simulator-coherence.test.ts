import { describe, expect, it } from 'vitest';
import { SimulatedAccount } from '../../src/simulator/simulated-account.js';
import { SIM_NOW } from '../helpers/simulator-fixture.js';

// The demo's account must not contradict itself (issue 22): a user still "invitation pending"
// acknowledged incidents, and a user deleted in May acted in July.

describe('the simulated account', () => {
  const account = new SimulatedAccount({ seed: 42, size: 'small', now: SIM_NOW });
  const users = new Map(account.entities.users.map((u) => [u.id, u]));

  it('lets no invited user act, and no deleted user act after their deletion', () => {
    const store = account.incidents;
    let acts = 0;
    for (let i = 0; i < store.count; i += 1) {
      for (const event of store.stateAt(i, account.now).events) {
        const who = [
          ...(event.agent.type === 'user_reference' ? [event.agent.id] : []),
          ...(event.userId ? [event.userId] : []),
          ...(event.assignees ?? []),
        ];
        for (const id of who) {
          const user = users.get(id);
          acts += 1;
          expect(user?.invitation_sent, `${id} invited, ${event.type}`).toBe(false);
          if (user?.deletedAt != null)
            expect(event.at, `${id} deleted, ${event.type}`).toBeLessThan(user.deletedAt);
        }
      }
    }
    expect(acts).toBeGreaterThan(1000);
    // Both kinds of inactive user still exist, on a schedule, for the inactive-users report.
    const onSchedules = new Set(
      account.entities.schedules.flatMap((s) => s.layers.flatMap((l) => l.userIds)),
    );
    const inactive = account.entities.users.filter((u) => onSchedules.has(u.id));
    expect(inactive.some((u) => u.invitation_sent && u.deletedAt === null)).toBe(true);
    expect(inactive.some((u) => u.deletedAt !== null)).toBe(true);
  });

  it('has direct escalation targets, as a minority of the targets', () => {
    const targets = account.entities.policies.flatMap((p) => p.rules.flatMap((r) => r.targets));
    const direct = targets.filter((t) => t.type === 'user_reference');
    expect(direct.length).toBeGreaterThan(0);
    expect(direct.length / targets.length).toBeLessThan(0.25);
  });
});
