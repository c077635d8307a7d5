import type { FastifyPluginAsync } from 'fastify';
import { countUsers, listInactiveUsers } from '../../analytics/users-analytics.js';
import { COUNT, PAGE_ONLY, page, type PageQuery } from '../schemas/common.js';
import { INACTIVE_USER } from '../schemas/directory.js';
import { COMMON_ERRORS } from '../schemas/error.js';
import type { AnalyticsRoutesOptions } from './route-options.js';

/** /users/count and /users/inactive. */
export const usersRoutes: FastifyPluginAsync<AnalyticsRoutesOptions> = async (
  app,
  { db, clock },
) => {
  app.get(
    '/users/count',
    {
      schema: {
        tags: ['users'],
        summary: 'Number of users (not counting those deleted from PagerDuty)',
        response: { 200: COUNT, ...COMMON_ERRORS },
      },
    },
    async () => ({ count: await countUsers(db.read) }),
  );

  app.get<{ Querystring: PageQuery }>(
    '/users/inactive',
    {
      // Relative to now: a shift ends, a user has no upcoming one any more.
      config: { cache: 'clock' },
      schema: {
        tags: ['users'],
        summary: 'Users on schedules who are inactive, with their reasons and schedules',
        description:
          'Reasons: deleted (gone from PagerDuty but still on a schedule or escalation rule), invitation_pending (invited, never signed up), no_upcoming_shift (on a schedule with no on-call shift in the next 90 days).',
        querystring: PAGE_ONLY,
        response: { 200: page('users', INACTIVE_USER), ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const result = await listInactiveUsers(db.read, clock(), limit, offset);
      return { users: result.items, total: result.total, limit, offset };
    },
  );
};
