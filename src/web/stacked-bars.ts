// One look for every stacked bar chart of the dashboard: periods across on a time axis (one bar
// per period, empty periods included, so a quiet stretch shows as one), counts up.
import type { EChartsOption } from 'echarts';
import { zonedTimeAxis } from './page-zone.js';

export interface Stack {
  name: string;
  values: readonly (number | null)[];
  color: string;
}

/** The ECharts option of counts per period (each given by the instant it starts), stacked. */
export function stackedBarsOption(
  starts: readonly string[],
  stacks: readonly Stack[],
  zone: string,
): EChartsOption {
  const times = starts.map((s) => Date.parse(s));
  return {
    animation: false,
    grid: { left: 50, right: 20, top: 30, bottom: 40 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: zonedTimeAxis(zone),
    yAxis: { type: 'value', minInterval: 1 },
    series: stacks.map((s) => ({
      name: s.name,
      type: 'bar' as const,
      stack: 'total',
      barMaxWidth: 24,
      data: s.values.map((v, i) => [times[i] ?? 0, v]),
      itemStyle: { color: s.color },
    })),
  } as EChartsOption;
}
