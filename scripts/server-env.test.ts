import { describe, expect, it } from 'vitest';
import {
  GLIBC_MALLOC_TUNABLES,
  SEMI_SPACE_FLAG,
  SERVER_NODE_FLAGS,
  serverEnv,
  serverNodeFlags,
} from './server-env.mjs';

describe('serverEnv', () => {
  it('adds the allocator settings and the semi-space size where they are missing', () => {
    const env = serverEnv({ PATH: '/bin' });
    if (process.platform === 'linux') expect(env.GLIBC_TUNABLES).toBe(GLIBC_MALLOC_TUNABLES);
    expect(env.NODE_OPTIONS).toContain(SEMI_SPACE_FLAG);
    expect(env.PATH).toBe('/bin');
  });

  it("keeps the operator's own settings and returns the same object when nothing is missing", () => {
    const own = { GLIBC_TUNABLES: 'glibc.malloc.arena_max=4', NODE_OPTIONS: '--max-semi-space-size=64' };
    expect(serverEnv(own)).toBe(own);
    const partial = serverEnv({ NODE_OPTIONS: '--enable-source-maps' });
    expect(partial.NODE_OPTIONS).toBe(`--enable-source-maps ${SEMI_SPACE_FLAG}`);
  });
});

describe('serverNodeFlags', () => {
  it('lists the V8 flags a command line lacks', () => {
    expect(serverNodeFlags([])).toEqual(SERVER_NODE_FLAGS);
    expect(serverNodeFlags(['--enable-source-maps'])).toEqual(['--no-memory-reducer']);
  });

  it('adds nothing that is already there, or whose opposite the operator chose', () => {
    expect(serverNodeFlags(['--no-memory-reducer'])).toEqual([]);
    expect(serverNodeFlags(['--no_memory_reducer'])).toEqual([]);
    expect(serverNodeFlags(['--memory-reducer'])).toEqual([]);
  });
});
