// Finds a Chromium to drive with playwright-core (Playwright's own browser
// downloads do not work offline). CHROMIUM_PATH wins; then Debian's paths.
import { existsSync } from 'node:fs';

export function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p) => p && existsSync(p));
}
