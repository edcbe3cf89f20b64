/** Shared by the adapters' contract tests (src/server/providers, one folder per provider). */
import { expect } from 'vitest';
import { ProviderError } from '../../src/server/providers/errors';

/** The ProviderError a call ends with; fails the test when it succeeds or throws anything else. */
export async function providerFailure(call: Promise<unknown>): Promise<ProviderError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
}
