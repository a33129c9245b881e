import { setTimeout as sleep } from 'node:timers/promises';
import { io, type Socket } from 'socket.io-client';
import type {
  Ack,
  ClientToServerEvents,
  JoinResult,
  ServerToClientEvents,
} from '../../../server/src/protocol.ts';

type ChatClient = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ChatLoadOptions {
  /** Server base URLs. Clients are spread over them in turn. */
  urls: string[];
  clientsPerServer: number;
  room: string;
  /** Time between two messages of one client, ms. */
  intervalMs: number;
  durationMs: number;
}

export interface ChatLoadResult {
  sent: number;
  received: number;
}

/**
 * Connects websocket clients to every server, joins them to one room and has each send a
 * message every `intervalMs` for `durationMs`, so every replica has traffic of its own and
 * from the backplane.
 */
export async function runChatLoad(options: ChatLoadOptions): Promise<ChatLoadResult> {
  const clients: ChatClient[] = [];
  const result: ChatLoadResult = { sent: 0, received: 0 };
  try {
    for (const url of options.urls) {
      for (let index = 0; index < options.clientsPerServer; index++) {
        const client = await connect(url);
        clients.push(client);
        client.on('chat', () => {
          result.received++;
        });
        await join(client, options.room);
      }
    }

    const deadline = Date.now() + options.durationMs;
    let sequence = 0;
    while (Date.now() < deadline) {
      for (const client of clients) {
        client.emit('chat', options.room, { text: 'deploy test', seq: sequence++ });
        result.sent++;
      }
      await sleep(options.intervalMs);
    }
    // Lets the last messages arrive before the clients go.
    await sleep(500);
  } finally {
    for (const client of clients) {
      client.disconnect();
    }
  }
  return result;
}

function connect(url: string): Promise<ChatClient> {
  const client: ChatClient = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    client.once('welcome', () => resolve(client));
    client.once('connect_error', (error) => {
      client.disconnect();
      reject(new Error(`could not connect to ${url}: ${error.message}`));
    });
  });
}

async function join(client: ChatClient, room: string): Promise<void> {
  const ack = (await client.timeout(5000).emitWithAck('join', room)) as Ack<JoinResult>;
  if (!ack.ok) {
    throw new Error(`join ${room} was rejected: ${ack.error.code} ${ack.error.message}`);
  }
}
