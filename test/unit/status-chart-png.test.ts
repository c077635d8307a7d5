import { describe, expect, it } from 'vitest';
import { statusChartData } from '../../src/charts/status-chart-data.js';
import { renderStatusChartSvg, svgToPng } from '../../src/charts/status-chart.js';
import { countInk, decodePng } from '../helpers/png-pixels.js';

// resvg draws text only with a font it was given. Where it finds no system font (the slim Docker
// image: no fontconfig configuration, so 0 faces) the PNG used to keep bars and grid lines and
// lose every letter; on a desktop the same code drew them. So this test must pass without any
// system font: run in a slim container it failed before the chart code shipped its own font.
const data = statusChartData({
  service_id: 'PSVC1',
  service_name: 'Checkout API',
  total_incidents: 42,
  status_breakdown: { triggered: 5, acknowledged: 7, resolved: 30 },
});

// Boxes in output pixels (the PNG is drawn at twice the chart's 720 x 420): the title and its
// subtext above the grid (grid.top is 80), the category labels under the x axis (grid.bottom is
// 50), the value labels left of the grid (grid.left is 60).
const SCALE = 2;
const box = (left: number, top: number, right: number, bottom: number) => ({
  left: left * SCALE,
  top: top * SCALE,
  right: right * SCALE,
  bottom: bottom * SCALE,
});
const TITLE = box(80, 0, 640, 70);
const X_LABELS = box(60, 377, 690, 415);
const Y_LABELS = box(0, 90, 56, 365);

const withoutText = (svg: string) => svg.replace(/<text\b[\s\S]*?<\/text>/g, '');

describe('the PNG chart', () => {
  const svg = renderStatusChartSvg(data);
  const png = decodePng(svgToPng(svg));
  const bare = decodePng(svgToPng(withoutText(svg)));

  it('is drawn at twice the chart size', () => {
    expect([png.width, png.height]).toEqual([720 * SCALE, 420 * SCALE]);
  });

  it.each([
    ['the title', TITLE],
    ['the x-axis labels', X_LABELS],
    ['the y-axis labels', Y_LABELS],
  ])('has text in %s, and nothing there without its text', (_name, region) => {
    expect(countInk(bare, region)).toBe(0);
    expect(countInk(png, region)).toBeGreaterThan(100);
  });

  it('differs with and without its title', () => {
    const untitled = decodePng(svgToPng(renderStatusChartSvg({ ...data, title: '' })));
    expect(countInk(png, TITLE)).toBeGreaterThan(countInk(untitled, TITLE) + 500);
    expect(untitled.rgba.equals(png.rgba)).toBe(false);
  });
});
