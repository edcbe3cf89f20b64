// Runs s3rver in its own process for tests/support/s3rver.ts. Started with
// --openssl-legacy-provider: s3rver encrypts ListObjectsV2 continuation
// tokens with DES, which OpenSSL 3 (Node 17 and later) only has in its legacy
// provider, so paged listings fail with InternalError without it.
// Arguments: <data folder> <bucket>. Prints {"port":N} once listening.
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  directory,
  silent: true,
  configureBuckets: [{ name: bucket }],
});
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.on('SIGTERM', () => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
