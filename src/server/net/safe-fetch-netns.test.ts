/**
 * Reliability P3 inside a network namespace: the fetcher runs in a process
 * whose only interface is loopback (`unshare --net`), so a check that let a
 * payload through could reach nothing beyond this machine. Needs root
 * (CAP_SYS_ADMIN and CAP_NET_ADMIN), which CI has; skipped, with the reason
 * in its name, where `unshare --net` is not allowed. The canary and the
 * allowed fake host live on the namespace's own loopback (P3 asks for the
 * allowed host in a second namespace joined by a veth pair; one namespace
 * already keeps every packet on the machine).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ssrfPayloads } from '../../../tests/support/ssrf-payloads';

const root = path.resolve(import.meta.dirname, '../../..');

function canUseNamespace(): boolean {
  const probe = spawnSync('unshare', ['--net', 'sh', '-c', 'ip link set lo up'], { timeout: 5_000 });
  return probe.status === 0;
}

const available = canUseNamespace();

interface ProbeReport {
  payloads: number;
  outcomes: Record<string, string>;
  connects: string[];
  canaryHits: number;
  resolverCalls: string[];
  allowedFetch: string;
  redirectToCanary: string;
  offMachine: string;
}

describe('safeFetch in a loopback-only network namespace (P3)', () => {
  it.skipIf(!available)(
    available ? 'refuses every payload before connecting' : 'skipped: `unshare --net` is not permitted here',
    () => {
      const child = spawnSync(
        'unshare',
        [
          '--net',
          'sh',
          '-c',
          `ip link set lo up && exec "${process.execPath}" tests/support/ssrf-netns-probe.mjs`,
        ],
        { cwd: root, encoding: 'utf8', timeout: 60_000 },
      );
      expect(child.status, child.stderr).toBe(0);
      const report = JSON.parse(child.stdout.trim().split('\n').pop()!) as ProbeReport;

      expect(report.payloads).toBe(ssrfPayloads(0).length);
      expect(report.payloads).toBeGreaterThanOrEqual(25);
      for (const [name, code] of Object.entries(report.outcomes)) {
        expect([name, code]).toEqual([name, expect.stringMatching(/^(invalid_url|forbidden_address)$/)]);
      }
      expect(report.connects).toEqual([]);
      expect(report.canaryHits).toBe(0);
      // The allowed host works, its redirect to the canary does not.
      expect(report.allowedFetch).toBe('ok');
      expect(report.redirectToCanary).toBe('forbidden_address');
      // And the namespace has no way out, so the test could not have leaked either.
      expect(report.offMachine).toMatch(/^(ENETUNREACH|EHOSTUNREACH)$/);
    },
  );
});
