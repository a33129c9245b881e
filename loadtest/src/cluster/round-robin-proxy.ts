import { connect, createServer, type Server, type Socket } from 'node:net';

const HOST = '127.0.0.1';

/** A replica the proxy can send connections to. */
export interface ProxyTarget {
  /** Replica id, used for the per-replica connection counts. */
  id: string;
  /** Port of the replica. */
  port: number;
  /** Address of the replica, e.g. inside a network namespace. @default '127.0.0.1' */
  host?: string;
}

export interface RoundRobinProxyOptions {
  /** Public port on 127.0.0.1. @default 0: a free port picked by the kernel */
  port?: number;
  /** Replicas to start with; more can be added later. @default [] */
  targets?: ProxyTarget[];
  /** Time one replica has to accept a connection before the next one is tried, ms. @default 2000 */
  connectTimeoutMs?: number;
}

/**
 * One public TCP port on 127.0.0.1 that hands each new connection to the next replica in
 * turn, with no stickiness, as Swarm's routing mesh does. Bytes are piped unchanged, so HTTP
 * and websocket upgrades pass through. A replica that rejects the connection is skipped for
 * that connection; when none accepts, the client's socket is closed.
 */
export class RoundRobinProxy {
  readonly host = HOST;
  port: number;
  /** Connections closed because no replica accepted them. */
  unroutedConnections = 0;
  private targets: ProxyTarget[];
  private readonly connectTimeoutMs: number;
  private nextTurn = 0;
  private readonly counts = new Map<string, number>();
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;

  constructor(options: RoundRobinProxyOptions = {}) {
    this.port = options.port ?? 0;
    this.targets = (options.targets ?? []).map(copyTarget);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
  }

  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** Starts listening; rejects with the listen error (its `code` kept, e.g. EADDRINUSE). */
  async start(): Promise<void> {
    if (this.server !== null) {
      return;
    }
    const server = createServer({ pauseOnConnect: true }, (client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });

    const address = server.address();
    if (address === null || typeof address === 'string') {
      server.close();
      throw new Error(`could not read the port the proxy listens on (${String(address)})`);
    }
    this.port = address.port;
    this.server = server;
  }

  /** Closes the public port and every connection through the proxy. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) {
      return;
    }
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await closed;
  }

  /** Adds a replica to the rotation, or changes the address of one with the same id. */
  addTarget(target: ProxyTarget): void {
    this.targets = [...this.targets.filter((known) => known.id !== target.id), copyTarget(target)];
  }

  /**
   * Takes a replica out of the rotation for new connections. Its open connections stay until
   * the replica closes them. Returns false when no replica has that id.
   */
  removeTarget(id: string): boolean {
    const before = this.targets.length;
    this.targets = this.targets.filter((target) => target.id !== id);
    return this.targets.length < before;
  }

  listTargets(): ProxyTarget[] {
    return this.targets.map((target) => ({ ...target }));
  }

  /** Connections handed to each replica since the start, keyed by replica id. */
  connectionCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  private accept(client: Socket): void {
    this.track(client);
    // Errors such as ECONNRESET end in 'close', which tears down both sides.
    client.on('error', () => {});

    const candidates = this.takeTurn();
    this.connectUpstream(client, candidates, 0);
  }

  /** Returns the replicas in the order to try for one new connection, and advances the turn. */
  private takeTurn(): ProxyTarget[] {
    const targets = this.targets;
    if (targets.length === 0) {
      return [];
    }
    const first = this.nextTurn % targets.length;
    this.nextTurn = first + 1;
    return [...targets.slice(first), ...targets.slice(0, first)];
  }

  private connectUpstream(client: Socket, candidates: ProxyTarget[], index: number): void {
    if (client.destroyed) {
      return;
    }
    const target = candidates[index];
    if (target === undefined) {
      this.unroutedConnections += 1;
      client.destroy();
      return;
    }

    // Nagle's algorithm with delayed ACKs delays small chat frames by tens of ms.
    client.setNoDelay(true);
    const upstream = connect({ host: target.host ?? this.host, port: target.port, noDelay: true });
    this.track(upstream);
    const abandon = () => upstream.destroy();
    client.once('close', abandon);

    let failed = false;
    const tryNext = () => {
      if (failed) {
        return;
      }
      failed = true;
      client.off('close', abandon);
      upstream.destroy();
      this.connectUpstream(client, candidates, index + 1);
    };
    upstream.setTimeout(this.connectTimeoutMs, tryNext);
    upstream.once('error', tryNext);

    upstream.once('connect', () => {
      upstream.setTimeout(0);
      upstream.off('error', tryNext);
      this.counts.set(target.id, (this.counts.get(target.id) ?? 0) + 1);
      this.join(client, upstream);
    });
  }

  /** Pipes both ways; the client side already destroys `upstream` when it closes. */
  private join(client: Socket, upstream: Socket): void {
    upstream.on('error', () => {});
    upstream.once('close', () => client.destroy());

    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }
}

/** Copies only the target's own fields, so callers may pass richer objects. */
function copyTarget({ id, port, host }: ProxyTarget): ProxyTarget {
  return host === undefined ? { id, port } : { id, port, host };
}
