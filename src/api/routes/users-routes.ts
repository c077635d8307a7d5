import type { FastifyPluginAsync } from 'fastify';
import { countUsers, listInactiveUsers } from '../../analytics/users-analytics.js';
import { PAGE_ONLY, type PageQuery } from '../schemas/common.js';
import { INACTIVE_USER } from '../schemas/directory.js';
import { countRoute, pageRoute } from './page-routes.js';
import type { AnalyticsRoutesOptions } from './route-options.js';

/** /users/count and /users/inactive. */
export const usersRoutes: FastifyPluginAsync<AnalyticsRoutesOptions> = async (
  app,
  { db, clock },
) => {
  countRoute(
    app,
    '/users/count',
    { tags: ['users'], summary: 'Number of users (not counting those deleted from PagerDuty)' },
    () => countUsers(db.read),
  );

  pageRoute<PageQuery>(
    app,
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
      },
      key: 'users',
      item: INACTIVE_USER,
    },
    ({ query }) => listInactiveUsers(db.read, clock(), query.limit, query.offset),
  );
};
