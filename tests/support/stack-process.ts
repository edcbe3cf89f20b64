/**
 * One platform process of a process-level stack (stack.ts): the production
 * build's web or worker entry, started through an environment variable naming
 * the entry file, with its log in a file, signalled by its own pid only, and
 * restartable on the same settings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
export const entries = {
  web: path.join(repoRoot, 'build', 'app', 'main.js'),
  worker: path.join(repoRoot, 'build', 'app', 'worker.js'),
};

/** Generous: a cold PGlite boot applies every migration, and the machine has 2 shared cores. */
const READY_TIMEOUT_MS = 60_000;
const WORKER_READY_LINE = '"msg":"generation workers started"';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Every child still alive when the test process ends is killed, so none outlives a crashed run. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) if (child.pid) child.kill('SIGKILL');
});

/** Only what the platform needs from the outer environment: no test variable leaks into a process. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

export type ProcessRole = 'server' | 'web' | 'worker';

/** One platform process that can be started, signalled, killed and restarted. */
export class StackProcess {
  readonly name: string;
  readonly role: ProcessRole;
  readonly logFile: string;
  readonly port: number | undefined;
  private env: Record<string, string>;
  private child: ChildProcess | undefined;
  private exit: Promise<ExitInfo> | undefined;
  /** Log length when the current run started, so readiness only looks at this run's lines. */
  private logOffset = 0;
  starts = 0;
  /** When the current (or last) run was spawned, in epoch ms. */
  startedAt = 0;

  constructor(options: {
    name: string;
    role: ProcessRole;
    logFile: string;
    env: Record<string, string>;
    port?: number;
  }) {
    this.name = options.name;
    this.role = options.role;
    this.logFile = options.logFile;
    this.env = options.env;
    this.port = options.port;
  }

  get url(): string {
    if (this.port === undefined) throw new Error(`${this.name} does not listen`);
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.isRunning() ? this.child?.pid : undefined;
  }

  isRunning(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawns the process (with `env` on top of its own) and waits until it is ready. */
  async start(env: Record<string, string> = {}): Promise<void> {
    if (this.isRunning()) throw new Error(`${this.name} is already running`);
    Object.assign(this.env, env);
    this.starts += 1;
    this.startedAt = Date.now();
    const fd = openSync(this.logFile, 'a');
    this.logOffset = this.readLog().length;
    writeSync(fd, `--- ${this.name} start #${this.starts} at ${new Date().toISOString()} ---\n`);
    const entry = this.role === 'worker' ? entries.worker : entries.web;
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', 'await import(process.env.IMAGEGEN_STACK_ENTRY)'],
      {
        cwd: repoRoot,
        stdio: ['ignore', fd, fd],
        env: { ...baseEnv(), ...this.env, IMAGEGEN_STACK_ENTRY: pathToFileURL(entry).href },
      },
    );
    closeSync(fd);
    live.add(child);
    this.child = child;
    this.exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        resolve({ code, signal });
      });
    });
    await this.waitReady();
  }

  /** Web and server: /readyz answers 200. Worker: its log says the workers started. */
  async waitReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.isRunning()) {
        const info = await this.exited();
        throw new Error(
          `${this.name} exited (${info.code ?? info.signal}) before it was ready:\n${this.tail()}`,
        );
      }
      if (await this.isReady()) return;
      await sleep(100);
    }
    throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.tail()}`);
  }

  private async isReady(): Promise<boolean> {
    if (this.role === 'worker') return this.readLog().slice(this.logOffset).includes(WORKER_READY_LINE);
    try {
      const response = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      return response.status === 200;
    } catch {
      return false;
    }
  }

  /** Resolves when the process has exited (at once if it is not running). */
  exited(): Promise<ExitInfo> {
    return this.exit ?? Promise.resolve({ code: null, signal: null });
  }

  /** Sends a signal to this process's pid, without waiting. */
  signal(signal: NodeJS.Signals): void {
    if (this.isRunning()) this.child!.kill(signal);
  }

  /** SIGKILL, then waits for the exit. */
  async kill(): Promise<ExitInfo> {
    this.signal('SIGKILL');
    return this.exited();
  }

  /** SIGTERM and waits up to `timeoutMs` for the exit; past that, SIGKILL and throw. */
  async terminate(timeoutMs = 30_000): Promise<ExitInfo> {
    if (!this.isRunning()) return this.exited();
    this.signal('SIGTERM');
    const outcome = await Promise.race([this.exited(), sleep(timeoutMs).then(() => 'timeout' as const)]);
    if (outcome === 'timeout') {
      await this.kill();
      throw new Error(`${this.name} did not exit within ${timeoutMs} ms of SIGTERM:\n${this.tail()}`);
    }
    return outcome;
  }

  readLog(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** The parsed JSON log lines of every run so far (process markers and partial lines skipped). */
  logLines(): Array<Record<string, unknown>> {
    const lines: Array<Record<string, unknown>> = [];
    for (const line of this.readLog().split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a line cut short by SIGKILL
      }
    }
    return lines;
  }

  tail(lines = 30): string {
    return `--- ${this.name} (${this.logFile}) ---\n${this.readLog().split('\n').slice(-lines).join('\n')}`;
  }
}
