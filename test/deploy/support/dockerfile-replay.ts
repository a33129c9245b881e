import { spawn, spawnSync } from 'node:child_process';
import { cp, mkdir, readFile } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { PROJECT_ROOT } from './chat-process.ts';
import {
  copyArgs,
  dockerignorePatterns,
  envPairs,
  isDockerIgnored,
  runCommand,
  type Stage,
} from './dockerfile.ts';

/** The result of replaying one stage: where its files are and the environment it set. */
export interface ReplayedStage {
  /** Host folder used as the image's `/`. */
  root: string;
  /** The stage's WORKDIR inside `root`. */
  workdir: string;
  env: Record<string, string>;
}

/**
 * Copies the files git tracks into `context`, less what .dockerignore excludes, as
 * `docker build .` would send them from a clean checkout.
 */
export async function prepareContext(context: string): Promise<void> {
  const listed = spawnSync('git', ['ls-files', '-z'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  if (listed.status !== 0) {
    throw new Error(`git ls-files failed in ${PROJECT_ROOT}: ${listed.stderr}`);
  }
  const patterns = dockerignorePatterns(
    await readFile(join(PROJECT_ROOT, '.dockerignore'), 'utf8'),
  );

  for (const file of listed.stdout.split('\0')) {
    if (file === '' || isDockerIgnored(file, patterns)) {
      continue;
    }
    // A tracked file deleted in the working tree is not in a checkout's context either.
    await cp(join(PROJECT_ROOT, file), join(context, file)).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') {
          throw error;
        }
      },
    );
  }
}

/**
 * Replays a stage's WORKDIR, ENV, COPY and RUN instructions on the host, with `root` used as
 * the image's file system. Other instructions only describe the image and are skipped.
 */
export async function replayStage(
  stage: Stage,
  context: string,
  root: string,
  stages: Map<string, ReplayedStage>,
): Promise<ReplayedStage> {
  const replayed: ReplayedStage = { root, workdir: root, env: {} };
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') {
      replayed.workdir = join(root, args);
      await mkdir(replayed.workdir, { recursive: true });
    } else if (keyword === 'ENV') {
      Object.assign(replayed.env, envPairs(args));
    } else if (keyword === 'COPY') {
      await replayCopy(args, context, replayed, stages);
    } else if (keyword === 'RUN') {
      await runShell(runCommand(args), replayed.workdir, stageEnvironment(replayed));
    }
  }
  return replayed;
}

async function replayCopy(
  args: string,
  context: string,
  target: ReplayedStage,
  stages: Map<string, ReplayedStage>,
): Promise<void> {
  const { from, sources, destination } = copyArgs(args);
  const source = from === undefined ? undefined : stages.get(from);
  if (from !== undefined && source === undefined) {
    throw new Error(`COPY --from=${from}: that stage was not replayed before this one`);
  }

  const destinationPath = isAbsolute(destination)
    ? join(target.root, destination)
    : join(target.workdir, destination);
  const intoFolder = destination.endsWith('/') || destination === '.' || sources.length > 1;
  for (const item of sources) {
    const sourcePath = source === undefined ? join(context, item) : join(source.root, item);
    const copyTo =
      intoFolder && item !== '.' ? join(destinationPath, basename(item)) : destinationPath;
    await cp(sourcePath, copyTo, { recursive: true });
  }
}

/**
 * Host variables a build passes on: PATH and HOME (npm's user config), and the proxy and CA
 * settings of the network the build runs in, as `docker build` forwards proxy variables.
 */
const HOST_VARIABLES = [
  'PATH',
  'HOME',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
];

/**
 * Returns the environment a container of the stage starts with: the stage's ENV over the
 * host variables above, and nothing else from the test process.
 */
export function stageEnvironment(stage: ReplayedStage): Record<string, string> {
  const host: Record<string, string> = {};
  for (const name of HOST_VARIABLES) {
    const value = process.env[name];
    if (value !== undefined) {
      host[name] = value;
    }
  }
  return { ...host, ...stage.env };
}

/** Runs a RUN line with `sh -c` and rejects with the output's tail when it fails. */
function runShell(command: string, cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) {
        resolve();
      } else {
        reject(new Error(`RUN ${command} exited with ${code} in ${cwd}:\n${output}`));
      }
    });
  });
}
