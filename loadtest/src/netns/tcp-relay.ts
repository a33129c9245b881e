import { connect, createServer, type Server, type Socket } from 'node:net';

const LOOPBACK = '127.0.0.1';

/**
 * A port on 127.0.0.1 that pipes each connection to one fixed address, here a replica inside
 * its namespace. It exists because RoundRobinProxy only forwards to ports on 127.0.0.1: the
 * proxy sends each connection to the relay of the next replica.
 */
export class TcpRelay {
  port = 0;
  private readonly targetHost: string;
  private readonly targetPort: number;
  private readonly sockets = new Set<Socket>();
  private server: Server | null = null;

  constructor(targetHost: string, targetPort: number) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
  }

  /** Listens on a free port of 127.0.0.1. */
  async start(): Promise<void> {
    const server = createServer({ pauseOnConnect: true }, (client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, LOOPBACK, () => {
        server.off('error', reject);
        resolve();
      });
    });

    const address = server.address();
    if (address === null || typeof address === 'string') {
      server.close();
      throw new Error(`could not read the port the relay listens on (${String(address)})`);
    }
    this.port = address.port;
    this.server = server;
  }

  /** Closes the port and every relayed connection. */
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

  private relay(client: Socket): void {
    const upstream = connect({ host: this.targetHost, port: this.targetPort });
    this.track(client);
    this.track(upstream);

    // Either side failing (ECONNREFUSED, ECONNRESET) ends in 'close', which closes the other.
    client.on('error', () => {});
    upstream.on('error', () => {});
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());

    upstream.once('connect', () => {
      upstream.setNoDelay(true);
      client.setNoDelay(true);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }
}
