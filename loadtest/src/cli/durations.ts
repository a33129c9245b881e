/** Durations on the command line: `90s`, `5m`, `1m30s`, `500ms`, `1h`, or bare seconds. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const BARE_SECONDS = /^\d+(?:\.\d+)?$/;

/** Parses a duration into milliseconds; returns null when the text is not a duration. */
export function parseDurationMs(text: string): number | null {
  const trimmed = text.trim();
  if (BARE_SECONDS.test(trimmed)) {
    return Math.round(Number(trimmed) * 1_000);
  }
  if (!WHOLE.test(trimmed)) {
    return null;
  }

  let total = 0;
  for (const match of trimmed.matchAll(PART)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return Math.round(total);
}

/** Formats milliseconds as the shortest of `1h2m3s`, `45s`, `1.5s` or `250ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) {
    return `${Math.round(ms)}ms`;
  }

  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1_000;
  const parts: string[] = [];
  if (hours > 0) {
    parts.push(`${hours}h`);
  }
  if (minutes > 0) {
    parts.push(`${minutes}m`);
  }
  if (seconds > 0 || parts.length === 0) {
    parts.push(`${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`);
  }
  return parts.join('');
}
