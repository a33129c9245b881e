/**
 * Step 2, the server floor: the project's chat server, 2 replicas on the pubsub adapter, each
 * a real process, driven by one sender on the first replica and one receiver on the second
 * through plain socket.io-client connections. Every delivery crosses replicas through Redis.
 */

import {
  ChatClientError,
  type ChatSocket,
  closeAll,
  connectChat,
  joinRoom,
  type TimedMessage,
} from './chat-client.ts';
import { ChatReplicas } from './chat-replicas.ts';
import { type LightLoad, measureOneWay, type OneWayResult } from './one-way.ts';

const ROOM = 'bench.server-floor';

/**
 * Per-client rate limit of the server-floor replicas: the single sender sends the whole
 * light-load rate, above the server's default of 50 messages per second.
 */
export function floorRateLimit(load: LightLoad): number {
  return Math.ceil(load.rate * 2);
}

export async function measureServerFloor(redisUrl: string, load: LightLoad): Promise<OneWayResult> {
  const limit = String(floorRateLimit(load));
  const cluster = await ChatReplicas.start({
    count: 2,
    adapter: 'pubsub',
    redisUrl,
    env: { CHAT_RATE_LIMIT: limit, CHAT_RATE_BURST: limit },
  });
  const sockets: ChatSocket[] = [];
  try {
    const [senderUrl, receiverUrl] = cluster.urls;
    const sender = await connectChat(senderUrl!);
    sockets.push(sender);
    const receiver = await connectChat(receiverUrl!);
    sockets.push(receiver);
    const senderReplica = await joinRoom(sender, ROOM);
    const receiverReplica = await joinRoom(receiver, ROOM);
    if (senderReplica === receiverReplica) {
      throw new ChatClientError(
        `sender and receiver both landed on replica ${senderReplica}; expected two replicas`,
      );
    }

    return await measureOneWay(
      {
        send: (message) => sender.emit('chat', ROOM, message),
        onReceive: (handler) =>
          receiver.on('chat', (delivery) => handler(delivery.message as TimedMessage)),
      },
      load,
    );
  } finally {
    closeAll(sockets);
    await cluster.stop();
  }
}
