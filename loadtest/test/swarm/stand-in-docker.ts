/**
 * A stand-in `docker` executable for tests of the Swarm driver on machines without a
 * Docker engine. It is a small Node script written into a temporary folder that tests put
 * first on PATH. It records each call's arguments and replies to the commands the driver uses
 * from a state file that models services, their tasks and task start-up.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StandInService {
  replicas: number;
  /** Tasks in these states count as running for `desired-state=running`. */
  tasks?: {
    id: string;
    slot: number;
    node: string;
    state: string;
    pollsLeft: number;
    error: string;
  }[];
}

export interface StandInState {
  services: Record<string, StandInService>;
  /** `docker service ps` calls a new task spends in `starting` before `running`. */
  pollsToRun: number;
  /** At most this many tasks of a service run; the rest stay pending ("no suitable node"). */
  maxRunning: number | null;
  /** `docker service scale` to one of these counts fails as the daemon would. */
  failScaleTo: number[];
  /** Node of new tasks, and the node `docker info` reports as local. */
  taskNode: string;
  localNode: string;
  nextId: number;
}

/** The script: plain CommonJS, so it runs under node without a package.json beside it. */
const SCRIPT = String.raw`#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const dir = __dirname;
const args = process.argv.slice(2);
fs.appendFileSync(path.join(dir, 'calls.jsonl'), JSON.stringify(args) + '\n');
const statePath = path.join(dir, 'state.json');
const state = JSON.parse(fs.readFileSync(statePath, 'utf8'));
const save = () => fs.writeFileSync(statePath, JSON.stringify(state));
const fail = (message) => { process.stderr.write(message + '\n'); process.exit(1); };
const service = (name) => state.services[name] || fail('Error: no such service: ' + name);

function newTask(name, slot) {
  state.nextId += 1;
  const capped = state.maxRunning !== null && slot > state.maxRunning;
  return {
    id: 'task' + state.nextId, slot, node: state.taskNode, pollsLeft: state.pollsToRun,
    state: capped ? 'pending' : 'starting',
    error: capped ? 'no suitable node (insufficient resources on 1 node)' : '',
  };
}

function converge(name) {
  const svc = service(name);
  svc.tasks = (svc.tasks || []).filter((task) => task.slot <= svc.replicas);
  for (let slot = 1; slot <= svc.replicas; slot++) {
    if (!svc.tasks.some((task) => task.slot === slot)) svc.tasks.push(newTask(name, slot));
  }
}

function formatTask(name, task, format) {
  const stateText = task.state[0].toUpperCase() + task.state.slice(1) + ' 1 second ago';
  return format.replace('{{.ID}}', task.id).replace('{{.Name}}', name + '.' + task.slot)
    .replace('{{.Node}}', task.node).replace('{{.CurrentState}}', stateText)
    .replace('{{.Error}}', task.error);
}

const [a, b, c] = args;
if (a === 'service' && b === 'inspect') {
  const svc = service(c);
  console.log(JSON.stringify({ Mode: { Replicated: { Replicas: svc.replicas } },
    TaskTemplate: { ContainerSpec: { Healthcheck: { Test: ['CMD', 'true'] } } } }));
} else if (a === 'service' && b === 'scale') {
  const [name, count] = c.split('=');
  service(name);
  if (state.failScaleTo.includes(Number(count))) {
    fail('Error response from daemon: rpc error: code = Unknown desc = update out of sequence');
  }
  state.services[name].replicas = Number(count);
  converge(name);
  save();
  console.log(name + ' scaled to ' + count);
} else if (a === 'service' && b === 'ps') {
  const svc = service(c);
  converge(c);
  const format = args[args.indexOf('--format') + 1];
  for (const task of svc.tasks) {
    console.log(formatTask(c, task, format));
    if (task.state === 'starting' && --task.pollsLeft <= 0) task.state = 'running';
  }
  save();
} else if (a === 'service' && b === 'update' && args.includes('--force')) {
  const name = args[args.length - 1];
  const svc = service(name);
  svc.tasks = (svc.tasks || []).map((task) => newTask(name, task.slot));
  save();
  console.log(name);
} else if (a === 'inspect' && b === '--type' && c === 'task') {
  const id = args[3];
  for (const svc of Object.values(state.services)) {
    const task = (svc.tasks || []).find((item) => item.id === id);
    if (task) { console.log('node-' + task.node + ' container-' + id); process.exit(0); }
  }
  fail('Error: No such object: ' + id);
} else if (a === 'info') {
  console.log('node-' + state.localNode);
} else if (args.includes('kill')) {
  // The restart policy replaces a killed task with a new one in the same slot.
  const container = args[args.length - 1];
  for (const [name, svc] of Object.entries(state.services)) {
    const index = (svc.tasks || []).findIndex((task) => 'container-' + task.id === container);
    if (index >= 0) svc.tasks[index] = newTask(name, svc.tasks[index].slot);
  }
  save();
  console.log(container);
} else {
  fail('stand-in docker: unsupported command: ' + args.join(' '));
}
`;

function runningTasks(name: string, replicas: number, node: string): StandInService['tasks'] {
  return Array.from({ length: replicas }, (_, i) => ({
    id: `${name}-initial-${i + 1}`,
    slot: i + 1,
    node,
    state: 'running',
    pollsLeft: 0,
    error: '',
  }));
}

export class StandInDocker {
  readonly dir: string;
  private readonly previousPath: string | undefined;

  constructor(state: Partial<StandInState> & { services: StandInState['services'] }) {
    this.dir = mkdtempSync(join(tmpdir(), 'stand-in-docker-'));
    const full: StandInState = {
      pollsToRun: 2,
      maxRunning: null,
      failScaleTo: [],
      taskNode: 'manager',
      localNode: 'manager',
      nextId: 0,
      ...state,
    };
    for (const [name, service] of Object.entries(full.services)) {
      service.tasks ??= runningTasks(name, service.replicas, full.taskNode);
    }
    writeFileSync(join(this.dir, 'state.json'), JSON.stringify(full));
    writeFileSync(join(this.dir, 'calls.jsonl'), '');
    writeFileSync(join(this.dir, 'docker'), SCRIPT);
    chmodSync(join(this.dir, 'docker'), 0o755);
    this.previousPath = process.env.PATH;
    process.env.PATH = `${this.dir}:${this.previousPath ?? ''}`;
  }

  /** Returns every call's arguments, in order. */
  calls(): string[][] {
    return readFileSync(join(this.dir, 'calls.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as string[]);
  }

  /** Returns the `NAME=N` argument of every `service scale`, in order. */
  scaleTargets(): string[] {
    return this.calls()
      .filter((args) => args[0] === 'service' && args[1] === 'scale')
      .map((args) => args[2]!);
  }

  state(): StandInState {
    return JSON.parse(readFileSync(join(this.dir, 'state.json'), 'utf8')) as StandInState;
  }

  /** Restores PATH and removes the folder. */
  remove(): void {
    process.env.PATH = this.previousPath;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
