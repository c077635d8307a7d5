import type { FastifyPluginAsync } from 'fastify';
import { parseAnalyticsFilter } from '../../analytics/analytics-request.js';
import { countTeams, listTeams } from '../../analytics/teams-analytics.js';
import { COUNT, FILTERED_PAGE, page, type FilterQuery, type PageQuery } from '../schemas/common.js';
import { TEAM } from '../schemas/directory.js';
import { COMMON_ERRORS } from '../schemas/error.js';
import type { AnalyticsRoutesOptions } from './route-options.js';

/** /teams and /teams/count. */
export const teamsRoutes: FastifyPluginAsync<AnalyticsRoutesOptions> = async (app, { db }) => {
  app.get(
    '/teams/count',
    {
      schema: {
        tags: ['teams'],
        summary: 'Number of teams',
        response: { 200: COUNT, ...COMMON_ERRORS },
      },
    },
    async () => ({ count: await countTeams(db.read) }),
  );

  app.get<{ Querystring: FilterQuery & PageQuery }>(
    '/teams',
    {
      schema: {
        tags: ['teams'],
        summary: 'Teams with their services and each service’s incident count',
        querystring: FILTERED_PAGE,
        response: { 200: page('teams', TEAM), ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const result = await listTeams(db.read, parseAnalyticsFilter(request.query), limit, offset);
      return { teams: result.items, total: result.total, limit, offset };
    },
  );
};
