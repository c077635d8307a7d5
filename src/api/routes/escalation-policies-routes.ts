import type { FastifyPluginAsync } from 'fastify';
import {
  countEscalationPolicies,
  listEscalationPolicies,
} from '../../analytics/escalation-policies-analytics.js';
import { PAGE_ONLY, type PageQuery } from '../schemas/common.js';
import { ESCALATION_POLICY } from '../schemas/directory.js';
import { countRoute, pageRoute } from './page-routes.js';
import type { AnalyticsRoutesOptions } from './route-options.js';

/** /escalation-policies and /escalation-policies/count. */
export const escalationPoliciesRoutes: FastifyPluginAsync<AnalyticsRoutesOptions> = async (
  app,
  { db },
) => {
  countRoute(
    app,
    '/escalation-policies/count',
    { tags: ['escalation policies'], summary: 'Number of escalation policies' },
    () => countEscalationPolicies(db.read),
  );

  pageRoute<PageQuery>(
    app,
    '/escalation-policies',
    {
      schema: {
        tags: ['escalation policies'],
        summary: 'Escalation policies with their teams, services and ordered rules with targets',
        querystring: PAGE_ONLY,
      },
      key: 'escalation_policies',
      item: ESCALATION_POLICY,
    },
    ({ query }) => listEscalationPolicies(db.read, query.limit, query.offset),
  );
};
