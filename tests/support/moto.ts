/**
 * A real S3-compatible server for tests: Python's moto (`moto_server`) on a spare loopback port,
 * started here and stopped by its process id. When moto is not installed the set-up fails with a
 * message saying so: S3 tests must never be skipped silently.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface MotoServer {
  endpoint: string;
  /** An S3 client for the test's own checks (corrupting a blob, listing keys). */
  client: S3Client;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

async function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** The command that starts moto: `moto_server` on the PATH, else `python3 -m moto.server`. */
function motoCommand(): [string, string[]] {
  const which = spawnSync('sh', ['-c', 'command -v moto_server'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim() !== '') return [which.stdout.trim(), []];
  const python = spawnSync('python3', ['-c', 'import moto.server'], { encoding: 'utf8' });
  if (python.status === 0) return ['python3', ['-m', 'moto.server']];
  throw new Error(
    'the S3 tests need moto (an S3-compatible test server): neither `moto_server` nor `python3 -m moto.server` is available. ' +
      "Install it with `pip install 'moto[server]'`; these tests fail rather than skip so CI never passes without S3.",
  );
}

/** Credentials moto accepts; the SDK reads them from the environment, as aimdb's users' do. */
export function setFakeAwsEnvironment(): void {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  process.env.AWS_REGION = 'us-east-1';
}

export async function startMoto(): Promise<MotoServer> {
  const [command, args] = motoCommand();
  const port = await sparePort();
  const child: ChildProcess = spawn(command, [...args, '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode} before answering: ${stderr}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  setFakeAwsEnvironment();
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    endpoint,
    client,
    createBucket: async (name) => {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    stop: async () => {
      client.destroy();
      if (child.exitCode !== null || child.pid === undefined) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    },
  };
}
