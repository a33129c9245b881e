/**
 * A small latency probe of plain socket.io-client clients in this process, connected to each
 * replica's own address. Every client joins one room and sends on a fixed schedule. Every
 * delivery is timed with this process's monotonic clock and tagged same or cross replica.
 * The load is light on purpose, so that the probe measures the path, not a loaded machine.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  ChatDelivery,
  ChatMessage,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../../server/src/protocol.ts';
import {
  createHistogram,
  type Histogram,
  nanosecondsToMicroseconds,
  percentileMilliseconds,
  summariseHistogram,
} from '../results/histogram.ts';
import type { LatencySummary } from '../results/summary.ts';

type ChatClient = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface LatencyProbeOptions {
  /** Direct URLs of the replicas, at least two, e.g. http://10.213.7.3:3000. */
  replicaUrls: string[];
  /** Clients connected to each replica; each sends and receives. @default 2 */
  clientsPerReplica?: number;
  /** Messages each client sends. @default 100 */
  messagesPerClient?: number;
  /** Messages per second each client sends, on a fixed schedule. @default 10 */
  ratePerClient?: number;
  /** Time allowed after the last send for deliveries still in flight, ms. @default 2000 */
  drainMs?: number;
  /** Time each client has to connect and join, ms. @default 5000 */
  connectTimeoutMs?: number;
}

export interface LatencyProbeResult {
  /** Deliveries to a client on the sender's replica. */
  same: LatencySummary;
  /** Deliveries to a client on another replica, through Redis. */
  cross: LatencySummary;
  sent: number;
  /** Messages rejected by the server (error acknowledgement). */
  rejected: number;
  /** Every client except the sender, for every accepted message. */
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  /** How late sends left relative to their schedule, p99, ms. */
  scheduleLagP99Ms: number;
}

interface ProbeClient {
  index: number;
  socket: ChatClient;
  replica: string;
  seen: Set<string>;
}

interface ProbeMessage extends ChatMessage {
  client: number;
  seq: number;
  /** Send time on this process's monotonic clock, ns, as a decimal string. */
  sentAtNs: string;
}

class Tally {
  readonly same = createHistogram();
  readonly cross = createHistogram();
  readonly scheduleLag = createHistogram();
  sent = 0;
  rejected = 0;
  delivered = 0;
  duplicated = 0;
}

/** Runs the probe once and returns same- and cross-replica latency with delivery counts. */
export async function runLatencyProbe(options: LatencyProbeOptions): Promise<LatencyProbeResult> {
  const settings = resolveProbeOptions(options);
  const room = `netns-probe-${randomUUID()}`;
  const tally = new Tally();

  const clients = await connectClients(settings, room, tally);
  try {
    checkDistinctReplicas(clients, settings.replicaUrls);
    await sendOnSchedule(clients, room, settings, tally);
    await drain(tally, clients.length, settings.drainMs);
  } finally {
    for (const client of clients) {
      client.socket.disconnect();
    }
  }

  const expected = (tally.sent - tally.rejected) * (clients.length - 1);
  return {
    same: summariseHistogram(tally.same),
    cross: summariseHistogram(tally.cross),
    sent: tally.sent,
    rejected: tally.rejected,
    expected,
    delivered: tally.delivered,
    lost: expected - tally.delivered,
    duplicated: tally.duplicated,
    scheduleLagP99Ms: percentileMilliseconds(tally.scheduleLag, 99),
  };
}

function resolveProbeOptions(options: LatencyProbeOptions): Required<LatencyProbeOptions> {
  const settings = {
    replicaUrls: options.replicaUrls,
    clientsPerReplica: options.clientsPerReplica ?? 2,
    messagesPerClient: options.messagesPerClient ?? 100,
    ratePerClient: options.ratePerClient ?? 10,
    drainMs: options.drainMs ?? 2_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
  };
  if (settings.replicaUrls.length < 2) {
    throw new RangeError(
      `the probe needs at least two replica URLs to measure cross-replica latency, got ` +
        `${settings.replicaUrls.length}`,
    );
  }
  for (const field of ['clientsPerReplica', 'messagesPerClient', 'ratePerClient'] as const) {
    if (!(settings[field] > 0)) {
      throw new RangeError(`${field} must be above 0, got ${settings[field]}`);
    }
  }
  return settings;
}

