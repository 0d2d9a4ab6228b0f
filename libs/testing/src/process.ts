import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const OUTPUT_LIMIT = 64 * 1024;

/** Every child a fixture spawned and has not yet seen exit, killed if the test process exits first. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}

let pdeathsigSupported: boolean | undefined;

/**
 * `setpriv --pdeathsig KILL` makes the kernel kill the server when the jest worker dies, even by SIGKILL,
 * where no 'exit' handler runs. The pid stays the same because setpriv execs the real command.
 */
function canUsePdeathsig(): boolean {
  if (pdeathsigSupported === undefined) {
    const probe = spawnSync('setpriv', ['--help'], { encoding: 'utf8' });
    pdeathsigSupported = process.platform === 'linux' && probe.status === 0 && probe.stdout.includes('--pdeathsig');
  }
  return pdeathsigSupported;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  isRunning(): boolean;
  /** The last 64 KiB (or `outputLimit` characters) of stdout and stderr, interleaved. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL without waiting (a crash). */
  kill(): void;
}

export function spawnManaged(
  command: string,
  args: string[],
  name: string,
  options: { env?: NodeJS.ProcessEnv; outputLimit?: number } = {},
): ManagedProcess {
  const limit = options.outputLimit ?? OUTPUT_LIMIT;
  installExitHook();
  const [file, argv] = canUsePdeathsig()
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]]
    : [command, args];
  const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env });
  liveChildren.add(child);

  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > limit) output = output.slice(-limit);
  };
  // Always drain the pipes: a full pipe would block a chatty server.
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  let running = true;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('error', (error) => {
      append(Buffer.from(`${name}: ${error.message}\n`));
      running = false;
      liveChildren.delete(child);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      running = false;
      liveChildren.delete(child);
      // A grandchild (an sshd session) may hold the pipes open and keep jest alive; read what is
      // buffered, then let go.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, 200).unref();
      resolve({ code, signal });
    });
  });

  return {
    pid: child.pid ?? -1,
    exited,
    isRunning: () => running,
    output: () => output,
    kill: () => {
      if (running) child.kill('SIGKILL');
    },
    stop: async (graceMs = 5000) => {
      if (!running) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const escalated = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, graceMs);
      });
      await Promise.race([exited, escalated]);
      clearTimeout(timer);
      await exited;
    },
  };
}

/** Resolves an executable from an env override, then PATH, then well-known locations; undefined if absent. */
export function findExecutable(name: string, envVar: string | undefined, fallbacks: string[]): string | undefined {
  const override = envVar ? process.env[envVar] : undefined;
  if (override) return isExecutable(override) ? override : undefined;
  const pathDirs = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  return [...pathDirs.map((dir) => join(dir, name)), ...fallbacks].find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs a short command to completion; rejects with its stderr when it fails. */
export function run(
  command: string,
  args: string[],
  options: { input?: string; okCodes?: number[] } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => {
      const exitCode = code ?? -1;
      if ((options.okCodes ?? [0]).includes(exitCode)) resolve({ code: exitCode, stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} exited with ${exitCode}: ${stderr.trim() || stdout.trim()}`));
    });
    child.stdin?.on('error', () => undefined); // EPIPE if it exits before reading; the exit code tells
    child.stdin?.end(options.input);
  });
}
