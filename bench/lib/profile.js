'use strict';
// Summary of a V8 .cpuprofile (node --cpu-prof): self time by function and by package, and the
// inclusive time of a few frames worth naming.
const fs = require('node:fs');
const path = require('node:path');

function where(url) {
  if (!url) return '(native/v8)';
  const file = url.replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (file.startsWith('node:')) return 'node (core)';
  const m = file.match(/\/(gateway|packages\/\w+|subgraphs\/[\w-]+)\/dist\//);
  return m ? `lattice ${m[1]}` : file;
}

function shortFile(url) {
  const file = (url || '').replace(/^file:\/\//, '');
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) return file.slice(nm + '/node_modules/'.length);
  const m = file.match(/\/((?:gateway|packages|subgraphs)\/.*)$/);
  return m ? m[1] : file;
}

/** Top self-time functions and packages; `inclusive` names frames to sum inclusive time for. */
function summarizeProfile(file, { top = 25, inclusive = [] } = {}) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Self time per node from the samples and their time deltas (µs).
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) self.set(samples[i], (self.get(samples[i]) ?? 0) + (timeDeltas[i] ?? 0));
  let total = 0;
  let idle = 0;
  const byFunction = new Map();
  const byPackage = new Map();
  for (const [id, us] of self) {
    const { callFrame } = nodes.get(id);
    total += us;
    if (callFrame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const fn = `${callFrame.functionName || '(anonymous)'} ${shortFile(callFrame.url)}:${callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const pkg = callFrame.functionName === '(garbage collector)' ? '(garbage collector)' : where(callFrame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us) => Math.round((1000 * us) / busy) / 10;
  const rank = (map) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percentOfBusy: pct(us) }));

  // Inclusive time of frames whose function name matches: a sample counts once per match on its stack.
  const inclusiveTimes = {};
  for (const name of inclusive) {
    let us = 0;
    for (const [id, t] of self) {
      let cur = id;
      while (cur !== undefined) {
        if (nodes.get(cur).callFrame.functionName === name) {
          us += t;
          break;
        }
        cur = parent.get(cur);
      }
    }
    inclusiveTimes[name] = { ms: Math.round(us / 1000), percentOfBusy: pct(us) };
  }
  return {
    file: path.basename(file), // the profile itself stays in the temporary folder, not in the results
    wallMs: Math.round((profile.endTime - profile.startTime) / 1000),
    busyMs: Math.round(busy / 1000),
    byPackage: rank(byPackage),
    byFunction: rank(byFunction),
    inclusive: inclusiveTimes,
  };
}

module.exports = { summarizeProfile };
