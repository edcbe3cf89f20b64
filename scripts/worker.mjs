#!/usr/bin/env node
// `npm run worker`: the generation worker of the scaled mode (build/app/worker.js),
// started with the same environment as `npm start` (see server-env.mjs).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execWithServerEnv } from './server-env.mjs';

execWithServerEnv();
const entry = path.resolve(import.meta.dirname, '..', 'build', 'app', 'worker.js');
if (!existsSync(entry)) {
  console.error('No production build: run `npm run build` first.');
  process.exit(1);
}
await import(new URL(`file://${entry}`).href);
