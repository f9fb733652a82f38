#!/usr/bin/env node
'use strict';
// The Markdown report of a queries or mutation-cost result, again: `node bench/report.js
// bench/results/queries.json [out.md]`. Default output: docs/bench/<benchmark>.md for the result
// of the default options (bench/results/<benchmark>.json), else next to the JSON.
const fs = require('node:fs');
const path = require('node:path');
const { queriesReport, mutationCostReport } = require('./lib/report');

const [file, out] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/report.js <bench/results/….json> [out.md]');
  process.exit(2);
}
const result = JSON.parse(fs.readFileSync(file, 'utf8'));
const make = { queries: queriesReport, 'mutation-cost': mutationCostReport }[result.benchmark];
if (!make) {
  console.error(`no report for the ${result.benchmark} benchmark`);
  process.exit(2);
}
const root = path.join(__dirname, '..');
const name = path.basename(file, '.json');
const target = out ?? (name === result.benchmark ? path.join(root, 'docs', 'bench', `${name}.md`) : file.replace(/\.json$/, '.md'));
fs.writeFileSync(target, make({ ...result, resultFile: path.relative(root, path.resolve(file)) }));
console.log(`wrote ${path.relative(process.cwd(), target)}`);
