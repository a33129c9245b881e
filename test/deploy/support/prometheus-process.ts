import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../../../loadtest/src/cluster/free-port.ts';

const INSTALL_HINT = 'install it with "apt-get install -y prometheus" (Debian/Ubuntu)';

/** Throws with an install hint when a Prometheus binary (prometheus, promtool) is missing. */
export function requireBinary(binary: string): void {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (result.error !== undefined) {
    throw new Error(`${binary} was not found on PATH: ${INSTALL_HINT}`);
  }
}

/** One series of an instant query's result. */
export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * A real Prometheus server on a free loopback port with its TSDB in a temporary folder.
 * `start` takes the configuration text; `{{PORT}}` in it is replaced by the port chosen.
 */
export class PrometheusProcess {
  port = 0;
  directory = '';
  private child: ChildProcess | null = null;
  private output = '';

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(config: string, readyTimeoutMs = 30_000): Promise<void> {
    requireBinary('prometheus');
    this.port = await findFreePort();
    this.directory = await mkdtemp(join(tmpdir(), 'chat-prometheus-'));
    const configFile = join(this.directory, 'prometheus.yml');
    await writeFile(configFile, config.replaceAll('{{PORT}}', String(this.port)));

    const child = spawn(
      'prometheus',
      [
        `--config.file=${configFile}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        `--storage.tsdb.path=${join(this.directory, 'data')}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    await this.waitUntilReady(readyTimeoutMs);
  }

  /** Runs an instant query and returns its vector result; throws on a query error. */
  async query(expr: string): Promise<Sample[]> {
    const body = new URLSearchParams({ query: expr });
    const response = await fetch(`${this.url}/api/v1/query`, { method: 'POST', body });
    const payload = (await response.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: Sample[] };
    };
    if (payload.status !== 'success' || payload.data === undefined) {
      throw new Error(`query failed: ${expr}: ${payload.error ?? response.status}`);
    }
    if (payload.data.resultType !== 'vector') {
      throw new Error(`query returned a ${payload.data.resultType}, expected a vector: ${expr}`);
    }
    return payload.data.result;
  }

  /** Stops Prometheus and removes its folder. */
  async dispose(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child !== null && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (this.directory !== '') {
      await rm(this.directory, { recursive: true, force: true });
      this.directory = '';
    }
  }

  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child === null || this.child.exitCode !== null) {
        throw new Error(`prometheus exited at start: ${this.output}`);
      }
      try {
        const response = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1000) });
        if (response.status === 200) {
          return;
        }
      } catch {
        // Not listening yet.
      }
      await sleep(100);
    }
    await this.dispose();
    throw new Error(`prometheus was not ready within ${timeoutMs} ms: ${this.output}`);
  }
}
