/**
 * A program that starts a one-replica local cluster, prints the process ids it started as one
 * JSON line, then ends as argv[2] selects: `wait` (until a signal arrives), `crash` (an
 * uncaught exception) or `handle` (its own SIGTERM handler, which exits with code 3).
 */
import { startLocalCluster } from '../../../src/cluster/local-cluster.ts';

const mode = process.argv[2];
const cluster = await startLocalCluster({ replicas: 1, readyTimeoutMs: 15_000 });

if (mode === 'handle') {
  process.on('SIGTERM', () => {
    console.log(JSON.stringify({ handled: true }));
    setTimeout(() => process.exit(3), 100);
  });
}
const pids = [cluster.redisPid, ...cluster.replicas.map((replica) => replica.pid)];
console.log(JSON.stringify({ pids }));

if (mode === 'crash') {
  setTimeout(() => {
    throw new Error('simulated crash of the program that owns the cluster');
  }, 100);
} else {
  // Keeps the program alive until a signal ends it; the test kills it after 30 s at most.
  setTimeout(() => {}, 30_000);
}
