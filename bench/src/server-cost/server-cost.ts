/**
 * Step 5, server cost: the same room load against a single plain Socket.IO server (no
 * adapter) and against the chat server's replicas for each adapter mode and replica count.
 * Each row gives deliveries per server CPU-second, RSS per connected idle client and, with
 * Redis, Redis CPU and traffic per second.
 */
import { join } from 'node:path';
import type { AdapterMode } from '../../../server/src/protocol.ts';
import { ChatReplicas } from '../chat-replicas.ts';
import { NodeChild } from '../processes.ts';
import { type LoadFigures, type RoomLoad, runRoomLoad } from './room-load.ts';

const PLAIN_SERVER_MAIN = join(import.meta.dirname, 'plain-server-main.ts');

export interface ServerCostPlan {
  load: RoomLoad;
  /** Replica counts to run per adapter mode; 2 must be among them for the cost ratios. */
  replicaCounts: Partial<Record<AdapterMode, number[]>>;
}

export interface CostRow {
  /** 'none' is the plain Socket.IO server. */
  adapter: AdapterMode | 'none';
  replicas: number;
  figures: LoadFigures;
}

/** Runs the plain server, then every (adapter, replica count) of the plan, one at a time. */
export async function measureServerCost(
  redisUrl: string,
  plan: ServerCostPlan,
  log: (line: string) => void,
): Promise<CostRow[]> {
  const rows: CostRow[] = [];
  log(`plain Socket.IO server, ${plan.load.clients} clients`);
  rows.push({ adapter: 'none', replicas: 1, figures: await measurePlainServer(plan.load) });

  for (const [adapter, counts] of Object.entries(plan.replicaCounts) as [AdapterMode, number[]][]) {
    for (const replicas of counts) {
      log(`${adapter}, ${replicas} replicas, ${plan.load.clients} clients`);
      const figures = await measureReplicas(redisUrl, adapter, replicas, plan.load);
      rows.push({ adapter, replicas, figures });
    }
  }
  return rows;
}

async function measurePlainServer(load: RoomLoad): Promise<LoadFigures> {
  const server = await NodeChild.start({ args: [PLAIN_SERVER_MAIN], readyLine: /^ready \d+$/ });
  try {
    const port = server.readyText.split(' ')[1];
    return await runRoomLoad(
      { urls: [`http://127.0.0.1:${port}`], pids: [server.pid], redisUrl: null },
      load,
    );
  } finally {
    await server.stop();
  }
}

async function measureReplicas(
  redisUrl: string,
  adapter: AdapterMode,
  count: number,
  load: RoomLoad,
): Promise<LoadFigures> {
  const cluster = await ChatReplicas.start({ count, adapter, redisUrl });
  try {
    return await runRoomLoad({ urls: cluster.urls, pids: cluster.pids, redisUrl }, load);
  } finally {
    await cluster.stop();
  }
}
