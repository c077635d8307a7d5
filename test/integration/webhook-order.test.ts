import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connection.js';
import { toIsoTimestamp } from '../../src/db/stored-values.js';
import { incidentId, type SimulatedAccount } from '../../src/simulator/simulated-account.js';
import { signPagerDutyBody } from '../../src/sync/webhook-signature.js';
import { startSyncedTestApp, type SyncedTestApp } from '../helpers/test-app.js';
import { dialectsUnderTest } from '../helpers/test-databases.js';

// PagerDuty does not promise the order of webhook deliveries, and a webhook may arrive before
// the sync has the log entry behind it. Older data must never overwrite newer.

const SECRET = 'webhook-order-secret-0123';
const MINUTE = 60_000;

for (const { dialect, available } of await dialectsUnderTest()) {
  describe.skipIf(!available)(`webhooks out of order on ${dialect}`, () => {
    let synced: SyncedTestApp;
    let handle: Db;
    let account: SimulatedAccount;
    let app: FastifyInstance;
    const sync = () => synced.sync();
    const send = (id: string, type: string, occurredAt: number, data: Record<string, unknown>) => {
      const raw = JSON.stringify({
        event: {
          id,
          event_type: type,
          resource_type: 'incident',
          occurred_at: new Date(occurredAt).toISOString(),
          agent: null,
          data,
        },
      });
      return app.inject({
        method: 'POST',
        url: '/api/v1/webhooks/pagerduty',
        headers: {
          'content-type': 'application/json',
          'x-pagerduty-signature': signPagerDutyBody(raw, SECRET),
        },
        payload: raw,
      });
    };
    const stored = (id: string) =>
      handle.db
        .selectFrom('incidents')
        .select(['status', 'resolved_at', 'first_acknowledged_at', 'updated_at'])
        .where('id', '=', id)
        .executeTakeFirst();

    beforeAll(async () => {
      synced = await startSyncedTestApp(dialect, { webhookSecret: SECRET });
      ({ app, db: handle, account } = synced);
    });
    afterAll(async () => synced?.close());

    it('keeps an incident resolved when an older acknowledgement arrives after the resolve', async () => {
      const data = (status: string) => ({
        id: 'QORDER01',
        number: 990_001,
        title: 'Checkout down',
        status,
        urgency: 'high',
        created_at: new Date(account.now - 30 * MINUTE).toISOString(),
        service: { id: 'PV00002', type: 'service_reference' },
      });
      expect(
        (
          await send(
            '01JORDER-T',
            'incident.triggered',
            account.now - 20 * MINUTE,
            data('triggered'),
          )
        ).json(),
      ).toEqual({ status: 'applied' });
      expect(
        (await send('01JORDER-R', 'incident.resolved', account.now, data('resolved'))).json(),
      ).toEqual({ status: 'applied' });
      // Delivered late: it occurred ten minutes before the resolve.
      const ack = await send(
        '01JORDER-A',
        'incident.acknowledged',
        account.now - 10 * MINUTE,
        data('acknowledged'),
      );
      expect(ack.statusCode).toBe(200);
      const row = await stored('QORDER01');
      expect(row?.status).toBe('resolved');
      expect(toIsoTimestamp(row?.resolved_at)).toBe(new Date(account.now).toISOString());
      // Its acknowledgement still counts: it is the first one, however late it came.
      expect(toIsoTimestamp(row?.first_acknowledged_at)).toBe(
        new Date(account.now - 10 * MINUTE).toISOString(),
      );
    });

    it("keeps a webhook's first acknowledgement when the next sync lacks its log entry", async () => {
      const changes = account.mutate();
      // A recent incident the account changed, never acknowledged there.
      const id = changes.newIncidentIds.find((x) => {
        const i = Number.parseInt(x.slice(1), 36);
        return account.incidents.stateAt(i, account.now).firstAcknowledgedAt === null;
      });
      expect(id).toBeDefined();
      const target = id ?? '';
      await sync();
      const before = await stored(target);
      expect(before?.first_acknowledged_at ?? null).toBeNull();
      const ackAt = account.now - MINUTE;
      await send('01JORDER-FIRSTACK', 'incident.acknowledged', ackAt, {
        id: target,
        status: 'acknowledged',
      });
      expect(toIsoTimestamp((await stored(target))?.first_acknowledged_at)).toBe(
        new Date(ackAt).toISOString(),
      );
      // A note on the incident: its log entries come again, without the acknowledgement.
      account.annotate(target, account.liveUsers()[0]?.id ?? '');
      await sync();
      expect(toIsoTimestamp((await stored(target))?.first_acknowledged_at)).toBe(
        new Date(ackAt).toISOString(),
      );
    });

    it('stores a webhook for an incident not mirrored yet and completes it on the next sync', async () => {
      const changes = account.mutate();
      const newest = changes.newIncidentIds.at(-1) ?? '';
      // An event without number or creation time: the mirror cannot create the row from it.
      const res = await send('01JORDER-PENDING', 'incident.annotated', account.now - MINUTE, {
        id: newest,
      });
      expect(res.json()).toEqual({ status: 'pending' });
      expect(await stored(newest)).toBeUndefined();
      await sync();
      const row = await stored(newest);
      expect(row?.status).toBe(account.incidents.status(Number.parseInt(newest.slice(1), 36)));
      expect(
        await handle.db.selectFrom('pending_incidents').select('incident_id').execute(),
      ).toEqual([]);
      expect(incidentId(Number.parseInt(newest.slice(1), 36))).toBe(newest);
    });
  });
}
