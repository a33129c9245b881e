/**
 * A parser for the Prometheus text exposition format (version 0.0.4), the format prom-client
 * serves on /metrics: `name{label="value",...} value [timestamp]` lines, `#` comments.
 *
 * NOTE: OpenMetrics additions (quoted UTF-8 metric names, exemplars, `# EOF`) are not
 * supported; prom-client does not produce them.
 */

export type Labels = Record<string, string>;

export interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

export class MetricsParseError extends Error {
  override name = 'MetricsParseError';
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TIMESTAMP = /^-?\d+$/;

/**
 * Parses exposition text into series -> value, keyed by seriesKey(). Comments and blank lines
 * are skipped. Throws MetricsParseError naming the line on a malformed or repeated series.
 */
export function parseMetricsText(text: string): Map<string, number> {
  const series = new Map<string, number>();
  const lines = text.split('\n');

  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const sample = parseSample(line, index + 1);
    const key = seriesKey(sample.name, sample.labels);
    if (series.has(key)) {
      throw new MetricsParseError(`line ${index + 1}: series ${key} appears twice`);
    }
    series.set(key, sample.value);
  }
  return series;
}

/**
 * Returns the canonical text of a series, `name{a="1",b="2"}` with labels sorted by name and
 * values escaped as in the exposition format, so that equal series have equal keys.
 */
export function seriesKey(name: string, labels: Labels = {}): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) {
    return name;
  }
  const pairs = names.map((label) => `${label}="${escapeLabelValue(labels[label]!)}"`);
  return `${name}{${pairs.join(',')}}`;
}

/** Parses one sample line, or a series key followed by a value. */
export function parseSample(line: string, lineNumber = 1): Sample {
  const fail = (problem: string): never => {
    throw new MetricsParseError(`line ${lineNumber}: ${problem}: ${line}`);
  };

  const name = METRIC_NAME.exec(line)?.[0];
  if (name === undefined) {
    return fail('expected a metric name');
  }
  let rest = line.slice(name.length).trimStart();

  let labels: Labels = {};
  if (rest.startsWith('{')) {
    const parsed = parseLabels(rest, fail);
    labels = parsed.labels;
    rest = parsed.rest.trimStart();
  }

  const [valueText, timestamp, extra] = rest.split(/[ \t]+/);
  if (valueText === undefined || valueText === '') {
    return fail('expected a value');
  }
  if (timestamp !== undefined && !TIMESTAMP.test(timestamp)) {
    return fail(`invalid timestamp "${timestamp}"`);
  }
  if (extra !== undefined) {
    return fail('unexpected text after the timestamp');
  }
  const value = parseValue(valueText);
  if (value === undefined) {
    return fail(`invalid value "${valueText}"`);
  }
  return { name, labels, value };
}

/** Parses `{a="1",b="x\"y"}` at the start of `text`; returns the labels and what follows. */
function parseLabels(
  text: string,
  fail: (problem: string) => never,
): { labels: Labels; rest: string } {
  const labels: Labels = {};
  let rest = text.slice(1).trimStart();

  while (!rest.startsWith('}')) {
    const label = LABEL_NAME.exec(rest)?.[0];
    if (label === undefined) {
      return fail('expected a label name or "}"');
    }
    rest = rest.slice(label.length).trimStart();
    if (!rest.startsWith('=')) {
      return fail(`expected "=" after label ${label}`);
    }
    rest = rest.slice(1).trimStart();
    if (!rest.startsWith('"')) {
      return fail(`expected a quoted value for label ${label}`);
    }

    const quoted = readQuoted(rest, fail);
    if (Object.hasOwn(labels, label)) {
      return fail(`label ${label} appears twice`);
    }
    labels[label] = quoted.value;
    rest = quoted.rest.trimStart();

    if (rest.startsWith(',')) {
      rest = rest.slice(1).trimStart();
    } else if (!rest.startsWith('}')) {
      return fail(`expected "," or "}" after label ${label}`);
    }
  }
  return { labels, rest: rest.slice(1) };
}

/** Reads a double-quoted label value with the escapes \\, \" and \n. */
function readQuoted(
  text: string,
  fail: (problem: string) => never,
): { value: string; rest: string } {
  let value = '';
  for (let index = 1; index < text.length; index += 1) {
    const char = text[index];
    if (char === '"') {
      return { value, rest: text.slice(index + 1) };
    }
    if (char !== '\\') {
      value += char;
      continue;
    }

    index += 1;
    const escaped = text[index];
    if (escaped === '\\' || escaped === '"') {
      value += escaped;
    } else if (escaped === 'n') {
      value += '\n';
    } else {
      return fail(`invalid escape "\\${escaped ?? ''}" in a label value`);
    }
  }
  return fail('unterminated label value');
}

/** Parses a sample value: a decimal number, NaN, or +Inf / -Inf (any case, as Go's parser). */
function parseValue(text: string): number | undefined {
  if (/^nan$/i.test(text)) {
    return Number.NaN;
  }
  const infinity = /^([+-]?)inf(inity)?$/i.exec(text);
  if (infinity !== null) {
    return infinity[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return DECIMAL.test(text) ? Number(text) : undefined;
}

function escapeLabelValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}
