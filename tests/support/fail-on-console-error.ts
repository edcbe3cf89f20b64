/** A console.error during a test is a bug somewhere: fail the test that caused it. */
import { afterEach } from 'vitest';

const errors: unknown[][] = [];
const original = console.error.bind(console);
console.error = (...args: unknown[]) => {
  errors.push(args);
  original(...args);
};

afterEach(() => {
  if (errors.length > 0) {
    const first = errors.splice(0).map((args) => args.map(String).join(' '));
    throw new Error(`console.error was called during the test:\n${first.join('\n')}`);
  }
});
