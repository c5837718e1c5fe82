/**
 * A real S3-compatible server for tests: Python's moto (`moto_server`) on a loopback port it picks
 * itself (port 0; it prints the URL it runs on), started here and stopped by its process id. When moto is not installed the set-up fails with a
 * message saying so: S3 tests must never be skipped silently.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface MotoServer {
  endpoint: string;
  /** An S3 client for the test's own checks (corrupting a blob, listing keys). */
  client: S3Client;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
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
  // Port 0, read back from werkzeug's " * Running on http://127.0.0.1:PORT" line: a port picked here
  // and passed in could be taken by another test file before moto binds it.
  const child: ChildProcess = spawn(command, [...args, '-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let endpoint: string | undefined;
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    endpoint ??= /Running on (http:\/\/127\.0\.0\.1:[1-9]\d*)/.exec(stderr)?.[1];
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode} before answering: ${stderr}`);
    if (endpoint !== undefined) {
      try {
        const response = await fetch(`${endpoint}/moto-api/`);
        if (response.status < 500) break;
      } catch {
        // not answering yet
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`moto_server did not answer${endpoint === undefined ? ' (it printed no URL)' : ` on ${endpoint}`} within 30 s: ${stderr}`);
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
