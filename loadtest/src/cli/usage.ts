/** The text of `npm run loadtest -- --help`. */
import { ADAPTER_MODES } from '../../../server/src/protocol.ts';
import { formatDuration } from './durations.ts';
import { DEFAULTS, MAX_CLIENTS, MAX_LOCAL_REPLICAS, MAX_RATE } from './flag-schema.ts';
import { bundledScenarios } from './paths.ts';

export function usage(): string {
  const scenarios = bundledScenarios().join(', ');
  return `Usage: npm run loadtest -- [flags]

Runs chat clients against a Socket.IO chat scaled over Redis and measures delivery latency
(same replica and across replicas), losses, duplicates and what it costs the servers. With
no flags it starts a local cluster (a redis-server of its own, or REDIS_URL if set, and
${DEFAULTS.replicas} replicas behind one round-robin port) and runs one step of the
"${DEFAULTS.scenario}" scenario. Results go into a new run folder; see docs/loadtest.md.

Load:
  --scenario NAME|PATH   ${scenarios}, or an Artillery YAML file (default ${DEFAULTS.scenario})
  --clients N            concurrent clients per step, 2 to ${MAX_CLIENTS} (default ${DEFAULTS.clients})
  --room-size K          members per room, 2 to --clients (default ${DEFAULTS.roomSize})
  --rate R               messages per second each sending client sends, 0 to ${MAX_RATE}
                         (default ${DEFAULTS.rate})
  --message-bytes B      bytes of text in each message (default ${DEFAULTS.messageBytes})

Timeline of a step (durations such as 30s, 5m, 1m30s, or bare seconds):
  --ramp T               clients arrive evenly over T, whole seconds (default ${formatDuration(DEFAULTS.rampMs)})
  --settle T             wait after the last arrival before measuring (default ${formatDuration(DEFAULTS.settleMs)})
  --duration T           measure window: clients send (default ${formatDuration(DEFAULTS.durationMs)})
  --drain T              after sending stops, deliveries still count (default ${formatDuration(DEFAULTS.drainMs)})

Steps:
  --replicas N|LIST      local replicas, or a list such as 1,2,4 for a sweep with one
                         step per count, 1 to ${MAX_LOCAL_REPLICAS} each (default ${DEFAULTS.replicas}); with
                         --target, the deployed replica count, recorded in the results
  --repeat N             run every step N times (default ${DEFAULTS.repeat})
  --adapter MODE         backplane of the local replicas: ${ADAPTER_MODES.join(', ')}
                         (default ${DEFAULTS.adapter}); with --target, recorded only
  --port N               public port of the local cluster (default: a free port)
  --fault KIND@TIME      inject a fault TIME into every step's measure window, e.g.
                         kill-replica@30s or restart-redis@30s; repeatable; with
                         --target it needs --swarm-service

Deployed cluster:
  --target URL           public address of a deployed chat service; no local cluster
  --metrics URL,URL      /metrics addresses of its replicas (default: none scraped)
  --redis-url URL        Redis to read INFO from (locally: the Redis the replicas use,
                         instead of starting one; REDIS_URL does the same)
  --swarm-service NAME   Swarm service of --target (e.g. chat_chat) that the loadtest
                         scales to each step's --replicas through the docker CLI, and
                         scales back at the end; allows a list such as --replicas 1,2,4
  --dry-run              with --swarm-service: print the docker commands, run nothing

Network namespaces (root and iproute2; see docs/network.md):
  --netns                run Redis and each local replica in a network namespace of its own
  --link-delay HOST=T    one-way delay on HOST's link, HOST redis or replica-N, e.g.
                         redis=5ms; repeatable; needs the kernel's netem
  --link-jitter HOST=T   random variation of that delay, e.g. redis=1ms
  --link-loss HOST=P     packets dropped on HOST's link, in percent, e.g. redis=0.5%

Output:
  --out DIR              run folder, which must not exist (default reports/TIME-SCENARIO)
  --fail-on EXPR         SLO gate checked on every step, e.g. cross.p99<50, lost==0,
                         valid==true; repeatable; exit 1 if one fails
  --generator-id ID      prefix of this generator's room names (default: host name)
  --help, -h             show this text

Exit status: 0 done, 1 failure or failed gate, 2 invalid flag or existing run folder,
130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 129 hung up (SIGHUP).
`;
}
