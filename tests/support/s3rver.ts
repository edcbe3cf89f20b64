/**
 * A local S3-compatible server for tests: s3rver on 127.0.0.1 and a free
 * port, storing into a temporary folder, in a child process (see
 * s3rver-process.mjs for why). It knows one key pair (S3RVER / S3RVER) and
 * refuses other access keys, but does not verify SigV4 signatures and has no
 * bucket policies: bucket privacy is a matter for the real store.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

const script = fileURLToPath(new URL('./s3rver-process.mjs', import.meta.url));

export async function startLocalS3(bucket = 'images'): Promise<LocalS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'imagegen-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', script, directory, bucket], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => String(line)),
    exited.then(([code]) => {
      throw new Error(`s3rver exited before listening (code ${String(code)})`);
    }),
  ]);
  lines.close();
  const { port } = JSON.parse(first) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}
