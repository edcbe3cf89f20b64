#!/usr/bin/env node
// Merges keys into a messages file, keeping keys sorted: node scripts/merge-messages.mjs en additions.json
// Used when several people add strings at once; the JSON stays diff-friendly.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [locale, additionsFile] = process.argv.slice(2);
if (!locale || !additionsFile) {
  console.error('usage: merge-messages.mjs <locale> <additions.json>');
  process.exit(2);
}
const file = path.resolve(import.meta.dirname, '../src/i18n/messages', `${locale}.json`);
const current = JSON.parse(readFileSync(file, 'utf8'));
const additions = JSON.parse(readFileSync(additionsFile, 'utf8'));
const merged = { ...current, ...additions };
const sorted = Object.fromEntries(
  Object.keys(merged)
    .sort()
    .map((k) => [k, merged[k]]),
);
const tmp = `${file}.${process.pid}.tmp`;
writeFileSync(tmp, `${JSON.stringify(sorted, null, 2)}\n`);
renameSync(tmp, file);
console.log(
  `${locale}: ${Object.keys(additions).length} keys merged, ${Object.keys(sorted).length} in total`,
);
