/** report.md: the report's numbers as GitHub Markdown tables, ready for a pull request. */
import type { ReportData } from './report-data.ts';
import { reportSections } from './sections.ts';
import type { Table } from './tables.ts';
import { reportFindings } from './verdict.ts';

const LEVEL_MARK = { ok: 'OK', warn: 'WARNING', fail: 'FAIL' } as const;

export function renderMarkdown(data: ReportData): string {
  const lines: string[] = [`# ${data.title}`, '', runLine(data), ''];
  if (data.hostNote !== null) {
    const heading = data.sharedHost === true ? '**Method demo, not capacity.** ' : '';
    lines.push(`> ${heading}${escapeText(data.hostNote)}`, '');
  }

  for (const finding of reportFindings(data)) {
    lines.push(`- **${LEVEL_MARK[finding.level]}**: ${escapeText(finding.text)}`);
    for (const detail of finding.details) {
      lines.push(`  - ${escapeText(detail)}`);
    }
  }
  lines.push('');

  for (const section of reportSections(data)) {
    lines.push(`## ${section.title}`, '');
    if (section.intro !== undefined) {
      lines.push(escapeText(section.intro), '');
    }
    for (const table of section.tables) {
      lines.push(...renderTable(table, 3));
    }
    for (const table of section.foldedTables) {
      lines.push('<details>', `<summary>${escapeText(table.title)}</summary>`, '');
      lines.push(...renderTable(table, 0));
      lines.push('</details>', '');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function runLine(data: ReportData): string {
  const parts = [`Run \`${data.run.id ?? data.runDir}\``];
  if (typeof data.run.startedAt === 'string') {
    parts.push(`started ${data.run.startedAt}`);
  }
  if (Array.isArray(data.run.generators) && data.run.generators.length > 1) {
    parts.push(`${data.run.generators.length} load generators merged`);
  }
  parts.push(`report generated ${data.generatedAt}`);
  return `${parts.join(', ')}.`;
}

/** Renders a table under a heading of the given level; level 0 leaves the heading out. */
export function renderTable(table: Table, headingLevel: number): string[] {
  const lines: string[] = [];
  if (headingLevel > 0) {
    lines.push(`${'#'.repeat(headingLevel)} ${table.title}`, '');
  }
  if (table.note !== undefined) {
    lines.push(`_${escapeText(table.note)}_`, '');
  }
  if (table.rows.length === 0) {
    lines.push('None.', '');
    return lines;
  }

  const flagged = new Set(table.flagged ?? []);
  lines.push(row(table.headers), row(table.headers.map(() => '---')));
  table.rows.forEach((cells, index) => {
    const rendered = flagged.has(index) ? [`**${cells[0]}**`, ...cells.slice(1)] : cells;
    lines.push(row(rendered));
  });
  lines.push('');
  return lines;
}

function row(cells: string[]): string {
  return `| ${cells.map((cell) => cell.replaceAll('|', '\\|')).join(' | ')} |`;
}

/** Keeps text from turning into Markdown markup by accident. */
function escapeText(text: string): string {
  return text.replace(/([*_`<>])/g, '\\$1');
}
