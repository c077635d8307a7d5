import type { FastifyPluginAsync } from 'fastify';
import {
  countEscalationPolicies,
  listEscalationPolicies,
} from '../../analytics/escalation-policies-analytics.js';
import { COUNT, PAGE_ONLY, page, type PageQuery } from '../schemas/common.js';
import { ESCALATION_POLICY } from '../schemas/directory.js';
import { COMMON_ERRORS } from '../schemas/error.js';
import type { AnalyticsRoutesOptions } from './route-options.js';

/** /escalation-policies and /escalation-policies/count. */
export const escalationPoliciesRoutes: FastifyPluginAsync<AnalyticsRoutesOptions> = async (
  app,
  { db },
) => {
  app.get(
    '/escalation-policies/count',
    {
      schema: {
        tags: ['escalation policies'],
        summary: 'Number of escalation policies',
        response: { 200: COUNT, ...COMMON_ERRORS },
      },
    },
    async () => ({ count: await countEscalationPolicies(db.read) }),
  );

  app.get<{ Querystring: PageQuery }>(
    '/escalation-policies',
    {
      schema: {
        tags: ['escalation policies'],
        summary: 'Escalation policies with their teams, services and ordered rules with targets',
        querystring: PAGE_ONLY,
        response: { 200: page('escalation_policies', ESCALATION_POLICY), ...COMMON_ERRORS },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const result = await listEscalationPolicies(db.read, limit, offset);
      return { escalation_policies: result.items, total: result.total, limit, offset };
    },
  );
};
