/**
 * Grouped bars drawn as plain SVG (no dependency): panels of groups, one bar colour per series,
 * each bar labelled with its value, a legend and caption lines under them. The chart of
 * `npm run bench -- compare --svg FILE` (one panel of records per second, one of end-to-end
 * latency, a series per system) and of `npm run bench -- partitions --svg FILE` are drawn with it.
 */
import { formatNumber } from '../src/cli/format';

export interface ChartSystem {
  title: string;
  produceRps: number;
  consumeRps: number;
  p50Ms: number;
  p99Ms: number;
}

export interface BarPanel {
  title: string;
  groups: string[];
  /** values[series][group]; undefined draws no bar (a series without that figure). */
  values: Array<Array<number | undefined>>;
  format: (v: number) => string;
}

const colours = ['#1f6feb', '#0a3d91', '#d1242f', '#2da44e', '#8250df', '#bf8700'];
const panelWidth = 430;
const panelHeight = 300;
const plotTop = 40;
const plotBottom = 250;
const plotLeft = 20;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function panelSvg(panel: BarPanel, x0: number, y0: number, systems: number): string[] {
  const max = Math.max(1e-9, ...panel.values.flat().filter((v): v is number => v !== undefined));
  const groupWidth = (panelWidth - plotLeft - 10) / panel.groups.length;
  const barWidth = Math.min(60, (groupWidth - 20) / systems);
  const scale = (plotBottom - plotTop) / max;
  const bottom = y0 + plotBottom;
  const out = [`<text x="${x0 + panelWidth / 2}" y="${y0 + 22}" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`,
    `<line x1="${x0 + plotLeft}" y1="${bottom}" x2="${x0 + panelWidth - 10}" y2="${bottom}" stroke="#444"/>`];
  panel.groups.forEach((group, g) => {
    const gx = x0 + plotLeft + g * groupWidth + (groupWidth - barWidth * systems) / 2;
    for (let s = 0; s < systems; s++) {
      const v = panel.values[s][g];
      if (v === undefined) continue;
      const h = Math.max(1, v * scale);
      const x = gx + s * barWidth;
      out.push(`<rect x="${x.toFixed(1)}" y="${(bottom - h).toFixed(1)}" width="${(barWidth - 4).toFixed(1)}" height="${h.toFixed(1)}" fill="${colours[s % colours.length]}"/>`);
      out.push(`<text x="${(x + (barWidth - 4) / 2).toFixed(1)}" y="${(bottom - h - 4).toFixed(1)}" text-anchor="middle" font-size="10">${escapeXml(panel.format(v))}</text>`);
    }
    out.push(`<text x="${(gx + (barWidth * systems) / 2).toFixed(1)}" y="${bottom + 18}" text-anchor="middle">${escapeXml(group)}</text>`);
  });
  return out;
}

/**
 * The whole SVG document: `panels` laid out `columns` to a row, then the legend (one line per
 * series title) and `caption` lines (settings, machine, date).
 */
export function barChartSvg(panels: readonly BarPanel[], series: readonly string[], caption: readonly string[], columns = 2): string {
  const rows = Math.ceil(panels.length / columns);
  const legendTop = rows * panelHeight + 5;
  const height = legendTop + series.length * 18 + caption.length * 16 + 20;
  const width = panelWidth * Math.min(columns, panels.length) + 20;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  panels.forEach((panel, i) => out.push(...panelSvg(panel, 10 + (i % columns) * panelWidth, Math.floor(i / columns) * panelHeight, series.length)));
  series.forEach((title, i) => {
    const y = legendTop + i * 18;
    out.push(`<rect x="30" y="${y}" width="12" height="12" fill="${colours[i % colours.length]}"/>`, `<text x="48" y="${y + 10}">${escapeXml(title)}</text>`);
  });
  caption.forEach((line, i) => out.push(`<text x="30" y="${legendTop + series.length * 18 + 16 + i * 16}" fill="#555">${escapeXml(line)}</text>`));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** compare's chart: records per second and end-to-end latency, a series per system. */
export function compareChartSvg(systems: readonly ChartSystem[], caption: readonly string[]): string {
  const panels: BarPanel[] = [
    { title: 'records/s (higher is better)', groups: ['produce', 'consume'], values: systems.map((s) => [s.produceRps, s.consumeRps]), format: (v) => formatNumber(v / 1000, 0) + 'k' },
    { title: 'end-to-end latency, ms (lower is better)', groups: ['p50', 'p99'], values: systems.map((s) => [s.p50Ms, s.p99Ms]), format: (v) => formatNumber(v, v < 10 ? 2 : 1) },
  ];
  return barChartSvg(panels, systems.map((s) => s.title), caption);
}
