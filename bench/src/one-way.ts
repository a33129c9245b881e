/**
 * One sender, one receiver, one process: the measuring loop of the two floors. Messages go
 * out open-loop at the light-load rate, and each receipt records its one-way latency on the
 * process's monotonic clock. A warm-up runs first, unrecorded, so that connection set-up and
 * JIT compilation stay out of a figure meant as the lowest latency the path allows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { padding, type TimedMessage } from './chat-client.ts';
import { type LatencyFigures, LatencyRecorder, nowMicroseconds } from './latency.ts';
import { sendAtRate } from './pacer.ts';

/** The light load shared by the floor, the server floor and the harness comparison. */
export interface LightLoad {
  /** Messages per second. */
  rate: number;
  /** Bytes of text in each message. */
  messageBytes: number;
  /** Unrecorded sending before the measure window, ms. */
  warmupMs: number;
  /** Recorded sending, ms. */
  measureMs: number;
  /** Wait after the last send for deliveries still in flight, ms. */
  drainMs: number;
}

/** The two ends of a path under test. */
export interface OneWayLink {
  /** Sends one message from the sender end. */
  send(message: TimedMessage): void;
  /** Registers the handler of every message the receiver end gets. */
  onReceive(handler: (message: TimedMessage) => void): void;
}

export interface OneWayResult {
  latency: LatencyFigures;
  sent: number;
  received: number;
  lost: number;
  duplicated: number;
  /** Schedule lag of the sender, p99 and max, µs. */
  lagP99Us: number;
  lagMaxUs: number;
}

export async function measureOneWay(link: OneWayLink, load: LightLoad): Promise<OneWayResult> {
  const text = padding(load.messageBytes);
  const recorder = new LatencyRecorder();
  const seen = new Set<number>();
  let firstMeasured = Number.POSITIVE_INFINITY;
  let duplicated = 0;

  link.onReceive((message) => {
    if (message.seq < firstMeasured) {
      return;
    }
    if (seen.has(message.seq)) {
      duplicated += 1;
      return;
    }
    seen.add(message.seq);
    recorder.recordSince(message.sentAtUs);
  });
  let next = 0;
  const send = () => {
    link.send({ text, seq: next, sentAtUs: nowMicroseconds() });
    next += 1;
  };

  if (load.warmupMs > 0) {
    await sendAtRate({ rate: load.rate, durationMs: load.warmupMs, send });
  }
  firstMeasured = next;
  const paced = await sendAtRate({ rate: load.rate, durationMs: load.measureMs, send });
  await sleep(load.drainMs);

  return {
    latency: recorder.figures(),
    sent: paced.sent,
    received: seen.size,
    lost: paced.sent - seen.size,
    duplicated,
    lagP99Us: paced.lagP99Us,
    lagMaxUs: paced.lagMaxUs,
  };
}
