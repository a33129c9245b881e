/**
 * Delivery counts of one thread by the send time of the message, in fixed slices of the
 * measure window. Fault runs add slices up on either side of an outage's edges. So each part
 * keeps `expected = delivered + lost` exactly, and only the edges are rounded to a slice.
 */

/** The counts of every slice, index 0 starting at the measure window's start. */
export interface SendTimeSlices {
  /** Length of one slice, ms. */
  sliceMs: number;
  expected: number[];
  delivered: number[];
  lost: number[];
  /** Of `lost`: deliveries whose receiver or sender lost its connection during the step. */
  lostToDisconnects: number[];
  /** Receipts of a message the receiver had already received. */
  duplicated: number[];
  /** Of `expected`: deliveries to a member on another replica than the sender's. */
  crossExpected: number[];
  /** Of `lost`: deliveries to a member on another replica than the sender's. */
  crossLost: number[];
}

type Field = Exclude<keyof SendTimeSlices, 'sliceMs'>;

const FIELDS: Field[] = [
  'expected',
  'delivered',
  'lost',
  'lostToDisconnects',
  'duplicated',
  'crossExpected',
  'crossLost',
];

export class SendTimeCounts {
  private readonly measureStart: bigint;
  private readonly sliceNs: bigint;
  private readonly slices: SendTimeSlices;

  /** `measureStart` and `measureEnd` in ns of the monotonic clock. */
  constructor(measureStart: bigint, measureEnd: bigint, sliceMs: number) {
    this.measureStart = measureStart;
    this.sliceNs = BigInt(Math.round(sliceMs * 1e6));
    const count = Number((measureEnd - measureStart + this.sliceNs - 1n) / this.sliceNs);
    this.slices = { sliceMs } as SendTimeSlices;
    for (const field of FIELDS) {
      this.slices[field] = new Array<number>(Math.max(0, count)).fill(0);
    }
  }

  /** Adds `change` to `field` in the slice of `sentAt`; a time outside the window is ignored. */
  add(field: Field, sentAt: bigint | undefined, change = 1): void {
    if (sentAt === undefined || sentAt < this.measureStart) {
      return;
    }
    const index = Number((sentAt - this.measureStart) / this.sliceNs);
    const counts = this.slices[field];
    if (index < counts.length) {
      counts[index] = (counts[index] ?? 0) + change;
    }
  }

  /** Returns a copy for the worker file. */
  encode(): SendTimeSlices {
    const copy = { sliceMs: this.slices.sliceMs } as SendTimeSlices;
    for (const field of FIELDS) {
      copy[field] = [...this.slices[field]];
    }
    return copy;
  }
}
