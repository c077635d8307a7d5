import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { parseAnalyticsFilter } from '../../analytics/analytics-request.js';
import { REPORTS } from '../../reports/reports.js';
import type { ReportRequest } from '../../reports/report-definition.js';
import {
  arr,
  FILTER_QUERY,
  idParams,
  obj,
  querySchema,
  str,
  type FilterQuery,
} from '../schemas/common.js';
import { COMMON_ERRORS, NOT_FOUND } from '../schemas/error.js';
import type { AnalyticsRoutesOptions } from './route-options.js';

/** The path of a report: its name, and its parameter when it has one. */
export function reportPath(name: string, param?: string): string {
  return param ? `/reports/${name}/{${param}}` : `/reports/${name}`;
}

const REPORT_LIST = obj({
  reports: arr(
    obj({
      name: str(),
      title: str('A short label'),
      summary: str(),
      path: str('The report, under /api/v1; a {parameter} is to be filled in'),
      filtered: { type: 'boolean', description: 'Takes the incident filters' },
      columns: arr(str()),
    }),
  ),
});

/** The CSV reports: one route per definition in src/reports/reports.ts, and their list. */
export const reportsRoutes: FastifyPluginAsync<AnalyticsRoutesOptions> = async (
  app,
  { db, clock, analytics },
) => {
  app.get(
    '/reports',
    {
      schema: {
        tags: ['reports'],
        summary: 'Every CSV report with its columns (what the dashboard lists)',
        response: { 200: REPORT_LIST, ...COMMON_ERRORS },
      },
    },
    async () => ({
      reports: REPORTS.map((r) => ({
        name: r.name,
        title: r.title,
        summary: r.summary,
        path: reportPath(r.name, r.param),
        filtered: r.filtered,
        columns: [...r.headers],
      })),
    }),
  );

  for (const report of REPORTS) {
    const url = report.param
      ? `/reports/${report.name}/:${report.param}`
      : `/reports/${report.name}`;
    app.get<{ Querystring: FilterQuery; Params: Record<string, string> }>(
      url,
      {
        config: { cache: report.relativeToNow ? 'clock' : 'mirror' },
        schema: {
          tags: ['reports'],
          summary: `${report.summary} (CSV)`,
          produces: ['text/csv'],
          querystring: querySchema({ ...(report.filtered ? FILTER_QUERY : {}), ...report.query }),
          ...(report.param ? { params: idParams(report.param) } : {}),
          response: {
            200: {
              description: `CSV (text/csv; charset=utf-8) with the columns: ${report.headers.join(', ')}. Cells that a spreadsheet would run as a formula are prefixed with an apostrophe.`,
              content: {
                'text/csv': {
                  schema: { type: 'string' },
                  example: `${report.headers.join(',')}\n`,
                },
              },
            },
            ...(report.param ? { 404: NOT_FOUND } : {}),
            ...COMMON_ERRORS,
          },
        },
      },
      async (request, reply) => {
        const now = clock();
        const raw = request.query as Record<string, string | undefined>;
        const query: ReportRequest = {
          filter: report.filtered ? parseAnalyticsFilter(request.query) : {},
          param: report.param ? request.params[report.param] : undefined,
          query: Object.fromEntries(Object.keys(report.query).map((k) => [k, raw[k]])),
          now,
          analytics,
        };
        await report.check?.(db, query);
        const date = now.toISOString().slice(0, 10);
        return reply
          .type('text/csv; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="${report.fileName(query)}_${date}.csv"`,
          )
          .send(Readable.from(report.csv(db, query), { objectMode: false }));
      },
    );
  }
};