async function connectClients(
  settings: Required<LatencyProbeOptions>,
  room: string,
  tally: Tally,
): Promise<ProbeClient[]> {
  const pending: Promise<ProbeClient>[] = [];
  for (const url of settings.replicaUrls) {
    for (let copy = 0; copy < settings.clientsPerReplica; copy += 1) {
      pending.push(connectClient(url, pending.length, room, settings.connectTimeoutMs, tally));
    }
  }

  const results = await Promise.allSettled(pending);
  const clients = results.flatMap((result) =>
    result.status === 'fulfilled' ? [result.value] : [],
  );
  const failure = results.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    for (const client of clients) {
      client.socket.disconnect();
    }
    throw failure.reason;
  }
  return clients;
}

async function connectClient(
  url: string,
  index: number,
  room: string,
  timeoutMs: number,
  tally: Tally,
): Promise<ProbeClient> {
  const socket: ChatClient = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: timeoutMs,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', (error) =>
        reject(new Error(`probe client could not connect to ${url}: ${error.message}`)),
      );
    });
    const ack = await socket.timeout(timeoutMs).emitWithAck('join', room);
    if (!ack.ok) {
      throw new Error(`probe client could not join ${room} on ${url}: ${ack.error.message}`);
    }

    const client: ProbeClient = { index, socket, replica: ack.replica, seen: new Set() };
    socket.on('chat', (delivery) => receive(client, delivery, tally));
    return client;
  } catch (error) {
    socket.disconnect();
    throw error;
  }
}

function checkDistinctReplicas(clients: ProbeClient[], urls: string[]): void {
  const replicas = new Set(clients.map((client) => client.replica));
  if (replicas.size < 2) {
    throw new Error(
      `every probe client reached replica ${[...replicas].join(', ')} through ` +
        `${urls.join(', ')}; give the direct URLs of different replicas`,
    );
  }
}

function receive(client: ProbeClient, delivery: ChatDelivery, tally: Tally): void {
  const receivedAt = process.hrtime.bigint();
  const message = delivery.message as ProbeMessage;
  const key = `${message.client}:${message.seq}`;
  if (client.seen.has(key)) {
    tally.duplicated += 1;
    return;
  }
  client.seen.add(key);
  tally.delivered += 1;

  const latency = nanosecondsToMicroseconds(receivedAt - BigInt(message.sentAtNs));
  const histogram: Histogram = delivery.origin === client.replica ? tally.same : tally.cross;
  histogram.recordValue(latency);
}

/**
 * Sends every client's messages at fixed times, start times spread over one interval, as an
 * open loop: a late send is recorded as schedule lag, never pushed back.
 */
async function sendOnSchedule(
  clients: ProbeClient[],
  room: string,
  settings: Required<LatencyProbeOptions>,
  tally: Tally,
): Promise<void> {
  const intervalNs = BigInt(Math.round(1e9 / settings.ratePerClient));
  const start = process.hrtime.bigint() + 50_000_000n;

  await Promise.all(
    clients.map(async (client) => {
      const offset = (intervalNs * BigInt(client.index)) / BigInt(clients.length);
      for (let seq = 0; seq < settings.messagesPerClient; seq += 1) {
        const due = start + offset + intervalNs * BigInt(seq);
        const waitNs = due - process.hrtime.bigint();
        if (waitNs > 0n) {
          await sleep(Math.ceil(Number(waitNs) / 1e6));
        }
        send(client, room, seq, due, tally);
      }
    }),
  );
}

function send(client: ProbeClient, room: string, seq: number, due: bigint, tally: Tally): void {
  const now = process.hrtime.bigint();
  tally.scheduleLag.recordValue(nanosecondsToMicroseconds(now - due));
  const message: ProbeMessage = {
    text: 'probe',
    client: client.index,
    seq,
    sentAtNs: now.toString(),
  };
  tally.sent += 1;
  client.socket.emit('chat', room, message, (ack: Ack<{ room: string }>) => {
    if (!ack.ok) {
      tally.rejected += 1;
    }
  });
}

/** Waits until every expected delivery arrived, or `drainMs` passed. */
async function drain(tally: Tally, clientCount: number, drainMs: number): Promise<void> {
  const deadline = Date.now() + drainMs;
  while (Date.now() < deadline) {
    const expected = (tally.sent - tally.rejected) * (clientCount - 1);
    if (tally.delivered >= expected) {
      return;
    }
    await sleep(20);
  }
}
