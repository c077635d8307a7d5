import type { MostIncidents } from '../analytics/services-analytics.js';
import { INCIDENT_STATUSES } from '../analytics/incident-filter.js';
import { STATUS_COLORS } from './status-colors.js';

// The data of the status chart, apart from its drawing (status-chart.ts): the JSON answer needs
// neither ECharts nor resvg, whose import held a fresh server's event loop for over a second.

export interface StatusChartData {
  title: string;
  service_id: string | null;
  service_name: string | null;
  total_incidents: number;
  categories: string[];
  values: number[];
  /** The colour of each category, as the PNG and the dashboard draw it. */
  colors: string[];
}

const COLORS: Record<string, string> = STATUS_COLORS;

/** The data of the chart of the most-incidents service's status breakdown (also what the dashboard draws). */
export function statusChartData(most: MostIncidents | null): StatusChartData {
  return {
    title: most ? `Incidents of ${most.service_name} by status` : 'No incidents yet',
    service_id: most?.service_id ?? null,
    service_name: most?.service_name ?? null,
    total_incidents: most?.total_incidents ?? 0,
    categories: [...INCIDENT_STATUSES],
    values: INCIDENT_STATUSES.map((s) => most?.status_breakdown[s] ?? 0),
    colors: INCIDENT_STATUSES.map((s) => COLORS[s] ?? '#337ab7'),
  };
}
