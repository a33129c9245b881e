/**
 * A program that starts a one-replica netns cluster, prints its run suffix and the process
 * ids inside its namespaces as one JSON line, then waits until a signal ends it. The test
 * kills it to check that the cluster's namespaces and processes go with it.
 */
import { startNetnsCluster } from '../../../src/netns/netns-cluster.ts';

const cluster = await startNetnsCluster({ replicas: 1, readyTimeoutMs: 15_000 });

const pids = [cluster.redisPid, ...cluster.replicas.map((replica) => replica.pid)];
console.log(JSON.stringify({ suffix: cluster.topology.suffix, pids }));

// Keeps the program alive until a signal ends it; the test kills it after 30 s at most.
setTimeout(() => {}, 30_000);
