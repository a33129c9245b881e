/**
 * The settings of one load step, passed from the orchestrator to Artillery and its worker
 * threads through environment variables (Artillery's worker threads inherit the process
 * environment). This module names every variable, builds the environment for a step
 * (`stepEnv`) and parses it back, validated, once per thread (`readStepEnv`).
 *
 * Times are epoch milliseconds from `Date.now()` and only schedule work. Latency is never
 * computed from them: it uses the monotonic clock `process.hrtime.bigint()`.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';

export const STEP_ENV = {
  /** Identifier of the step; written into every worker file so stale files are skipped. */
  stepId: 'CHAT_STEP_ID',
  /** Folder where each worker thread writes its result file. */
  workerDir: 'CHAT_WORKER_DIR',
  /** Start of the measure window: sending starts, epoch ms. */
  measureStartMs: 'CHAT_MEASURE_START_MS',
  /** End of the measure window: sending stops, epoch ms. */
  measureEndMs: 'CHAT_MEASURE_END_MS',
  /** End of the drain window: receiving stops and missing deliveries count as lost, epoch ms. */
  drainEndMs: 'CHAT_DRAIN_END_MS',
  /** Messages per second each sending client sends. 0 connects and joins without sending. */
  rate: 'CHAT_RATE',
  /** Members per room. Unset: the scenario's `roomSize` variable, else 10. */
  roomSize: 'CHAT_ROOM_SIZE',
  /** Members of each room that send. Unset: the scenario's `sendersPerRoom`, else all. */
  sendersPerRoom: 'CHAT_SENDERS_PER_ROOM',
  /** Length of each message's text, in bytes of ASCII padding. Default 64. */
  messageBytes: 'CHAT_MESSAGE_BYTES',
  /** How long to wait for any acknowledgement from the server, ms. Default 5000. */
  ackTimeoutMs: 'CHAT_ACK_TIMEOUT_MS',
  /** Load-generator host id; room names start with it. Default: the host name. */
  generatorId: 'CHAT_GENERATOR_ID',
  /** Share of each room's members that join mid-step, chat briefly and leave. */
  churnShare: 'CHAT_CHURN_SHARE',
  /** How long a churning member stays, seconds. Unset: `sessionSeconds`, else 10. */
  sessionSeconds: 'CHAT_SESSION_SECONDS',
  /** Length of the slices of the measure window in the latency timeline, s. Default 5. */
  intervalSeconds: 'CHAT_INTERVAL_SECONDS',
  /** Slice length of the delivery counts by send time, ms. Unset: not counted (no faults). */
  sendSliceMs: 'CHAT_SEND_SLICE_MS',
} as const;

export type StepEnvName = (typeof STEP_ENV)[keyof typeof STEP_ENV];

/**
 * Parsed step settings. Optional fields are scenario shape: when unset here, the scenario
 * file's variables of the same name apply (see user-plan.ts).
 */
export interface StepSettings {
  stepId: string;
  workerDir: string;
  measureStartMs: number;
  measureEndMs: number;
  drainEndMs: number;
  rate: number;
  roomSize?: number;
  sendersPerRoom?: number;
  messageBytes: number;
  ackTimeoutMs: number;
  generatorId: string;
  churnShare?: number;
  sessionSeconds?: number;
  intervalSeconds: number;
  sendSliceMs?: number;
}

/** Input of `stepEnv`: the settings, with defaults allowed to be left out. */
export type StepValues = Omit<
  StepSettings,
  'messageBytes' | 'ackTimeoutMs' | 'generatorId' | 'intervalSeconds'
> &
  Partial<Pick<StepSettings, 'messageBytes' | 'ackTimeoutMs' | 'generatorId' | 'intervalSeconds'>>;

export const DEFAULT_MESSAGE_BYTES = 64;
export const DEFAULT_ACK_TIMEOUT_MS = 5_000;
export const DEFAULT_INTERVAL_SECONDS = 5;

/** Generator ids go into room names, which the server limits to 64 characters. */
export const GENERATOR_ID_PATTERN = /^[A-Za-z0-9_-]{1,20}$/;

export class StepEnvError extends Error {
  override name = 'StepEnvError';
}

/** Builds the environment variables for a step; throws StepEnvError on an invalid value. */
export function stepEnv(values: StepValues): Record<StepEnvName, string> {
  const env: Partial<Record<StepEnvName, string>> = {};
  for (const [field, name] of Object.entries(STEP_ENV) as [keyof StepValues, StepEnvName][]) {
    const value = values[field];
    if (value !== undefined) {
      env[name] = String(value);
    }
  }

  parseStepEnv(env);
  return env as Record<StepEnvName, string>;
}

