/**
 * A thread's member counts over time, one entry per epoch second with a change:
 * [second, maximum members during that second, members at its last change]. A second without
 * an entry keeps the count of the entry before.
 */
export type MembersPerSecond = [second: number, maximum: number, last: number][];

/**
 * Computes the maximum number of members at once across threads. Summing per-second maxima
 * can overstate the true peak by members that came and went within one second, but never
 * understates it.
 */
export function clientsPeak(threads: MembersPerSecond[]): number {
  const seconds = [...new Set(threads.flatMap((series) => series.map(([second]) => second)))];
  seconds.sort((a, b) => a - b);

  const positions = threads.map(() => 0);
  const carried = threads.map(() => 0);
  let peak = 0;
  for (const second of seconds) {
    let total = 0;
    threads.forEach((series, thread) => {
      const entry = series[positions[thread]!];
      if (entry?.[0] === second) {
        total += entry[1];
        carried[thread] = entry[2];
        positions[thread]! += 1;
      } else {
        total += carried[thread]!;
      }
    });
    peak = Math.max(peak, total);
  }
  return peak;
}
