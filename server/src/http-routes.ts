import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
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
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      send(response, 405, 'text/plain', 'only GET and HEAD are supported\n');
      return;
    }

    if (path === '/metrics') {
      const body = await state.metrics.registry.metrics();
      send(response, 200, state.metrics.registry.contentType, body);
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

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  send(response, status, 'application/json', `${JSON.stringify(body)}\n`);
}

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}
