// One look for every stacked bar chart of the dashboard: periods across, counts up.
import type { EChartsOption } from 'echarts';

export interface Stack {
  name: string;
  values: readonly (number | null)[];
  color: string;
}

/** The ECharts option of counts per period, stacked. */
export function stackedBarsOption(
  periods: readonly string[],
  stacks: readonly Stack[],
): EChartsOption {
  return {
    animation: false,
    grid: { left: 50, right: 20, top: 30, bottom: 30 },
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    xAxis: { type: 'category', data: [...periods] },
    yAxis: { type: 'value', minInterval: 1 },
    series: stacks.map((s) => ({
      name: s.name,
      type: 'bar' as const,
      stack: 'total',
      data: [...s.values],
      itemStyle: { color: s.color },
    })),
  };
}
