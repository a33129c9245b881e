/**
 * The figures one load-generator thread collects besides delivery counts: latency, schedule
 * lag and connect histograms, latency by slice of the measure window, connection counters
 * and the number of members over time.
 */
import {
  createHistogram,
  encodeHistogram,
  type Histogram,
  nanosecondsToMicroseconds,
} from '../results/histogram.ts';
import type { MembersPerSecond } from './clients-peak.ts';
import type { WorkerFile } from './worker-file.ts';

export interface ConnectionCounters {
  /** Users that started connecting. */
  attempts: number;
  /** Users whose first connection failed. */
  connectErrors: number;
  /** Joins rejected or not acknowledged in time, first joins and rejoins. */
  joinErrors: number;
  /** Leaves rejected or not acknowledged in time. */
  leaveErrors: number;
  /** Connections dropped without the user closing them. */
  disconnects: number;
  /** Connections re-established by the client after a drop. */
  reconnects: number;
}

export interface SendCounters {
  /** Scheduled sends skipped because the sender was disconnected or not a member. */
  skipped: number;
  /** Sends whose acknowledgement did not arrive within the timeout or before a drop. */
  ackTimeouts: number;
}

interface SliceHistograms {
  same: Histogram;
  cross: Histogram;
  /**
   * Encoding of the two histograms from the last write, null once a delivery changed them.
   * Worker files are rewritten every few seconds with every slice, and re-encoding all of
   * them would cost time in proportion to the length of the window.
   */
  encoded: { same: string; cross: string } | null;
}

export class StepRecorder {
  readonly same = createHistogram();
  readonly cross = createHistogram();
  readonly all = createHistogram();
  readonly scheduleLag = createHistogram();
  readonly connectLatency = createHistogram();
  readonly connection: ConnectionCounters = {
    attempts: 0,
    connectErrors: 0,
    joinErrors: 0,
    leaveErrors: 0,
    disconnects: 0,
    reconnects: 0,
  };
  readonly sends: SendCounters = { skipped: 0, ackTimeouts: 0 };
  readonly rejectReasons = new Map<string, number>();
  // NOTE: two HDR histograms per slice stay in memory for the whole window, so a soak grows
  // with its length: an estimated 17 MiB per generator thread for 30 minutes of 5 s slices.
  private readonly slices = new Map<number, SliceHistograms>();
  private readonly measureStart: bigint;
  private readonly sliceLength: bigint;
  private readonly sliceCount: number;
  /** Each dropped connection: ms into the measure window, and ms until the rejoin or null. */
  private readonly drops: [number, number | null][] = [];
  /** Drops not yet followed by a rejoin: index into `drops` and time, by member. */
  private readonly openDrops = new Map<number, { index: number; at: bigint }>();
  private members = 0;
  private peakMembers = 0;
  private readonly perSecond: MembersPerSecond = [];

  /** `measureStart` and `measureEnd` on the monotonic clock; `sliceLength` in nanoseconds. */
  constructor(measureStart: bigint, measureEnd: bigint, sliceLength: bigint) {
    this.measureStart = measureStart;
    this.sliceLength = sliceLength;
    const windowLength = measureEnd - measureStart;
    this.sliceCount = Number((windowLength + sliceLength - 1n) / sliceLength);
  }

  get memberCount(): number {
    return this.members;
  }

  /** Records one delivery's latency (ns) under its tag and the slice of its send time. */
  recordDelivery(latency: bigint, sentAt: bigint, cross: boolean): void {
    const microseconds = nanosecondsToMicroseconds(latency);
    this.all.recordValue(microseconds);
    (cross ? this.cross : this.same).recordValue(microseconds);

    const slice = this.slice(sentAt);
    if (slice !== undefined) {
      (cross ? slice.cross : slice.same).recordValue(microseconds);
      slice.encoded = null;
    }
  }

  recordScheduleLag(lag: bigint): void {
    this.scheduleLag.recordValue(nanosecondsToMicroseconds(lag));
  }

  recordConnect(duration: bigint): void {
    this.connectLatency.recordValue(nanosecondsToMicroseconds(duration));
  }

  /** Records that `member`'s connection dropped at `now` (ns); a second drop replaces the first. */
  recordDrop(member: number, now: bigint): void {
    const offsetMs = Number(now - this.measureStart) / 1e6;
    this.openDrops.set(member, { index: this.drops.length, at: now });
    this.drops.push([round(offsetMs), null]);
  }

  /** Records that `member` joined its room again after its last drop. */
  recordRejoin(member: number, now: bigint): void {
    const open = this.openDrops.get(member);
    if (open === undefined) {
      return;
    }
    this.openDrops.delete(member);
    this.drops[open.index]![1] = round(Number(now - open.at) / 1e6);
  }

  recordRejection(reason: string): void {
    this.rejectReasons.set(reason, (this.rejectReasons.get(reason) ?? 0) + 1);
  }

  /** Adds `change` (+1 or -1) to the members of this thread at epoch time `nowMs`. */
  changeMembers(change: number, nowMs: number): void {
    this.members += change;
    this.peakMembers = Math.max(this.peakMembers, this.members);

    const second = Math.floor(nowMs / 1000);
    const last = this.perSecond.at(-1);
    if (last?.[0] === second) {
      last[1] = Math.max(last[1], this.members);
      last[2] = this.members;
    } else {
      const carried = last?.[2] ?? 0;
      this.perSecond.push([second, Math.max(carried, this.members), this.members]);
    }
  }

  /** Encodes the parts of a worker file this recorder owns. */
  encode(): Pick<WorkerFile, 'latency' | 'scheduleLag' | 'intervals' | 'drops'> & {
    connectLatency: string;
    clients: { connected: number; peak: number; perSecond: MembersPerSecond };
  } {
    const intervals = [...this.slices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, slice]) => {
        slice.encoded ??= {
          same: encodeHistogram(slice.same),
          cross: encodeHistogram(slice.cross),
        };
        return { index, ...slice.encoded };
      });
    return {
      latency: {
        same: encodeHistogram(this.same),
        cross: encodeHistogram(this.cross),
        all: encodeHistogram(this.all),
      },
      scheduleLag: encodeHistogram(this.scheduleLag),
      intervals,
      connectLatency: encodeHistogram(this.connectLatency),
      drops: this.drops.map(([at, rejoin]) => [at, rejoin]),
      clients: {
        connected: this.members,
        peak: this.peakMembers,
        perSecond: this.perSecond.map(([second, maximum, last]) => [second, maximum, last]),
      },
    };
  }

  private slice(sentAt: bigint): SliceHistograms | undefined {
    const index = Number((sentAt - this.measureStart) / this.sliceLength);
    if (sentAt < this.measureStart || index >= this.sliceCount) {
      return undefined;
    }

    let slice = this.slices.get(index);
    if (slice === undefined) {
      slice = { same: createHistogram(), cross: createHistogram(), encoded: null };
      this.slices.set(index, slice);
    }
    return slice;
  }
}

/** Milliseconds to 3 decimals, which is microseconds. */
function round(ms: number): number {
  return Math.round(ms * 1_000) / 1_000;
}
