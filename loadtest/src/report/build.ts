/**
 * Builds the report of one run folder: report.html, report.md and report.json written into
 * that folder, optionally compared with a baseline run and checked against SLO gates.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { compareWithBaseline } from './baseline.ts';
import { evaluateGates, type GateEvaluation } from './gates.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import { type ReportOptions, resolveReportOptions } from './options.ts';
import { buildReportData, type ReportData } from './report-data.ts';
import { readRunFolder } from './run-folder.ts';

export interface BuiltReport {
  data: ReportData;
  files: { html: string; markdown: string; json: string };
  /** Null when no gates were given. */
  gates: GateEvaluation | null;
  /** Regressions against the baseline; 0 without a baseline. */
  regressions: number;
}

export async function buildReport(
  runDir: string,
  options: ReportOptions = {},
): Promise<BuiltReport> {
  const resolved = resolveReportOptions(options);
  const folder = await readRunFolder(runDir);

  let baseline = null;
  if (resolved.baselineDir !== null) {
    const other = await readRunFolder(resolved.baselineDir);
    const input = {
      dir: other.dir,
      id: other.run.id ?? basename(other.dir),
      summary: other.summary,
    };
    baseline = compareWithBaseline(folder.summary, input, resolved.thresholds);
  }
  const gates = resolved.gates.length > 0 ? evaluateGates(resolved.gates, folder.summary) : null;

  const data = buildReportData(folder, {
    title: resolved.title,
    generatedAt: resolved.generatedAt,
    baseline,
    gates: gates === null ? null : gates.checks,
  });
  const echartsSource = await readEcharts(resolved.echartsPath);

  const files = {
    html: join(folder.dir, 'report.html'),
    markdown: join(folder.dir, 'report.md'),
    json: join(folder.dir, 'report.json'),
  };
  await writeFile(files.json, `${JSON.stringify(data, null, 2)}\n`);
  await writeFile(files.markdown, renderMarkdown(data));
  await writeFile(files.html, renderHtml(data, echartsSource));
  return { data, files, gates, regressions: baseline === null ? 0 : baseline.regressions };
}

export class EchartsMissingError extends Error {
  override name = 'EchartsMissingError';
}

async function readEcharts(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new EchartsMissingError(
      `failed to read the ECharts library at ${path}: ${(error as Error).message}. ` +
        'Run `npm ci` so node_modules/echarts is installed.',
      { cause: error },
    );
  }
}
