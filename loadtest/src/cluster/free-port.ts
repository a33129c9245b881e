import { createServer } from 'node:net';

/** Asks the kernel for an unused TCP port on loopback. */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });

  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') {
    throw new Error(`could not read the port of a probe socket on ${host}`);
  }
  return address.port;
}

/**
 * Picks a free loopback port not in `used` and adds it to `used`. A port picked here is only
 * bound later by its user, so two quick picks could otherwise return the same port.
 */
export async function findUnusedPort(used: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await findFreePort();
    if (!used.has(port)) {
      used.add(port);
      return port;
    }
  }
  throw new Error(`could not find a free port outside ${[...used].join(', ')} in 20 attempts`);
}
