/**
 * Loaded into the server under test by bench/generation.mjs with
 * `node --import ./bench/generation-probe.mjs build/app/main.js`, so the
 * production build runs unchanged while the benchmark learns what only the
 * server process can see: its event-loop delay and its resident memory.
 * It talks over the IPC channel the benchmark opens and does nothing
 * without one.
 *
 * Messages: `{ type: 'reset' }` starts a new measurement window;
 * `{ type: 'report' }` answers `{ type: 'report', loop, rss }` for the
 * window so far (milliseconds and megabytes).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

if (process.send && process.channel) {
  // 10 ms: the histogram's timer fires this often; a delay shows as how late it fires.
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let peakRss = process.memoryUsage.rss();
  let samples = 0;
  // RSS is sampled every 25 ms (cheap: one read of /proc/self/statm); the
  // benchmark also reads the kernel's own high-water mark (VmHWM).
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    samples++;
  }, 25);
  sampler.unref();

  const ms = (ns) => Math.round((ns / 1e6) * 10) / 10;
  const mb = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  // Where the resident memory is: V8's heap, and memory outside it (Buffers, PGlite's WebAssembly memory).
  const breakdown = () => {
    const usage = process.memoryUsage();
    return {
      heapUsedMb: mb(usage.heapUsed),
      heapTotalMb: mb(usage.heapTotal),
      externalMb: mb(usage.external),
      arrayBuffersMb: mb(usage.arrayBuffers),
    };
  };
  process.on('message', (message) => {
    if (message?.type === 'reset') {
      delay.reset();
      peakRss = process.memoryUsage.rss();
      samples = 0;
      process.send({ type: 'reset', rssMb: mb(peakRss), memory: breakdown() });
    } else if (message?.type === 'report') {
      process.send({
        type: 'report',
        loop: {
          p50Ms: ms(delay.percentile(50)),
          p99Ms: ms(delay.percentile(99)),
          maxMs: ms(delay.max),
          meanMs: ms(delay.mean),
          samples: delay.count,
        },
        rss: { peakMb: mb(peakRss), nowMb: mb(process.memoryUsage.rss()), samples },
        memory: breakdown(),
      });
    }
  });
  // The channel must not keep the server alive on its own (SIGTERM ends it as usual).
  process.channel.unref();
}
