import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback that hands each new connection to the next backend port in turn,
 * like a routing mesh without stickiness, so one Artillery target reaches every replica.
 * A backend that refuses the connection is skipped, as a mesh skips a stopped task.
 */
export class RoundRobinProxy {
  port = 0;
  private readonly backends: number[];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private next = 0;

  constructor(backendPorts: number[]) {
    this.backends = backendPorts;
    this.server = createServer((client) => this.forward(client));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', resolve);
    });
    const address = this.server.address();
    if (address === null || typeof address === 'string') {
      throw new Error('the proxy has no TCP address after listening');
    }
    this.port = address.port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket): void {
    client.pause();
    this.sockets.add(client);
    client.once('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());

    const first = this.next;
    this.next += 1;
    this.connectBackend(client, first, this.backends.length);
  }

  /** Connects to backend `index`, or to the following ones while they refuse. */
  private connectBackend(client: Socket, index: number, triesLeft: number): void {
    if (triesLeft === 0 || client.destroyed) {
      client.destroy();
      return;
    }

    const port = this.backends[index % this.backends.length]!;
    const backend = connect({ host: '127.0.0.1', port });
    backend.once('error', () => {
      backend.destroy();
      this.connectBackend(client, index + 1, triesLeft - 1);
    });
    backend.once('connect', () => {
      this.sockets.add(backend);
      backend.once('close', () => this.sockets.delete(backend));
      backend.removeAllListeners('error');
      backend.on('error', () => client.destroy());
      client.on('close', () => backend.destroy());
      backend.on('close', () => client.destroy());
      client.pipe(backend);
      backend.pipe(client);
      client.resume();
    });
  }
}
