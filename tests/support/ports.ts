/**
 * Loopback ports for tests, without the pick-then-use race of "bind port 0, close, use the number
 * later": test files run in parallel (and other processes share the machine), so a port released
 * for a moment can be taken before it is used. A server under test binds port 0 itself and reports
 * its URL; these helpers cover what that cannot: a port that must refuse connections, and a port
 * for a child that cannot bind port 0 or must come back on the same port after a restart.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

let refused: Promise<number> | undefined;

/**
 * A port on 127.0.0.1 that refuses connections (ECONNREFUSED) for as long as this test process
 * lives. It is the local port of a loopback connection this module keeps open: nothing listens on
 * it, and on Linux no process can bind it while the connection lasts (the connecting socket is not
 * SO_REUSEADDR, so every bind of that port fails with EADDRINUSE, even with SO_REUSEADDR or
 * SO_REUSEPORT), so it cannot start accepting connections in the middle of a test.
 */
export function refusedPort(): Promise<number> {
  refused ??= (async () => {
    const server = net.createServer((accepted) => accepted.unref());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    server.unref();
    const { port } = server.address() as net.AddressInfo;
    const held = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      held.once('error', reject);
      held.once('connect', resolve);
    });
    // Kept open but never keeps the test process alive; an error later (none expected) is ignored.
    held.unref();
    held.on('error', () => undefined);
    return held.localPort!;
  })();
  return refused;
}

/**
 * The lowest port of the system's ephemeral range (Linux: ip_local_port_range; elsewhere the IANA
 * 49152). The system hands out ports at and above it to every bind of port 0 and every outgoing
 * connection, so a port below it is taken only by a process asking for that very number.
 */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 49_152;
  }
}

/**
 * Marks `port` as this process's in a lock file every test process on the machine (any worktree, any
 * run) checks before claiming a port, until the returned function or the process's death releases
 * it; undefined when a live process holds it.
 */
function reserve(port: number): (() => void) | undefined {
  const lock = path.join(tmpdir(), `aimdb-test-port-${port}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      return () => rmSync(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(lock, 'utf8'));
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) return undefined;
    // Left by a process that died without releasing it.
    rmSync(lock, { force: true });
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Starts a child that must be given its port number (it cannot bind port 0 and report the port, or
 * it must come back on the same port after a restart) on a port claimed without a race: `start` is
 * called with a random port below the ephemeral range (see ephemeralLow; above 10000, where fixed
 * services cluster), reserved for this process among the suite's processes (see reserve), and
 * called again with another one only when `isTaken(error)` says it failed because something outside
 * the suite held that port. While the child is stopped (between restarts) the port stays free: the
 * system never hands it out, and no test process on the machine claims it again.
 */
export async function startOnClaimedPort<T>(
  start: (port: number) => Promise<T>,
  isTaken: (error: unknown) => boolean,
): Promise<{ port: number; started: T; /** Call once the child is stopped for good. */ release(): void }> {
  const low = 10_000;
  const high = ephemeralLow();
  if (high - low < 1000) throw new Error(`the ephemeral port range starts at ${high}: no room below it for a claimed test port`);
  for (let attempt = 1; ; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    const release = reserve(port);
    if (release !== undefined) {
      try {
        return { port, started: await start(port), release };
      } catch (error) {
        release();
        if (!isTaken(error)) throw error;
      }
    }
    if (attempt >= 20) throw new Error(`no free port for a test server after ${attempt} tries below ${high}`);
  }
}
