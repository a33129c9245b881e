/**
 * The load of the server-cost step: many clients in small rooms, spread over the servers in
 * turn, first idle (for memory per connected client) and then chatting at a fixed total rate
 * (for deliveries per server CPU-second and Redis traffic). Server figures come from /proc.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ChatSocket,
  closeAll,
  connectMany,
  joinRoom,
  padding,
  type TimedMessage,
} from '../chat-client.ts';
import { nowMicroseconds } from '../latency.ts';
import { sendAtRate } from '../pacer.ts';
import { readTotalUsage } from '../processes.ts';
import { type RedisRates, redisRates, sampleRedis } from './redis-stats.ts';

export interface RoomLoad {
  clients: number;
  roomSize: number;
  /** Messages per second over all clients. */
  messagesPerSecond: number;
  messageBytes: number;
  /** Wait after the servers start and after the clients join, before reading memory, ms. */
  settleMs: number;
  measureMs: number;
  drainMs: number;
}

/** Servers under load: their addresses, process ids and the Redis they use, if any. */
export interface LoadTarget {
  urls: string[];
  pids: number[];
  redisUrl: string | null;
}

export interface LoadFigures {
  clients: number;
  /** Server RSS with no client connected, summed over the server processes, bytes. */
  rssBaselineBytes: number;
  /** Server RSS with half of the clients connected, joined and idle, bytes. */
  rssHalfBytes: number;
  /** Server RSS with every client connected, joined and idle, bytes. */
  rssIdleBytes: number;
  /** Server RSS added per idle client, from no client to all of them, bytes. */
  rssPerIdleClientBytes: number;
  /**
   * Server RSS added per idle client by the second half of the clients, bytes. It leaves out
   * what the first connections pay once (heap growth, compiled code), but a heap that grows
   * in steps of megabytes makes it noisy with few clients.
   */
  rssMarginalPerIdleClientBytes: number;
  sent: number;
  expected: number;
  delivered: number;
  /** Server CPU from the first send to the end of the drain, all processes, seconds. */
  serverCpuSeconds: number;
  deliveriesPerCpuSecond: number;
  /** Redis figures per second of the same span; null without Redis. */
  redis: RedisRates | null;
  seconds: number;
}

export async function runRoomLoad(target: LoadTarget, load: RoomLoad): Promise<LoadFigures> {
  await sleep(load.settleMs);
  const baseline = readTotalUsage(target.pids).rssBytes;
  const rooms = Array.from(
    { length: load.clients },
    (_, index) => `bench.cost.${Math.floor(index / load.roomSize)}`,
  );
  const half = Math.floor(load.clients / 2);

  const sockets: ChatSocket[] = [];
  try {
    const halfRss = await addClients(sockets, half, target, rooms, load.settleMs);
    const idleRss = await addClients(sockets, load.clients - half, target, rooms, load.settleMs);
    const chatting = await chat(sockets, rooms, target, load);
    return {
      clients: load.clients,
      rssBaselineBytes: baseline,
      rssHalfBytes: halfRss,
      rssIdleBytes: idleRss,
      rssPerIdleClientBytes: Math.round((idleRss - baseline) / load.clients),
      rssMarginalPerIdleClientBytes: Math.round((idleRss - halfRss) / (load.clients - half)),
      ...chatting,
    };
  } finally {
    closeAll(sockets);
  }
}

/** Connects and joins `count` more clients, waits, and returns the servers' RSS then. */
async function addClients(
  sockets: ChatSocket[],
  count: number,
  target: LoadTarget,
  rooms: string[],
  settleMs: number,
): Promise<number> {
  const first = sockets.length;
  sockets.push(...(await connectMany(target.urls, count, first)));
  const batch = 200;
  for (let start = first; start < sockets.length; start += batch) {
    const joins = sockets
      .slice(start, start + batch)
      .map((socket, offset) => joinRoom(socket, rooms[start + offset]!));
    await Promise.all(joins);
  }
  await sleep(settleMs);
  return readTotalUsage(target.pids).rssBytes;
}

type ChatFigures = Pick<
  LoadFigures,
  | 'sent'
  | 'expected'
  | 'delivered'
  | 'serverCpuSeconds'
  | 'deliveriesPerCpuSecond'
  | 'redis'
  | 'seconds'
>;

async function chat(
  sockets: ChatSocket[],
  rooms: string[],
  target: LoadTarget,
  load: RoomLoad,
): Promise<ChatFigures> {
  const members = new Map<string, number>();
  for (const room of rooms) {
    members.set(room, (members.get(room) ?? 0) + 1);
  }
  let delivered = 0;
  for (const socket of sockets) {
    socket.on('chat', () => {
      delivered += 1;
    });
  }

  const text = padding(load.messageBytes);
  let expected = 0;
  const send = (sequence: number) => {
    const sender = sequence % sockets.length;
    const message: TimedMessage = { text, seq: sequence, sentAtUs: nowMicroseconds() };
    sockets[sender]!.emit('chat', rooms[sender]!, message);
    expected += members.get(rooms[sender]!)! - 1;
  };

  const redisBefore = target.redisUrl === null ? null : await sampleRedis(target.redisUrl);
  const cpuBefore = readTotalUsage(target.pids);
  const startedAt = performance.now();
  const paced = await sendAtRate({
    rate: load.messagesPerSecond,
    durationMs: load.measureMs,
    send,
  });
  await sleep(load.drainMs);
  const seconds = (performance.now() - startedAt) / 1000;
  const cpuAfter = readTotalUsage(target.pids);
  const redisAfter = target.redisUrl === null ? null : await sampleRedis(target.redisUrl);

  const serverCpuSeconds = cpuAfter.cpuSeconds - cpuBefore.cpuSeconds;
  return {
    sent: paced.sent,
    expected,
    delivered,
    serverCpuSeconds: round(serverCpuSeconds),
    deliveriesPerCpuSecond: serverCpuSeconds > 0 ? Math.round(delivered / serverCpuSeconds) : 0,
    redis:
      redisBefore === null || redisAfter === null
        ? null
        : redisRates(redisBefore, redisAfter, seconds),
    seconds: round(seconds),
  };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
