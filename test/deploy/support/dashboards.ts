import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { PROJECT_ROOT } from './chat-process.ts';

export const DASHBOARD_DIRECTORY = join(PROJECT_ROOT, 'grafana', 'dashboards');

/** The parts of a Grafana dashboard JSON model the tests read. */
export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating?: { list: Variable[] };
  __inputs?: unknown;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: { refId: string; expr: string; datasource?: { type: string; uid: string } }[];
  panels?: Panel[];
}

export interface Variable {
  name: string;
  type: string;
  datasource?: { type: string; uid: string };
  query?: string | { query: string };
}

/** One PromQL expression and where it sits in a dashboard. */
export interface DashboardQuery {
  dashboard: string;
  panel: string;
  expr: string;
}

export function loadDashboards(): { file: string; dashboard: Dashboard }[] {
  return readdirSync(DASHBOARD_DIRECTORY)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({
      file,
      dashboard: JSON.parse(readFileSync(join(DASHBOARD_DIRECTORY, file), 'utf8')) as Dashboard,
    }));
}

/** Lists panels at every depth, since collapsed rows keep their panels inside the row. */
export function allPanels(dashboard: Dashboard): Panel[] {
  return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

/**
 * Collects every PromQL expression: panel targets, and the series selector inside each
 * `label_values(selector, label)` variable query.
 */
export function dashboardQueries(file: string, dashboard: Dashboard): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  for (const panel of allPanels(dashboard)) {
    for (const target of panel.targets ?? []) {
      queries.push({ dashboard: file, panel: panel.title, expr: target.expr });
    }
  }
  for (const variable of dashboard.templating?.list ?? []) {
    const text = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    const selector = /^label_values\((.+),\s*\w+\)$/.exec(text ?? '');
    if (selector !== null) {
      queries.push({ dashboard: file, panel: `variable $${variable.name}`, expr: selector[1]! });
    }
  }
  return queries;
}

/**
 * Replaces Grafana's variables with values Prometheus accepts. The defaults stand for "all
 * replicas" and a rate window of a minute.
 */
export function substituteVariables(
  expr: string,
  values: { rateInterval?: string; replica?: string } = {},
): string {
  return expr
    .replaceAll('$__rate_interval', values.rateInterval ?? '1m')
    .replaceAll('$__interval', values.rateInterval ?? '1m')
    .replaceAll('$replica', values.replica ?? '.*');
}

export interface ParsedQuery {
  /** Character offsets where the parser found a syntax error. */
  errors: number[];
  /** Metric names of every vector and range selector. */
  metricNames: string[];
}

/** Parses PromQL with Prometheus' own Lezer grammar (the one its web UI uses). */
export function parsePromql(expr: string): ParsedQuery {
  const errors: number[] = [];
  const metricNames: string[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.type.isError) {
      errors.push(cursor.from);
    }
    if (cursor.name === 'VectorSelector') {
      const selector = cursor.node;
      const identifier = selector.getChild('Identifier');
      if (identifier !== null) {
        metricNames.push(expr.slice(identifier.from, identifier.to));
      }
    }
  } while (cursor.next());
  return { errors, metricNames };
}
