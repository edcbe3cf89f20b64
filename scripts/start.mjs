#!/usr/bin/env node
// `npm start`: builds once if there is no production build yet, then runs it.
// A fresh clone therefore needs only `npm install && npm start`.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execWithServerEnv } from './server-env.mjs';

execWithServerEnv();

const root = path.resolve(import.meta.dirname, '..');
const entry = path.join(root, 'build', 'app', 'main.js');
if (!existsSync(entry) || !existsSync(path.join(root, 'build', 'server', 'index.js'))) {
  console.log('No production build found: building once (npm run build)…');
  const result = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
await import(new URL(`file://${entry}`).href);
