/**
 * Plain socket.io-client connections speaking the chat wire format, for the bench's own
 * drivers: no Artillery, no accounting, only what a latency or cost figure needs.
 */
import { io, type Socket } from 'socket.io-client';
import type {
  ChatMessage,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../../server/src/protocol.ts';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A chat message as the bench sends it: padding, a number and the send time. */
export interface TimedMessage extends ChatMessage {
  seq: number;
  /** Send time on the sender's monotonic clock, µs. */
  sentAtUs: number;
}

export class ChatClientError extends Error {
  override name = 'ChatClientError';
}

const CONNECT_TIMEOUT_MS = 10_000;
const ACK_TIMEOUT_MS = 10_000;

/**
 * Opens one WebSocket connection. `forceNew` matters: socket.io-client otherwise shares one
 * connection between every socket to the same address.
 */
export function connectChat(url: string): Promise<ChatSocket> {
  const socket: ChatSocket = io(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(new ChatClientError(`cannot connect to ${url}: ${error.message}`));
    });
  });
}

/** Joins `room` and returns the id of the replica that acknowledged the join. */
export async function joinRoom(socket: ChatSocket, room: string): Promise<string> {
  const ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('join', room);
  if (!ack.ok) {
    throw new ChatClientError(`join ${room} was rejected: ${ack.error.code} ${ack.error.message}`);
  }
  return ack.replica;
}

/**
 * Connects `count` clients, `batch` at a time. Client i goes to urls[(firstIndex + i) %
 * urls.length], so connections made in several calls still take the servers in turn.
 */
export async function connectMany(
  urls: string[],
  count: number,
  firstIndex = 0,
  batch = 100,
): Promise<ChatSocket[]> {
  const sockets: ChatSocket[] = [];
  for (let first = 0; first < count; first += batch) {
    const size = Math.min(batch, count - first);
    const results = await Promise.allSettled(
      Array.from({ length: size }, (_, offset) =>
        connectChat(urls[(firstIndex + first + offset) % urls.length]!),
      ),
    );
    for (const result of results) {
      if (result.status === 'fulfilled') {
        sockets.push(result.value);
      }
    }
    const failure = results.find((result) => result.status === 'rejected');
    if (failure !== undefined) {
      closeAll(sockets);
      throw new ChatClientError(
        `connecting ${count} clients failed after ${sockets.length} connected: ${String(failure.reason)}`,
        { cause: failure.reason },
      );
    }
  }
  return sockets;
}

export function closeAll(sockets: ChatSocket[]): void {
  for (const socket of sockets) {
    socket.close();
  }
}

/** Builds `bytes` of ASCII text for the `text` field of every message. */
export function padding(bytes: number): string {
  return 'x'.repeat(bytes);
}
