// The environment and V8 flags production processes start with: `npm start`
// and `npm run worker` re-execute themselves with them, and the benchmarks
// start the server with them, so what is measured is what runs. Settings the operator
// has made (GLIBC_TUNABLES, a semi-space size in NODE_OPTIONS) are kept.
//
// Allocator. On glibc-based Linux (Debian, Ubuntu, Red Hat) each thread gets
// an arena of its own, and after a large block is freed glibc raises its mmap
// and trim thresholds (up to 32-64 MB), so later large blocks land in those
// arenas and stay resident after they are freed. The server frees a lot from
// threads: libvips (sharp) on libuv's pool, and V8 compiling PGlite's
// WebAssembly in the background. Two arenas and fixed thresholds of 128 KiB
// (glibc's own starting values) return such memory to the system. sharp's
// documentation recommends the same kind of change (or jemalloc) for glibc.
// Other C libraries ignore the variable.
//
// Young generation. V8 sized the new space at 128 MB resident for this
// process (its default follows the machine's memory), mostly empty between
// collections: PGlite allocates ~40 KB of short-lived objects per statement.
// 16 MB semi-spaces keep it at ~48 MB; the extra scavenges are cheap because
// almost nothing survives them.
//
// bench:generation, 1,000 generations in flight on 2 cores: peak RSS
// ~780-800 MB with neither, 576-643 MB with the allocator settings, 441 MB
// with both, at the same throughput, overhead and event-loop delay.
//
// V8's memory reducer. After ~10 s without much allocation V8 shrinks an idle
// isolate's heap, and the server then stayed ~20-25 % slower on cheap
// requests for at least the next 30 s of traffic (bench:http shape on 2
// cores: /healthz 54-59k instead of 70-80k req/s, the prerendered page 26k
// instead of 32-34k; page rendering unchanged). A server idles between
// bursts all the time, so it runs without it: resident memory after a burst
// and 25 s idle measured 559 MB with the reducer, 567 MB without.
// Command-line flag only (NODE_OPTIONS does not accept it).
export const SERVER_NODE_FLAGS = ['--no-memory-reducer'];

export const GLIBC_MALLOC_TUNABLES =
  'glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=131072:glibc.malloc.mmap_threshold=131072';
export const SEMI_SPACE_FLAG = '--max-semi-space-size=16';

/** `env` with the settings above added where they are missing (the same object when none is). */
export function serverEnv(env = process.env) {
  const additions = {};
  if (process.platform === 'linux' && env.GLIBC_TUNABLES === undefined) {
    additions.GLIBC_TUNABLES = GLIBC_MALLOC_TUNABLES;
  }
  const nodeOptions = env.NODE_OPTIONS ?? '';
  if (!/--max-semi-space-size\b/.test(nodeOptions) && !process.execArgv.some(isSemiSpaceFlag)) {
    additions.NODE_OPTIONS = `${nodeOptions} ${SEMI_SPACE_FLAG}`.trim();
  }
  return Object.keys(additions).length === 0 ? env : { ...env, ...additions };
}

function isSemiSpaceFlag(flag) {
  return flag.startsWith('--max-semi-space-size');
}

/** SERVER_NODE_FLAGS missing from `execArgv`, unless the operator chose the opposite (`--memory-reducer`). */
export function serverNodeFlags(execArgv = process.execArgv) {
  return SERVER_NODE_FLAGS.filter((flag) => {
    const positive = flag.replace(/^--no-/, '--');
    // V8 reads `_` and `-` alike in flag names.
    return !execArgv.map((arg) => arg.replace(/_/g, '-')).some((arg) => arg === flag || arg === positive);
  });
}

/**
 * Replaces this process with the same command under serverEnv(), once: same
 * pid, arguments and node flags, so supervisors and signals see no
 * difference. Both settings are read only when a process starts. Where that
 * cannot be done, carries on unchanged.
 */
export function execWithServerEnv() {
  const env = serverEnv();
  const flags = serverNodeFlags();
  if ((env === process.env && flags.length === 0) || typeof process.execve !== 'function') return;
  try {
    process.execve(
      process.execPath,
      [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)],
      env,
    );
  } catch (error) {
    console.warn(`Starting without the memory settings (${error instanceof Error ? error.message : error}).`);
  }
}
