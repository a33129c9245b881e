/**
 * A minimal relay: a `ws` server on loopback whose clients' messages go to one Redis pub/sub
 * channel, and whose clients receive what the other relays publish there. It is the least
 * work two replicas joined by Redis can do, and so the floor the chat server is compared to.
 *
 * Usage: node relay-main.ts REDIS_URL RELAY_ID. Prints "ready PORT" once it listens and is
 * subscribed, and exits on SIGTERM or SIGINT.
 */
import { Redis } from 'ioredis';
import { WebSocket, WebSocketServer } from 'ws';

const CHANNEL = 'bench-floor';
const SEPARATOR = '|';

const [redisUrl, relayId] = process.argv.slice(2);
if (redisUrl === undefined || relayId === undefined || relayId.includes(SEPARATOR)) {
  process.stderr.write('usage: node relay-main.ts REDIS_URL RELAY_ID (an id without "|")\n');
  process.exit(2);
}

const publisher = new Redis(redisUrl);
const subscriber = new Redis(redisUrl);
const ownPrefix = `${relayId}${SEPARATOR}`;
const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
const listening = new Promise<void>((resolve) => server.once('listening', () => resolve()));

subscriber.on('message', (_channel: string, published: string) => {
  // A relay's own messages come back on the channel too; only other relays' are delivered.
  if (published.startsWith(ownPrefix)) {
    return;
  }
  const payload = published.slice(published.indexOf(SEPARATOR) + 1);
  for (const client of server.clients) {
    if (client.readyState === WebSocket.OPEN) {
      client.send(payload);
    }
  }
});

server.on('connection', (socket) => {
  socket.on('message', (data) => {
    void publisher.publish(CHANNEL, ownPrefix + data.toString());
  });
});

await subscriber.subscribe(CHANNEL);
await listening;
const address = server.address();
const port = typeof address === 'object' && address !== null ? address.port : 0;
process.stdout.write(`ready ${port}\n`);

const stop = () => {
  server.close();
  for (const client of server.clients) {
    client.terminate();
  }
  publisher.disconnect();
  subscriber.disconnect();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
