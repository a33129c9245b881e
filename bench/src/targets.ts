/**
 * Targets the bench reports against without asserting them: each check states the value,
 * the limit and, when missed, by how much.
 */

export type Comparison = '<=' | '>=';

export interface TargetCheck {
  name: string;
  /** The measured value; null when it was not measured. */
  value: number | null;
  comparison: Comparison;
  limit: number;
  /** Unit shown after numbers, e.g. '' for ratios, ' clients', ' bytes'. */
  unit: string;
  /** null when not measured. */
  met: boolean | null;
  /** One sentence: met, missed by how much, or why it was not measured. */
  verdict: string;
}

/** Checks `value comparison limit`; `missing` explains a null value. */
export function checkTarget(
  name: string,
  value: number | null,
  comparison: Comparison,
  limit: number,
  unit = '',
  missing = 'not measured',
): TargetCheck {
  const check = { name, value, comparison, limit, unit };
  if (value === null) {
    return { ...check, met: null, verdict: missing };
  }

  const met = comparison === '<=' ? value <= limit : value >= limit;
  const measured = `${formatNumber(value)}${unit}`;
  const target = `${comparison} ${formatNumber(limit)}${unit}`;
  if (met) {
    return { ...check, met, verdict: `met: ${measured}, target ${target}` };
  }
  const gap = Math.abs(value - limit);
  const percent =
    limit === 0
      ? ''
      : `, ${formatNumber((100 * gap) / limit)} % ${comparison === '<=' ? 'over' : 'short'}`;
  return {
    ...check,
    met,
    verdict: `missed by ${formatNumber(gap)}${unit}: ${measured}, target ${target}${percent}`,
  };
}

/** Formats with thousands separators and at most two decimals, e.g. 20,000 or 1.37. */
export function formatNumber(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}
