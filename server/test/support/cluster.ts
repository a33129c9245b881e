import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { RedisServer } from '../../../loadtest/src/cluster/redis-server.ts';
import { ChatServer } from '../../src/chat-server.ts';
import { loadConfig, type ServerConfig } from '../../src/config.ts';
import type {
  AdapterMode,
  ClientToServerEvents,
  ServerToClientEvents,
  Welcome,
} from '../../src/protocol.ts';

export type ChatClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A real redis-server and chat servers in this process, each on a free port. */
export class TestCluster {
  readonly redis = new RedisServer();
  readonly servers: ChatServer[] = [];
  private readonly clients: ChatClient[] = [];

  async start(
    replicas: number,
    adapter: AdapterMode,
    env: Record<string, string> = {},
  ): Promise<this> {
    await this.redis.start();
    for (let index = 1; index <= replicas; index++) {
      await this.addServer(`replica-${index}`, adapter, env);
    }
    return this;
  }

  async addServer(
    replicaId: string,
    adapter: AdapterMode,
    env: Record<string, string> = {},
  ): Promise<ChatServer> {
    const config: ServerConfig = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL: this.redis.url,
      CHAT_ADAPTER: adapter,
      REPLICA_ID: replicaId,
      LOG_LEVEL: 'silent',
      ...env,
    });
    const server = new ChatServer(config, pino({ level: 'silent' }));
    await server.start();
    this.servers.push(server);
    return server;
  }

  /** Connects a websocket client to a server and waits for its welcome. */
  async connect(server: ChatServer): Promise<{ client: ChatClient; welcome: Welcome }> {
    const client: ChatClient = connect(server.url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    this.clients.push(client);
    const welcome = await new Promise<Welcome>((resolve, reject) => {
      client.once('welcome', resolve);
      client.once('connect_error', reject);
    });
    return { client, welcome };
  }

  async stop(): Promise<void> {
    for (const client of this.clients) {
      client.disconnect();
    }
    await Promise.all(this.servers.map((server) => server.stop()));
    await this.redis.dispose();
  }
}

/** Emits an event with an ack and resolves with the ack's response. */
export function request<Response>(
  client: ChatClient,
  event: string,
  ...args: unknown[]
): Promise<Response> {
  return (client.timeout(5_000) as unknown as Socket).emitWithAck(event, ...args);
}

/** Resolves with the next `chat` delivery, or rejects after `timeoutMs`. */
export function nextChat(client: ChatClient, timeoutMs = 5_000) {
  return new Promise<Parameters<ServerToClientEvents['chat']>[0]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no chat delivery arrived')), timeoutMs);
    client.once('chat', (delivery) => {
      clearTimeout(timer);
      resolve(delivery);
    });
  });
}

/** Collects every `chat` delivery a client receives from now on. */
export function collectChats(client: ChatClient) {
  const received: Parameters<ServerToClientEvents['chat']>[0][] = [];
  client.on('chat', (delivery) => received.push(delivery));
  return received;
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
