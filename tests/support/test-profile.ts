/**
 * The test profile of reliability.md 3.0: short pg-boss timers and provider
 * timeouts, so recovery paths run in seconds. In-process tests (app.ts) and
 * the process-level stacks (stack.ts) share it; tests override what they need.
 */
export const TEST_PROFILE: Record<string, string> = {
  JOB_EXPIRE_SECONDS: '20',
  JOB_HEARTBEAT_SECONDS: '10',
  JOB_MONITOR_INTERVAL_SECONDS: '1',
  JOB_RETRY_LIMIT: '2',
  JOB_RETRY_DELAY_SECONDS: '1',
  JOB_POLLING_INTERVAL_SECONDS: '0.5',
  HOLD_TIMEOUT_SECONDS: '90',
  SWEEP_INTERVAL_SECONDS: '5',
  GENERATION_ATTEMPT_TIMEOUT_SECONDS: '2',
  GENERATION_RETRY_BASE_MS: '50',
};
