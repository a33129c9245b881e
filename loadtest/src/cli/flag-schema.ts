/**
 * The zod schema that turns the raw strings of `npm run loadtest` flags into typed values.
 * Every issue's path is the flag name, so the caller can name the flag in its message.
 */
import { z } from 'zod';
import { ADAPTER_MODES } from '../../../server/src/protocol.ts';
import { GENERATOR_ID_PATTERN } from '../measure/step-env.ts';
import { parseDurationMs } from './durations.ts';
import { faultEntries, faultProblems } from './fault-flags.ts';
import {
  collectLinks,
  LINK_FLAGS,
  type LinkFlag,
  LinkFlagError,
  parseLinkValue,
} from './link-flags.ts';

/** Largest --clients: one generator host; spread more over several generators. */
export const MAX_CLIENTS = 100_000;
/** Largest --replicas entry: the local cluster runs every replica on this one host. */
export const MAX_LOCAL_REPLICAS = 32;
export const MAX_REPEAT = 100;
/** Largest --rate; the server's own limit (CHAT_RATE_LIMIT) defaults to 50 per second. */
export const MAX_RATE = 1_000;
/** Largest --message-bytes, the largest message limit the server can be configured with. */
export const MAX_MESSAGE_BYTES = 1_048_576;

/** Default of every flag, in the units of LoadtestConfig (durations in ms). */
export const DEFAULTS = {
  scenario: 'rooms',
  clients: 1_000,
  roomSize: 10,
  // One message per client every 5 s: 1,800 deliveries/s at the default size, which a
  // 2-core host runs with generator, replicas and Redis all valid; 1 per second was not.
  rate: 0.2,
  durationMs: 60_000,
  rampMs: 10_000,
  settleMs: 5_000,
  drainMs: 5_000,
  replicas: 2,
  repeat: 1,
  adapter: 'pubsub',
  messageBytes: 64,
} as const;

const text = z.string();

function wholeNumber(min: number, max: number) {
  const accepted = `expected a whole number from ${min} to ${max}`;
  return text
    .regex(/^\d+$/, accepted)
    .transform(Number)
    .pipe(z.number().min(min, accepted).max(max, accepted));
}

function decimal(min: number, max: number) {
  const accepted = `expected a number from ${min} to ${max}`;
  return text
    .regex(/^\d+(\.\d+)?$/, accepted)
    .transform(Number)
    .pipe(z.number().min(min, accepted).max(max, accepted));
}

/** Parses a duration into ms; `wholeSeconds` rejects fractions of a second. */
function duration(minMs: number, wholeSeconds = false) {
  const minimum = minMs === 0 ? '0s or more' : `at least ${minMs / 1_000}s`;
  const unit = wholeSeconds ? 'a whole number of seconds' : 'a duration';
  const accepted = `expected ${unit} such as 30s, 5m, 1m30s or 90 (seconds), ${minimum}`;
  return text.transform((value, ctx) => {
    const ms = parseDurationMs(value);
    const fractional = wholeSeconds && ms !== null && ms % 1_000 !== 0;
    if (ms === null || ms < minMs || fractional) {
      ctx.issues.push({ code: 'custom', input: value, message: accepted });
      return z.NEVER;
    }
    return ms;
  });
}

function httpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const replicaList = text.transform((value, ctx) => {
  const items = value.split(',').map((item) => item.trim());
  const counts = items.map(Number);
  const valid = items.every((item) => /^\d+$/.test(item));
  if (!valid || counts.some((count) => count < 1 || count > MAX_LOCAL_REPLICAS)) {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message:
        `expected a replica count from 1 to ${MAX_LOCAL_REPLICAS}, or a comma-separated ` +
        'list of them such as 1,2,4 for a sweep',
    });
    return z.NEVER;
  }
  return counts;
});

const urlList = text.transform((value, ctx) => {
  const urls = value.split(',').map((item) => item.trim());
  const invalid = urls.filter((url) => !httpUrl(url));
  if (invalid.length > 0) {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message:
        `"${invalid.join('", "')}" is not an http:// or https:// URL; expected a ` +
        'comma-separated list such as http://10.0.0.5:3000/metrics,http://10.0.0.6:3000/metrics',
    });
    return z.NEVER;
  }
  return urls;
});

/** A repeatable link flag of the netns mode: every `HOST=VALUE` entry, parsed. */
function linkEntries(flag: LinkFlag) {
  return z.array(text).transform((entries, ctx) =>
    entries.map((entry) => {
      try {
        return parseLinkValue(flag, entry);
      } catch (error) {
        if (!(error instanceof LinkFlagError)) {
          throw error;
        }
        ctx.issues.push({ code: 'custom', input: entry, message: error.message });
        return z.NEVER;
      }
    }),
  );
}

