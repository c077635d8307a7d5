import type { FastifyPluginAsync } from 'fastify';
import { parseAnalyticsFilter } from '../../analytics/analytics-request.js';
import { countTeams, listTeams } from '../../analytics/teams-analytics.js';
import { FILTERED_PAGE, type FilterQuery, type PageQuery } from '../schemas/common.js';
import { TEAM } from '../schemas/directory.js';
import { countRoute, pageRoute } from './page-routes.js';
import type { AnalyticsRoutesOptions } from './route-options.js';

/** /teams and /teams/count. */
export const teamsRoutes: FastifyPluginAsync<AnalyticsRoutesOptions> = async (app, { db }) => {
  countRoute(app, '/teams/count', { tags: ['teams'], summary: 'Number of teams' }, () =>
    countTeams(db.read),
  );

  pageRoute<FilterQuery & PageQuery>(
    app,
    '/teams',
    {
      config: { keep: true },
      schema: {
        tags: ['teams'],
        summary: 'Teams with their services and each service’s incident count',
        querystring: FILTERED_PAGE,
      },
      key: 'teams',
      item: TEAM,
    },
    ({ query }) => listTeams(db.read, parseAnalyticsFilter(query), query.limit, query.offset),
  );
};
