import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { findFreePort } from '../../src/cluster/free-port.ts';
import { type ProxyTarget, RoundRobinProxy } from '../../src/cluster/round-robin-proxy.ts';

/** A TCP server that sends `<id>\n` on connect, then echoes what it receives. */
interface EchoServer {
  id: string;
  port: number;
  server: Server;
  sockets: Set<Socket>;
}

const echoServers: EchoServer[] = [];
const proxies: RoundRobinProxy[] = [];

async function startEchoServer(id: string): Promise<EchoServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.write(`${id}\n`);
    socket.pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('echo server has no port');
  }
  const echo = { id, port: address.port, server, sockets };
  echoServers.push(echo);
  return echo;
}

async function startProxy(targets: ProxyTarget[]): Promise<RoundRobinProxy> {
  const proxy = new RoundRobinProxy({ targets });
  proxies.push(proxy);
  await proxy.start();
  return proxy;
}

/** Opens a connection through the proxy and returns the first line the far end sends. */
async function firstLine(port: number): Promise<{ line: string; socket: Socket }> {
  const socket = connect({ host: '127.0.0.1', port });
  const line = await new Promise<string>((resolve, reject) => {
    let received = '';
    const onData = (chunk: Buffer) => {
      received += String(chunk);
      if (received.includes('\n')) {
        socket.off('data', onData);
        resolve(received.split('\n')[0]!);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`closed before a line arrived: "${received}"`)));
  });
  return { line, socket };
}

/** Resolves with the bytes received before the server closed the connection. */
async function readUntilClosed(socket: Socket): Promise<string> {
  let received = '';
  socket.on('data', (chunk) => {
    received += String(chunk);
  });
  await once(socket, 'close');
  return received;
}

afterEach(async () => {
  for (const proxy of proxies.splice(0)) {
    await proxy.stop();
  }
  for (const echo of echoServers.splice(0)) {
    for (const socket of echo.sockets) {
      socket.destroy();
    }
    await new Promise((resolve) => echo.server.close(resolve));
  }
});

describe('RoundRobinProxy', () => {
  test('spreads connections in turn', async () => {
    const replicas = await Promise.all(['a', 'b', 'c'].map(startEchoServer));
    const proxy = await startProxy(replicas);

    const order: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      const { line, socket } = await firstLine(proxy.port);
      order.push(line);
      socket.destroy();
    }

    expect(order).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    expect(proxy.connectionCounts()).toEqual({ a: 2, b: 2, c: 2 });
  });

  test('pipes bytes both ways', async () => {
    const replica = await startEchoServer('a');
    const proxy = await startProxy([replica]);

    const { socket } = await firstLine(proxy.port);
    socket.write('hello through the proxy\n');
    const [echoed] = await once(socket, 'data');
    socket.destroy();

    expect(String(echoed)).toBe('hello through the proxy\n');
  });

  test('skips a replica that rejects', async () => {
    const live = await startEchoServer('live');
    const closedPort = await findFreePort();
    const proxy = await startProxy([{ id: 'down', port: closedPort }, live]);

    const lines: string[] = [];
    for (let index = 0; index < 4; index += 1) {
      const { line, socket } = await firstLine(proxy.port);
      lines.push(line);
      socket.destroy();
    }

    expect(lines).toEqual(['live', 'live', 'live', 'live']);
    expect(proxy.connectionCounts()).toEqual({ live: 4 });
    expect(proxy.unroutedConnections).toBe(0);
  });

  test('closes the client when none accepts', async () => {
    // Port 1 on loopback has no listener, and lies below the ephemeral range: a free port
    // from that range can be reached by a TCP self-connect, so a connect would succeed.
    const proxy = await startProxy([{ id: 'down', port: 1 }]);

    const socket = connect({ host: '127.0.0.1', port: proxy.port });
    const received = await readUntilClosed(socket);

    expect(received).toBe('');
    expect(proxy.unroutedConnections).toBe(1);
    expect(proxy.connectionCounts()).toEqual({});
  });

  test('closes the client with no replicas', async () => {
    const proxy = await startProxy([]);

    const socket = connect({ host: '127.0.0.1', port: proxy.port });
    await readUntilClosed(socket);

    expect(proxy.unroutedConnections).toBe(1);
  });

  test('follows added and removed replicas', async () => {
    const [a, b] = await Promise.all(['a', 'b'].map(startEchoServer));
    const proxy = await startProxy([a!]);

    proxy.addTarget(b!);
    const afterAdd: string[] = [];
    for (let index = 0; index < 2; index += 1) {
      const { line, socket } = await firstLine(proxy.port);
      afterAdd.push(line);
      socket.destroy();
    }
    expect(afterAdd.sort()).toEqual(['a', 'b']);

    expect(proxy.removeTarget('a')).toBe(true);
    expect(proxy.removeTarget('a')).toBe(false);
    const afterRemove: string[] = [];
    for (let index = 0; index < 2; index += 1) {
      const { line, socket } = await firstLine(proxy.port);
      afterRemove.push(line);
      socket.destroy();
    }
    expect(afterRemove).toEqual(['b', 'b']);
    expect(proxy.listTargets()).toEqual([{ id: 'b', port: b!.port }]);
  });

  test('stop closes open connections', async () => {
    const replica = await startEchoServer('a');
    const proxy = await startProxy([replica]);
    const { socket } = await firstLine(proxy.port);
    const closed = once(socket, 'close');

    await proxy.stop();

    await closed;
    expect(socket.destroyed).toBe(true);
    const refused = connect({ host: '127.0.0.1', port: proxy.port });
    const [error] = await once(refused, 'error');
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  test('start reports a port in use', async () => {
    const first = await startProxy([]);
    const second = new RoundRobinProxy({ port: first.port });

    await expect(second.start()).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