export const FLAG_SCHEMA = z
  .object({
    scenario: text.min(1, 'expected a scenario name or a path').default(DEFAULTS.scenario),
    clients: wholeNumber(2, MAX_CLIENTS).default(DEFAULTS.clients),
    'room-size': wholeNumber(2, MAX_CLIENTS).default(DEFAULTS.roomSize),
    rate: decimal(0, MAX_RATE).default(DEFAULTS.rate),
    duration: duration(1_000).default(DEFAULTS.durationMs),
    ramp: duration(1_000, true).default(DEFAULTS.rampMs),
    settle: duration(0).default(DEFAULTS.settleMs),
    drain: duration(0).default(DEFAULTS.drainMs),
    replicas: replicaList.optional(),
    repeat: wholeNumber(1, MAX_REPEAT).default(DEFAULTS.repeat),
    adapter: z
      .enum(ADAPTER_MODES, { error: `expected one of ${ADAPTER_MODES.join(', ')}` })
      .default(DEFAULTS.adapter),
    target: text
      .refine(httpUrl, 'expected an http:// or https:// URL such as http://10.0.0.5:8080')
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
    metrics: urlList.optional(),
    'redis-url': text
      .regex(/^rediss?:\/\/./, 'expected redis://HOST:PORT or rediss://HOST:PORT')
      .optional(),
    port: wholeNumber(1, 65_535).optional(),
    out: text.min(1, 'expected a folder path').optional(),
    'message-bytes': wholeNumber(0, MAX_MESSAGE_BYTES).default(DEFAULTS.messageBytes),
    'fail-on': z.array(text).default([]),
    'generator-id': text
      .regex(GENERATOR_ID_PATTERN, 'expected 1 to 20 letters, digits, "_" or "-"')
      .optional(),
    fault: faultEntries.default([]),
    'swarm-service': text
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected a service name such as chat_chat')
      .optional(),
    'dry-run': z.boolean().default(false),
    netns: z.boolean().default(false),
    'link-delay': linkEntries('link-delay').default([]),
    'link-jitter': linkEntries('link-jitter').default([]),
    'link-loss': linkEntries('link-loss').default([]),
  })
  .check((ctx) => {
    const flags = ctx.value;
    const problem = (flag: string, message: string) =>
      ctx.issues.push({ code: 'custom', input: flags, path: [flag], message });

    if (flags['room-size'] > flags.clients) {
      problem('room-size', `expected at most --clients (${flags.clients}), so one room fills`);
    }
    for (const message of faultProblems(flags)) {
      problem('fault', message);
    }
    if (flags['dry-run'] && flags['swarm-service'] === undefined) {
      problem('dry-run', 'prints the docker commands of --swarm-service, so it needs one');
    }
    // netem varies each packet's delay by up to the jitter, which cannot go below zero.
    for (const [host, shaping] of Object.entries(collectLinks(flags))) {
      if ((shaping.jitterMs ?? 0) > (shaping.delayMs ?? 0)) {
        problem(
          'link-jitter',
          `${host}'s jitter of ${shaping.jitterMs} ms exceeds its --link-delay of ` +
            `${shaping.delayMs ?? 0} ms; expected a jitter no larger than the delay`,
        );
      }
    }
    const fewestReplicas = Math.min(...(flags.replicas ?? [DEFAULTS.replicas]));
    for (const flag of Object.keys(LINK_FLAGS) as LinkFlag[]) {
      if (flags[flag].length > 0 && !flags.netns) {
        problem(flag, 'shapes a link of the netns mode, so it needs --netns');
      }
      const missing = flags[flag].find(
        ({ host }) => host.startsWith('replica-') && Number(host.slice(8)) > fewestReplicas,
      );
      if (missing !== undefined) {
        problem(flag, `names ${missing.host}, but a step runs only ${fewestReplicas} replicas`);
      }
    }
    if (flags.netns && flags['redis-url'] !== undefined) {
      problem('redis-url', 'does not apply with --netns, which runs Redis in a namespace');
    }
    if (flags.target === undefined) {
      if (flags.metrics !== undefined) {
        problem('metrics', 'only applies with --target; the local cluster knows its replicas');
      }
      if (flags['swarm-service'] !== undefined) {
        problem('swarm-service', 'scales a deployed service, so it needs --target');
      }
      return;
    }
    if (flags.netns) {
      problem('netns', 'starts a local cluster in network namespaces, so it cannot use --target');
    }
    const scalesService = flags['swarm-service'] !== undefined;
    if (!scalesService && flags.replicas !== undefined && flags.replicas.length > 1) {
      problem(
        'replicas',
        'a sweep against --target needs --swarm-service NAME to scale the service; ' +
          'without it, pass the one replica count the deployed service runs',
      );
    }
    if (flags.port !== undefined) {
      problem('port', 'sets the local cluster port, so it does not apply with --target');
    }
  });

export type FlagValues = z.output<typeof FLAG_SCHEMA>;
