/**
 * Charts as SVG rendered on the server (vega-lite compiled to vega, rendered headless): no JavaScript in
 * the page, and every chart sits beside a table of the same figures for screen-reader users. The SVG is
 * given a title and role="img" with the description a screen reader announces.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface BarDatum {
  label: string;
  value: number;
  /** A second grouping (a series) shown as colour, optional. */
  series?: string;
}

/** A horizontal bar chart of values on a fixed domain (e.g. a 1–5 scale), NHS colours. */
export async function barChartSvg(
  data: readonly BarDatum[],
  opts: { title: string; description: string; domain?: [number, number]; xTitle: string },
): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 520,
    height: { step: 28 },
    data: { values: data.map((d) => ({ ...d })) },
    mark: { type: 'bar', color: '#005eb8' },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: null, title: null, axis: { labelLimit: 260, labelFontSize: 13 } },
      x: { field: 'value', type: 'quantitative', title: opts.xTitle, ...(opts.domain ? { scale: { domain: opts.domain } } : {}), axis: { labelFontSize: 12 } },
      ...(data.some((d) => d.series)
        ? {
            yOffset: { field: 'series' },
            color: { field: 'series', type: 'nominal', title: null, scale: { range: ['#005eb8', '#007f3b', '#ffb81c', '#330072'] } },
          }
        : {}),
    },
    config: { font: 'Arial, sans-serif', view: { stroke: null } },
  };
  return render(spec, opts);
}

export interface LineDatum {
  /** A calendar date, YYYY-MM-DD. */
  date: string;
  value: number;
  series: string;
}

/** A line chart over time (cumulative counts by day), one line per series, NHS colours. */
export async function lineChartSvg(
  data: readonly LineDatum[],
  opts: { title: string; description: string; yTitle: string /** One point per month: label the axis by month. */; monthly?: boolean },
): Promise<string> {
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 560,
    height: 240,
    data: { values: data.map((d) => ({ ...d })) },
    mark: { type: 'line', point: { filled: true, size: 50 }, strokeWidth: 3 },
    encoding: {
      x: {
        field: 'date',
        type: 'temporal',
        title: null,
        axis: opts.monthly
          ? { format: '%b %Y', labelFontSize: 12, tickCount: { interval: 'month', step: 1 } }
          : { format: '%d %b', labelFontSize: 12, tickCount: 8 },
      },
      y: { field: 'value', type: 'quantitative', title: opts.yTitle, axis: { labelFontSize: 12 } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { range: ['#005eb8', '#007f3b', '#ffb81c', '#330072'] },
        legend: { orient: 'bottom', labelFontSize: 13 },
      },
      strokeDash: { field: 'series', type: 'nominal', title: null },
    },
    config: { font: 'Arial, sans-serif', view: { stroke: null } },
  };
  return render(spec, opts);
}

async function render(spec: TopLevelSpec, opts: { title: string; description: string }): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return svg
    .replace(/^<svg /, `<svg role="img" aria-label="${esc(opts.description)}" focusable="false" `)
    .replace(/(<svg[^>]*>)/, `$1<title>${esc(opts.title)}</title>`);
}
