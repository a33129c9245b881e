/**
 * report.html: one self-contained page. The ECharts library, the chart options and the
 * style sheet are written inline, and a Content-Security-Policy forbids any request, so the
 * page opens offline and never reaches the network.
 */
import type { ChartSpec } from './charts.ts';
import { REPORT_CSS } from './html-style.ts';
import type { ReportData } from './report-data.ts';
import { reportSections, type Section } from './sections.ts';
import type { Table } from './tables.ts';
import { type Finding, reportFindings } from './verdict.ts';

const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

/** Draws every chart, then sets `data-charts-drawn` on <html> once all have rendered. */
const DRAW_SCRIPT = `
(function () {
  var specs = JSON.parse(document.getElementById('report-charts').textContent);
  var charts = [];
  var finished = 0;
  specs.forEach(function (spec) {
    var chart = echarts.init(document.getElementById(spec.id), null, { renderer: 'canvas' });
    chart.on('finished', function once() {
      chart.off('finished', once);
      finished += 1;
      if (finished === specs.length) document.documentElement.dataset.chartsDrawn = String(finished);
    });
    chart.setOption(spec.option);
    charts.push(chart);
  });
  window.addEventListener('resize', function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
`;

export function renderHtml(data: ReportData, echartsSource: string): string {
  const sections = reportSections(data);
  const charts = sections.flatMap((section) => section.charts);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(data.title)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    '</head>',
    '<body>',
    renderHeader(data, sections),
    '<main>',
    ...sections.map(renderSection),
    '</main>',
    `<footer>Report data: report.json beside this file. Charts drawn with ECharts.</footer>`,
    `<script>${scriptText(echartsSource)}</script>`,
    `<script type="application/json" id="report-charts">${jsonText(charts)}</script>`,
    `<script>${DRAW_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function renderHeader(data: ReportData, sections: Section[]): string {
  const run = data.run.id ?? data.runDir;
  const started = typeof data.run.startedAt === 'string' ? `, started ${data.run.startedAt}` : '';
  const parts = [
    '<header>',
    `<h1>${escapeHtml(data.title)}</h1>`,
    `<p class="meta">Run <code>${escapeHtml(run)}</code>${escapeHtml(started)}; ` +
      `report generated ${escapeHtml(data.generatedAt)}.</p>`,
  ];
  if (data.hostNote !== null) {
    const heading = data.sharedHost === true ? '<strong>Method demo, not capacity.</strong> ' : '';
    parts.push(`<p class="callout" id="host-note">${heading}${escapeHtml(data.hostNote)}</p>`);
  }

  parts.push(
    `<ul class="findings" id="findings">${reportFindings(data).map(renderFinding).join('')}</ul>`,
  );
  const links = sections.map(
    (section) => `<a href="#${section.id}">${escapeHtml(section.title)}</a>`,
  );
  parts.push(`<nav>${links.join('')}</nav>`, '</header>');
  return parts.join('\n');
}

const LEVEL_LABEL = { ok: 'OK', warn: 'WARNING', fail: 'FAIL' } as const;

function renderFinding(finding: Finding): string {
  const details =
    finding.details.length === 0
      ? ''
      : `<ul>${finding.details.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`;
  return (
    `<li class="${finding.level}"><span class="level">${LEVEL_LABEL[finding.level]}</span>` +
    `${escapeHtml(finding.text)}${details}</li>`
  );
}

function renderSection(section: Section): string {
  const parts = [`<section id="${section.id}">`, `<h2>${escapeHtml(section.title)}</h2>`];
  if (section.intro !== undefined) {
    parts.push(`<p>${escapeHtml(section.intro)}</p>`);
  }
  if (section.charts.length > 0) {
    parts.push(`<div class="charts">${section.charts.map(renderChartBox).join('')}</div>`);
  }
  parts.push(...section.tables.map(renderTable));
  for (const table of section.foldedTables) {
    parts.push(
      `<details><summary>${escapeHtml(table.title)}</summary>${renderTable(table)}</details>`,
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

function renderChartBox(chart: ChartSpec): string {
  return (
    `<figure><div class="chart" id="${chart.id}"></div>` +
    `<figcaption>${escapeHtml(chart.caption)}</figcaption></figure>`
  );
}

const NUMBER_CELL = /^([-+]?\d|n\/a$|-$)/;

export function renderTable(table: Table): string {
  const note = table.note === undefined ? '' : `<p class="note">${escapeHtml(table.note)}</p>`;
  if (table.rows.length === 0) {
    return `<h3>${escapeHtml(table.title)}</h3>${note}<p>None.</p>`;
  }

  const flagged = new Set(table.flagged ?? []);
  const head = `<tr>${table.headers.map((header) => `<th>${escapeHtml(header)}</th>`).join('')}</tr>`;
  const body = table.rows.map((cells, index) => {
    const rowClass = flagged.has(index) ? ' class="flag"' : '';
    const tds = cells.map((cell) => `<td class="${cellClass(cell)}">${escapeHtml(cell)}</td>`);
    return `<tr${rowClass}>${tds.join('')}</tr>`;
  });
  return (
    `<h3>${escapeHtml(table.title)}</h3>${note}<div class="table-wrap" id="table-${table.id}">` +
    `<table><thead>${head}</thead><tbody>${body.join('')}</tbody></table></div>`
  );
}

function cellClass(cell: string): string {
  if (NUMBER_CELL.test(cell)) {
    return 'num';
  }
  return cell.length > 40 ? 'wrap' : '';
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** Escapes a script body so that it cannot close its <script> element early. */
function scriptText(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1');
}

/** Serialises a value for <script type="application/json">, with `<` escaped so no tag starts. */
function jsonText(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c');
}
