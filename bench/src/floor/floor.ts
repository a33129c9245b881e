/**
 * Step 1, the floor: one sender and one receiver with the plain `ws` client, each on its own
 * relay process, the two relays joined by Redis pub/sub. Same message size and rate as the
 * server floor and the harness, so the chat server's latency can be read as a multiple of it.
 */
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { TimedMessage } from '../chat-client.ts';
import { type LightLoad, measureOneWay, type OneWayResult } from '../one-way.ts';
import { NodeChild } from '../processes.ts';

const RELAY_MAIN = join(import.meta.dirname, 'relay-main.ts');

/** Measures sender → relay A → Redis → relay B → receiver under `load`. */
export async function measureFloor(redisUrl: string, load: LightLoad): Promise<OneWayResult> {
  const relays: NodeChild[] = [];
  const sockets: WebSocket[] = [];
  try {
    for (const id of ['a', 'b']) {
      relays.push(
        await NodeChild.start({ args: [RELAY_MAIN, redisUrl, id], readyLine: /^ready \d+$/ }),
      );
    }
    const [portA, portB] = relays.map((relay) => relay.readyText.split(' ')[1]);
    const sender = await openSocket(`ws://127.0.0.1:${portA}`);
    sockets.push(sender);
    const receiver = await openSocket(`ws://127.0.0.1:${portB}`);
    sockets.push(receiver);

    return await measureOneWay(
      {
        send: (message) => sender.send(JSON.stringify(message)),
        onReceive: (handler) =>
          receiver.on('message', (data) => handler(JSON.parse(data.toString()) as TimedMessage)),
      },
      load,
    );
  } finally {
    for (const socket of sockets) {
      socket.terminate();
    }
    await Promise.all(relays.map((relay) => relay.stop()));
  }
}

function openSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', (error) => reject(new Error(`cannot open ${url}: ${error.message}`)));
  });
}
