import type { IncidentStatus } from '../analytics/incident-filter.js';

/** One colour per incident status, for every chart that draws statuses (PNG, SVG, dashboard). */
export const STATUS_COLORS: Record<IncidentStatus, string> = {
  triggered: '#d9534f',
  acknowledged: '#f0ad4e',
  resolved: '#5cb85c',
};
