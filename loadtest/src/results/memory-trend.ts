/**
 * Memory trends over a measure window: the readings inside it and their least-squares slope,
 * so a leak shows as a steady rise in MiB per minute rather than as one high reading.
 */
import type { MemorySample } from './summary.ts';

const MEBIBYTE = 1024 * 1024;

/** Readings taken inside [0, measureSeconds], the measure window. */
export function windowSamples(samples: MemorySample[], measureSeconds: number): MemorySample[] {
  return samples.filter(([seconds]) => seconds >= 0 && seconds <= measureSeconds);
}

/**
 * Fits a straight line to (seconds, bytes) points by least squares and returns its slope in
 * MiB per minute, rounded to 0.001. Returns null below two points or when all share one time.
 */
export function slopeMiBPerMinute(points: [seconds: number, bytes: number][]): number | null {
  if (points.length < 2) {
    return null;
  }

  const meanSeconds = points.reduce((sum, [seconds]) => sum + seconds, 0) / points.length;
  const meanBytes = points.reduce((sum, [, bytes]) => sum + bytes, 0) / points.length;
  let covariance = 0;
  let variance = 0;
  for (const [seconds, bytes] of points) {
    covariance += (seconds - meanSeconds) * (bytes - meanBytes);
    variance += (seconds - meanSeconds) ** 2;
  }
  if (variance === 0) {
    return null;
  }

  const bytesPerSecond = covariance / variance;
  return Math.round(((bytesPerSecond * 60) / MEBIBYTE) * 1000) / 1000;
}

/** Slopes of RSS and of heap used over the measure window. */
export function memorySlopes(
  samples: MemorySample[],
  measureSeconds: number,
): { rss: number | null; heap: number | null } {
  const inside = windowSamples(samples, measureSeconds);
  const heapPoints: [number, number][] = [];
  for (const [seconds, , heap] of inside) {
    if (heap !== null) {
      heapPoints.push([seconds, heap]);
    }
  }
  return {
    rss: slopeMiBPerMinute(inside.map(([seconds, rss]) => [seconds, rss])),
    heap: slopeMiBPerMinute(heapPoints),
  };
}
