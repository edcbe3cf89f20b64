#!/usr/bin/env node
// `npm run admin -- <command>`: account administration (src/server/admin-cli.ts),
// with the same environment as `npm start`; builds once when there is no build yet.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const entry = path.join(root, 'build', 'app', 'admin.js');
if (!existsSync(entry)) {
  console.log('No production build found: building once (npm run build)…');
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
await import(new URL(`file://${entry}`).href);
