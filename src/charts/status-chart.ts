import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import type { StatusChartData } from './status-chart-data.js';

const WIDTH = 720;
const HEIGHT = 420;
// The PNG's text is drawn with a font shipped in fonts/ (DejaVu Sans, from Debian's
// fonts-dejavu-core), never a system font: resvg finds none in a slim image and then drops every
// letter, and elsewhere the system's pick would make the same chart differ from machine to machine.
const PNG_FONT_FAMILY = 'DejaVu Sans';
const PNG_FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((file) =>
  fileURLToPath(new URL(`../../fonts/${file}`, import.meta.url)),
);

/** Renders the chart as SVG on the server with ECharts (no browser). */
export function renderStatusChartSvg(data: StatusChartData): string {
  const chart = echarts.init(null, null, {
    renderer: 'svg',
    ssr: true,
    width: WIDTH,
    height: HEIGHT,
  });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      title: {
        text: data.title,
        subtext: `${data.total_incidents} incidents`,
        left: 'center',
        textStyle: { fontFamily: 'sans-serif' },
      },
      grid: { left: 60, right: 30, top: 80, bottom: 50 },
      xAxis: { type: 'category', data: data.categories, axisLabel: { fontFamily: 'sans-serif' } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { fontFamily: 'sans-serif' } },
      series: [
        {
          type: 'bar',
          data: data.values.map((value, i) => ({
            value,
            itemStyle: { color: data.colors[i] ?? '#337ab7' },
          })),
          label: { show: true, position: 'top', fontFamily: 'sans-serif' },
          barMaxWidth: 120,
        },
      ],
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Rasterises an SVG chart to PNG with resvg (the shipped font for the labels). */
export function svgToPng(svg: string): Buffer {
  return Buffer.from(
    new Resvg(svg, {
      background: '#ffffff',
      fitTo: { mode: 'width', value: WIDTH * 2 },
      font: {
        loadSystemFonts: false,
        fontFiles: PNG_FONT_FILES,
        defaultFontFamily: PNG_FONT_FAMILY,
        sansSerifFamily: PNG_FONT_FAMILY,
      },
    })
      .render()
      .asPng(),
  );
}
