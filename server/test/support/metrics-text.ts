/** One sample of the Prometheus text format: `name{labels} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedMetrics {
  types: Map<string, string>;
  samples: Sample[];
}

/** Parses the text exposition format well enough to check names, types and values. */
export function parseMetrics(text: string): ParsedMetrics {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (sample === null) {
      throw new Error(`unparsable metrics line: ${line}`);
    }
    const labels: Record<string, string> = {};
    for (const match of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[match[1]!] = match[2]!;
    }
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

/** Returns the value of the one sample matching name and labels, or throws. */
export function sampleValue(
  metrics: ParsedMetrics,
  name: string,
  labels: Record<string, string> = {},
): number {
  const matches = metrics.samples.filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (matches.length !== 1) {
    throw new Error(
      `expected one sample of ${name} ${JSON.stringify(labels)}, found ${matches.length}`,
    );
  }
  return matches[0]!.value;
}

export async function scrape(url: string): Promise<ParsedMetrics> {
  const response = await fetch(`${url}/metrics`);
  return parseMetrics(await response.text());
}