let cached: StepSettings | undefined;

/** Parses the step settings from this process's environment once, then returns the same. */
export function readStepEnv(): StepSettings {
  cached ??= parseStepEnv(process.env);
  return cached;
}

/** Parses and checks step settings; the error lists every invalid variable at once. */
export function parseStepEnv(env: Record<string, string | undefined>): StepSettings {
  const input: Record<string, string | undefined> = {};
  for (const name of Object.values(STEP_ENV)) {
    const value = env[name]?.trim();
    input[name] = value === '' ? undefined : value;
  }

  const result = stepEnvSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const value = input[name];
      const shown = value === undefined ? 'unset' : `"${value}"`;
      return `${name} is ${shown}: ${issue.message}`;
    });
    throw new StepEnvError(
      `invalid load step settings in the environment:\n  ${problems.join('\n  ')}\n` +
        'The orchestrator sets these with stepEnv(); set them yourself to run Artillery by hand.',
    );
  }
  return result.data;
}

const text = z.string({ error: 'it is required' });

function integer(min: number) {
  return text
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `expected at least ${min}`));
}

function decimal(min: number, max = Number.POSITIVE_INFINITY) {
  return text
    .regex(/^\d+(\.\d+)?$/, 'expected a number')
    .transform(Number)
    .pipe(z.number().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`));
}

function defaultGeneratorId(): string {
  const cleaned = hostname().replaceAll(/[^A-Za-z0-9_-]/g, '-');
  return cleaned.slice(0, 20) || 'local';
}

const stepEnvSchema = z
  .object({
    [STEP_ENV.stepId]: text.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'expected 1-64 of A-Z a-z 0-9 _ . -'),
    [STEP_ENV.workerDir]: text.transform((path) => resolve(path)),
    [STEP_ENV.measureStartMs]: integer(0),
    [STEP_ENV.measureEndMs]: integer(0),
    [STEP_ENV.drainEndMs]: integer(0),
    [STEP_ENV.rate]: decimal(0, 1000),
    [STEP_ENV.roomSize]: integer(2).optional(),
    [STEP_ENV.sendersPerRoom]: integer(1).optional(),
    [STEP_ENV.messageBytes]: integer(0).default(DEFAULT_MESSAGE_BYTES),
    [STEP_ENV.ackTimeoutMs]: integer(1).default(DEFAULT_ACK_TIMEOUT_MS),
    [STEP_ENV.generatorId]: text
      .regex(GENERATOR_ID_PATTERN, 'expected 1-20 of A-Z a-z 0-9 _ -')
      .default(defaultGeneratorId),
    [STEP_ENV.churnShare]: decimal(0, 1).optional(),
    [STEP_ENV.sessionSeconds]: decimal(0.001).optional(),
    [STEP_ENV.intervalSeconds]: decimal(0.001).default(DEFAULT_INTERVAL_SECONDS),
    [STEP_ENV.sendSliceMs]: integer(1).optional(),
  })
  .check((ctx) => {
    const value = ctx.value;
    if (value[STEP_ENV.measureEndMs] <= value[STEP_ENV.measureStartMs]) {
      ctx.issues.push({
        code: 'custom',
        input: value,
        path: [STEP_ENV.measureEndMs],
        message: `expected a time after ${STEP_ENV.measureStartMs}`,
      });
    }
    if (value[STEP_ENV.drainEndMs] < value[STEP_ENV.measureEndMs]) {
      ctx.issues.push({
        code: 'custom',
        input: value,
        path: [STEP_ENV.drainEndMs],
        message: `expected a time at or after ${STEP_ENV.measureEndMs}`,
      });
    }
  })
  .transform(
    (value): StepSettings => ({
      stepId: value[STEP_ENV.stepId],
      workerDir: value[STEP_ENV.workerDir],
      measureStartMs: value[STEP_ENV.measureStartMs],
      measureEndMs: value[STEP_ENV.measureEndMs],
      drainEndMs: value[STEP_ENV.drainEndMs],
      rate: value[STEP_ENV.rate],
      roomSize: value[STEP_ENV.roomSize],
      sendersPerRoom: value[STEP_ENV.sendersPerRoom],
      messageBytes: value[STEP_ENV.messageBytes],
      ackTimeoutMs: value[STEP_ENV.ackTimeoutMs],
      generatorId: value[STEP_ENV.generatorId],
      churnShare: value[STEP_ENV.churnShare],
      sessionSeconds: value[STEP_ENV.sessionSeconds],
      intervalSeconds: value[STEP_ENV.intervalSeconds],
      sendSliceMs: value[STEP_ENV.sendSliceMs],
    }),
  );
