/** The style sheet of report.html. System fonts only, so the page needs no network. */
export const REPORT_CSS = `
:root {
  --text: #1d2330; --muted: #5b6475; --line: #dde1e8; --panel: #f6f7f9;
  --ok: #2e7d4f; --ok-bg: #e8f4ec; --warn: #8a5a00; --warn-bg: #fff4dc;
  --fail: #a32020; --fail-bg: #fdeaea; --accent: #2f6fb0;
}
* { box-sizing: border-box; }
body {
  margin: 0; color: var(--text); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
header, main, footer { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 24px 0 6px; }
.meta, .note, figcaption, footer { color: var(--muted); font-size: 13px; }
.note { margin: 0 0 8px; }
.callout {
  margin: 16px 0; padding: 12px 16px; border-radius: 6px;
  border-left: 5px solid var(--warn); background: var(--warn-bg);
}
.findings { list-style: none; padding: 0; margin: 16px 0; }
.findings > li { margin: 8px 0; padding: 10px 16px; border-radius: 6px; border-left: 5px solid; }
.findings > li.ok { border-color: var(--ok); background: var(--ok-bg); }
.findings > li.warn { border-color: var(--warn); background: var(--warn-bg); }
.findings > li.fail { border-color: var(--fail); background: var(--fail-bg); font-weight: 600; }
.findings ul { margin: 6px 0 0; padding-left: 20px; font-weight: 400; }
.level { display: inline-block; min-width: 92px; font-weight: 700; }
nav { margin: 16px 0 0; font-size: 14px; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 18px; }
figure { margin: 0; padding: 12px; border: 1px solid var(--line); border-radius: 8px; background: #fff; }
.chart { width: 100%; height: 360px; }
.table-wrap { overflow-x: auto; margin-bottom: 12px; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { background: var(--panel); font-weight: 600; }
td.num { text-align: right; }
td.wrap { white-space: normal; min-width: 280px; }
tr.flag td { background: var(--fail-bg); }
details { margin: 8px 0 16px; }
summary { cursor: pointer; color: var(--accent); font-weight: 600; }
footer { padding: 32px 24px 40px; }
`;
