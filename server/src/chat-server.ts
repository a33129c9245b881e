import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import { Backplane, settleWithin } from './backplane.ts';
import { type ChatServerIo, handleConnection } from './chat-handlers.ts';
import { redactUrl, type ServerConfig } from './config.ts';
import { createRequestHandler } from './http-routes.ts';
import { ServerMetrics } from './metrics.ts';
import { VERSION } from './version.ts';

/** How long start() waits for Redis before serving anyway, with /readyz at 503. */
const REDIS_START_WAIT_MS = 5_000;

/** How long stop() lets the adapter unsubscribe before dropping the Redis connections. */
const ADAPTER_CLOSE_WAIT_MS = 2_000;

/**
 * One chat replica: HTTP (probes, metrics, page) and Socket.IO on one port, with the
 * configured Redis adapter as backplane.
 */
export class ChatServer {
  readonly config: ServerConfig;
  readonly metrics: ServerMetrics;
  readonly backplane: Backplane;
  readonly io: ChatServerIo;
  private readonly http: HttpServer;
  private readonly logger: Logger;
  private draining = false;

  constructor(config: ServerConfig, logger: Logger) {
    this.config = config;
    this.logger = logger;
    this.metrics = new ServerMetrics(
      {
        replica: config.replicaId,
        version: VERSION,
        adapter: config.adapter,
        deliveryDelayMs: config.deliveryDelayMs,
      },
      { connectedClients: () => this.io.engine.clientsCount, rooms: () => this.countRooms() },
    );
    this.backplane = new Backplane(config, this.metrics, logger);

    const handler = createRequestHandler({
      replicaId: config.replicaId,
      metrics: this.metrics,
      isReady: () => this.backplane.isReady,
      isDraining: () => this.draining,
    });
    this.http = createServer((request, response) => {
      handler(request, response).catch((error: Error) => {
        logger.error({ err: error, url: request.url }, 'http request failed');
        if (!response.headersSent) {
          response.writeHead(500).end();
        }
      });
    });
    this.io = new Server(this.http, {
      adapter: this.backplane.adapter(),
      transports: config.transports,
      maxHttpBufferSize: config.maxFrameBytes,
      cors: config.allowedOrigins.length > 0 ? { origin: config.allowedOrigins } : undefined,
      allowRequest: (request, callback) => callback(null, this.isOriginAllowed(request.headers)),
    });
    this.io.on('connection', (socket) => {
      handleConnection(socket, { config, metrics: this.metrics, logger });
    });
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async start(): Promise<void> {
    if (!(await this.backplane.waitUntilReady(REDIS_START_WAIT_MS))) {
      this.logger.warn(
        { redis: redactUrl(this.config.redisUrl) },
        'redis not reachable at start: serving local clients and retrying; /readyz is 503 until it connects',
      );
    }

    if (this.draining) {
      return;
    }
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.config.port, this.config.host, () => resolve());
    });
    this.logger.info(
      {
        port: this.port,
        adapter: this.config.adapter,
        redis: redactUrl(this.config.redisUrl),
        transports: this.config.transports,
        version: VERSION,
      },
      'chat server listening',
    );
    if (this.config.deliveryDelayMs > 0) {
      this.logger.warn(
        { deliveryDelayMs: this.config.deliveryDelayMs },
        'CALIBRATION MODE: every delivery is delayed on purpose; unset CHAT_DELIVERY_DELAY_MS ' +
          'for real measurements',
      );
    }
  }

  /**
   * Drains the replica: /readyz turns 503, no new connections are taken, and every client's
   * transport is closed so that socket.io-client reconnects, through the load balancer, to
   * another replica. Then the adapter and Redis connections are closed.
   */
  async stop(): Promise<void> {
    if (this.draining) {
      return;
    }
    this.draining = true;
    const clients = this.io.engine.clientsCount;
    this.logger.info(
      { clients },
      'draining: closing client connections so they reconnect elsewhere',
    );

    this.http.close();
    // engine.io keeps its connections in a field its types mark protected.
    const engine = this.io.engine as unknown as { clients: Record<string, { close(): void }> };
    for (const client of Object.values(engine.clients)) {
      client.close();
    }
    // Closing the adapter unsubscribes through Redis, which never replies during an outage.
    await settleWithin(this.io.close(), ADAPTER_CLOSE_WAIT_MS);
    await this.backplane.close();
    this.logger.info({ clients }, 'stopped');
  }

  private countRooms(): number {
    const adapter = this.io.of('/').adapter;
    let rooms = 0;
    for (const room of adapter.rooms.keys()) {
      if (!adapter.sids.has(room)) {
        rooms += 1;
      }
    }
    return rooms;
  }

  private isOriginAllowed(headers: { origin?: string | undefined }): boolean {
    const allowed = this.config.allowedOrigins;
    // Clients other than browsers send no Origin; the allow-list is a browser protection.
    return allowed.length === 0 || headers.origin === undefined || allowed.includes(headers.origin);
  }
}
