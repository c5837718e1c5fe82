/**
 * A child process spoken to in lines: send a line, await the next line it prints. Used by the
 * reliability tests to start many workers once and drive them together.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface LineProcess {
  readonly child: ChildProcess;
  send(line: string): void;
  /** The next line printed on stdout; rejects after `timeoutMs` or when the process exits first. */
  nextLine(timeoutMs: number): Promise<string>;
  /** Everything printed on stderr so far (for failure messages). */
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `node <args>` (a script and its arguments). */
export function startWorker(args: readonly string[]): LineProcess {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: Array<(line: string | undefined) => void> = [];
  let errors = '';
  let ended = false;
  child.stderr!.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const waiter = waiters.shift();
    if (waiter !== undefined) waiter(line);
    else lines.push(line);
  });
  child.once('exit', () => {
    ended = true;
    for (const waiter of waiters.splice(0)) waiter(undefined);
  });
  return {
    child,
    send: (line) => child.stdin!.write(`${line}\n`),
    nextLine: (timeoutMs) => {
      const queued = lines.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      if (ended) return Promise.reject(new Error(`worker exited (${child.exitCode ?? child.signalCode}): ${errors}`));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const index = waiters.indexOf(settle);
          if (index >= 0) waiters.splice(index, 1);
          reject(new Error(`worker printed nothing within ${timeoutMs} ms: ${errors}`));
        }, timeoutMs);
        const settle = (line: string | undefined) => {
          clearTimeout(timer);
          if (line === undefined) reject(new Error(`worker exited (${child.exitCode ?? child.signalCode}): ${errors}`));
          else resolve(line);
        };
        waiters.push(settle);
      });
    },
    stderr: () => errors,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.end();
      const killLater = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killLater);
    },
  };
}
