import type { Logger } from 'pino';
import type { Server, Socket } from 'socket.io';
import type { ServerConfig } from './config.ts';
import type { ServerMetrics } from './metrics.ts';
import type {
  Ack,
  ChatDelivery,
  ClientToServerEvents,
  RejectReason,
  ServerToClientEvents,
} from './protocol.ts';
import { TokenBucket } from './rate-limit.ts';
import { parseMessage, parseRoom, Rejection } from './validation.ts';
import { VERSION } from './version.ts';

export type ChatServerIo = Server<ClientToServerEvents, ServerToClientEvents>;
type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents>;
type AnyAck = (response: Ack<Record<string, unknown>>) => void;

const KNOWN_EVENTS = new Set(['join', 'leave', 'chat']);

// Start of an encoded chat event in an engine.io packet: type 2 (EVENT), default namespace.
const CHAT_PACKET_PREFIX = '2["chat"';

export interface HandlerContext {
  config: ServerConfig;
  metrics: ServerMetrics;
  logger: Logger;
}

/** Wires one client connection: welcome, the three client events, limits and counting. */
export function handleConnection(socket: ChatSocket, context: HandlerContext): void {
  const { config, metrics } = context;
  const bucket = new TokenBucket(config.rateLimit, config.rateBurst);
  const recentRejections = new RejectionWindow();

  const reject = (reason: RejectReason, message: string, ack: AnyAck | undefined) => {
    metrics.reject(reason);
    ack?.({ ok: false, error: { code: reason, message } });
    const rejections = recentRejections.add();
    if (rejections === config.floodDisconnectAfter) {
      context.logger.warn(
        { socket: socket.id, rejections },
        'client disconnected: too many rejected events within one second',
      );
      socket.disconnect(true);
    }
  };

  // Runs a handler under the rate limit, turning a Rejection into an error ack.
  const guard = (args: unknown[], handler: (data: unknown[], ack: AnyAck | undefined) => void) => {
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as AnyAck) : undefined;
    if (!bucket.take()) {
      reject('rate_limited', `over the limit of ${config.rateLimit} events per second`, ack);
      return;
    }
    try {
      handler(args, ack);
    } catch (error) {
      if (!(error instanceof Rejection)) {
        throw error;
      }
      reject(error.reason, error.message, ack);
    }
  };

  socket.on('join', (...args: unknown[]) => guard(args, (data, ack) => join(socket, data, ack)));
  socket.on('leave', (...args: unknown[]) => guard(args, (data, ack) => leave(socket, data, ack)));
  socket.on('chat', (...args: unknown[]) =>
    guard(args, (data, ack) => chat(socket, data, ack, context)),
  );
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && KNOWN_EVENTS.has(event)) {
      return;
    }
    const ack = typeof args.at(-1) === 'function' ? (args.at(-1) as AnyAck) : undefined;
    reject('unknown_event', `unknown event ${JSON.stringify(String(event)).slice(0, 80)}`, ack);
  });

  countDeliveries(socket, metrics);
  socket.on('disconnect', (_reason, description) => {
    if (isFrameTooLarge(description)) {
      metrics.reject('frame_too_large');
    }
  });

  socket.emit('welcome', {
    replica: config.replicaId,
    version: VERSION,
    adapter: config.adapter,
    socketId: socket.id,
    limits: { maxMessageBytes: config.maxMessageBytes, messagesPerSecond: config.rateLimit },
  });

  function join(client: ChatSocket, data: unknown[], ack: AnyAck | undefined): void {
    const room = parseRoom(data[0]);
    const joined = client.rooms.size - 1;
    if (!client.rooms.has(room) && joined >= config.maxRoomsPerClient) {
      throw new Rejection(
        'too_many_rooms',
        `already in ${joined} rooms, the limit is ${config.maxRoomsPerClient}`,
      );
    }
    client.join(room);
    ack?.({ ok: true, room, replica: config.replicaId });
  }
}

function leave(socket: ChatSocket, data: unknown[], ack: AnyAck | undefined): void {
  const room = parseRoom(data[0]);
  socket.leave(room);
  ack?.({ ok: true, room });
}

function chat(
  socket: ChatSocket,
  data: unknown[],
  ack: AnyAck | undefined,
  context: HandlerContext,
): void {
  const receivedAt = performance.now();
  const room = parseRoom(data[0]);
  const message = parseMessage(data[1], context.config.maxMessageBytes);
  if (!socket.rooms.has(room)) {
    throw new Rejection('not_member', `join room ${JSON.stringify(room)} before sending to it`);
  }

  context.metrics.messagesReceived.inc();
  const delivery: ChatDelivery = {
    room,
    sender: socket.id,
    message,
    origin: context.config.replicaId,
  };
  const broadcast = () => {
    socket.to(room).emit('chat', delivery);
    context.metrics.messageHandling.observe((performance.now() - receivedAt) / 1000);
  };
  if (context.config.deliveryDelayMs > 0) {
    setTimeout(broadcast, context.config.deliveryDelayMs);
  } else {
    broadcast();
  }
  ack?.({ ok: true, room });
}

/** Counts rejections in the current one-second window. */
class RejectionWindow {
  private windowStart = 0;
  private count = 0;

  add(): number {
    const now = performance.now();
    if (now - this.windowStart >= 1_000) {
      this.windowStart = now;
      this.count = 0;
    }
    this.count += 1;
    return this.count;
  }
}

/** Counts chat events written to this client, whichever replica they came from. */
function countDeliveries(socket: ChatSocket, metrics: ServerMetrics): void {
  socket.conn.on('packetCreate', (packet: { type: string; data?: unknown }) => {
    if (
      packet.type === 'message' &&
      typeof packet.data === 'string' &&
      packet.data.startsWith(CHAT_PACKET_PREFIX)
    ) {
      metrics.messagesDelivered.inc();
    }
  });
}

/** Checks for the error the ws library raises when a frame exceeds maxPayload. */
function isFrameTooLarge(description: unknown): boolean {
  const code = (description as { code?: unknown } | undefined)?.code;
  const message = (description as { message?: unknown } | undefined)?.message;
  return (
    code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ||
    (typeof message === 'string' && message.includes('Max payload size exceeded'))
  );
}
