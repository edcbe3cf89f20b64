// The environment production processes start with: `npm start` and
// `npm run worker` re-execute themselves with it, and bench:generation starts
// the server with it, so what is measured is what runs.
//
// On glibc-based Linux (Debian, Ubuntu, Red Hat) the allocator keeps memory
// that threads have freed: each thread gets an arena of its own, and after a
// large block is freed glibc raises its mmap and trim thresholds (up to
// 32-64 MB), so later large blocks land in those arenas and stay resident.
// The server frees a lot from threads: libvips (sharp) on libuv's pool and
// V8 compiling PGlite's WebAssembly in the background. Two arenas and fixed
// thresholds of 128 KiB (glibc's own starting values) return such memory to
// the system: with 1,000 generations in flight, peak RSS went from ~780 to
// ~580 MB, with the same throughput (bench:generation). sharp's documentation
// recommends the same kind of change (or jemalloc) for glibc. A
// GLIBC_TUNABLES set by the operator is left as it is; other C libraries
// ignore the variable.
export const GLIBC_MALLOC_TUNABLES =
  'glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=131072:glibc.malloc.mmap_threshold=131072';

/** `env` plus the allocator settings, unless GLIBC_TUNABLES is already there or this is not Linux. */
export function serverEnv(env = process.env) {
  if (process.platform !== 'linux' || env.GLIBC_TUNABLES !== undefined) return env;
  return { ...env, GLIBC_TUNABLES: GLIBC_MALLOC_TUNABLES };
}

/**
 * Replaces this process with the same command under serverEnv(), once: same
 * pid, arguments and node flags, so supervisors and signals see no
 * difference. The allocator reads its settings only when a process starts.
 * Where that cannot be done, carries on unchanged.
 */
export function execWithServerEnv() {
  const env = serverEnv();
  if (env === process.env || typeof process.execve !== 'function') return;
  try {
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], env);
  } catch (error) {
    console.warn(`Starting without allocator settings (${error instanceof Error ? error.message : error}).`);
  }
}
