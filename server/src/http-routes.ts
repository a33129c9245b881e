import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { ServerMetrics } from './metrics.ts';
import { findProjectRoot } from './project-root.ts';

const PAGE_DIRECTORY = join(findProjectRoot(), 'server', 'page');

const PAGE_FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/chat.js': { file: 'chat.js', type: 'text/javascript; charset=utf-8' },
  '/chat.css': { file: 'chat.css', type: 'text/css; charset=utf-8' },
};

export interface RouteState {
  replicaId: string;
  metrics: ServerMetrics;
  isReady: () => boolean;
  isDraining: () => boolean;
}

/** Serves everything on the HTTP port that is not Socket.IO: probes, metrics, the chat page. */
export function createRequestHandler(state: RouteState) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'text/plain', 'only GET and HEAD are supported\n');
      return;
    }

    if (path === '/metrics') {
      await sendMetrics(response, state.metrics.registry, url.searchParams.getAll('name'));
      return;
    }
    if (path === '/healthz') {
      sendJson(response, 200, { status: 'ok', replica: state.replicaId });
      return;
    }
    if (path === '/readyz') {
      const draining = state.isDraining();
      const redis = state.isReady();
      const ready = redis && !draining;
      sendJson(response, ready ? 200 : 503, {
        status: ready ? 'ready' : 'not ready',
        replica: state.replicaId,
        redis: redis ? 'ready' : 'not ready',
        draining,
      });
      return;
    }

    const page = PAGE_FILES[path];
    if (page === undefined) {
      send(response, 404, 'text/plain', `not found: ${path}\n`);
      return;
    }
    const body = await readFile(join(PAGE_DIRECTORY, page.file));
    send(response, 200, page.type, body);
  };
}

/**
 * Default gauges that prom-client 15 sets only in the collect of another metric of their
 * group. A filtered read collects that metric first, or they would keep the values of the
 * previous full read.
 */
const COLLECTED_BY: Record<string, string> = {
  nodejs_heap_size_used_bytes: 'nodejs_heap_size_total_bytes',
  nodejs_external_memory_bytes: 'nodejs_heap_size_total_bytes',
  process_virtual_memory_bytes: 'process_resident_memory_bytes',
  process_heap_bytes: 'process_resident_memory_bytes',
};

/**
 * Sends the whole registry, or only the metrics named by `name` query parameters. A filtered
 * read collects only those metrics, so frequent memory sampling leaves the event-loop delay
 * histogram, which prom-client resets on each collection, to the full scrapes.
 */
async function sendMetrics(
  response: ServerResponse,
  registry: Registry,
  names: string[],
): Promise<void> {
  if (names.length === 0) {
    send(response, 200, registry.contentType, await registry.metrics());
    return;
  }

  const unknown = names.find((name) => registry.getSingleMetric(name) === undefined);
  if (unknown !== undefined) {
    send(response, 404, 'text/plain', `no metric named ${unknown}\n`);
    return;
  }
  for (const leader of new Set(names.map((name) => COLLECTED_BY[name]))) {
    if (leader !== undefined) {
      await registry.getSingleMetric(leader)?.get();
    }
  }
  const parts = await Promise.all(names.map((name) => registry.getSingleMetricAsString(name)));
  send(response, 200, registry.contentType, `${parts.join('\n\n')}\n`);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  send(response, status, 'application/json', `${JSON.stringify(body)}\n`);
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}
