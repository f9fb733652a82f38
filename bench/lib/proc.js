'use strict';
// Readings from /proc (Linux): CPU time and memory of a process, the machine's CPU time, and what
// the machine is. All CPU figures are in seconds; percentages are "% of one core".
const fs = require('node:fs');
const os = require('node:os');
const { execFileSync } = require('node:child_process');

let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** user + system CPU seconds a process has used so far (utime and stime of /proc/<pid>/stat). */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / ticksPerSecond();
  } catch {
    return NaN;
  }
}

/** Resident set size of a process, bytes (VmRSS of /proc/<pid>/status). */
function rssBytes(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = status.match(/^VmRSS:\s+(\d+) kB$/m);
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** The machine's busy and total CPU seconds over all cores (first line of /proc/stat). */
function machineCpu() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = v;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / ticksPerSecond(), total: (busy + idle + iowait) / ticksPerSecond() };
}

/** CPU seconds so far of every process whose command name is one of `names` (e.g. postgres). */
function cpuByCommand(names) {
  const out = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (names.includes(comm)) out.set(Number(entry), cpuSeconds(entry));
    } catch {}
  }
  return out;
}

/**
 * CPU seconds so far of the PostgreSQL backends serving each database, by the database name their
 * process title shows ("postgres: 15/main: <user> <database> <client> <state>"): { name → Map(pid → s) }.
 */
function postgresBackendCpu(databases) {
  const out = Object.fromEntries(databases.map((d) => [d, new Map()]));
  if (!databases.length) return out;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
      const title = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().split(/\s+/);
      // ["postgres:", "15/main:", user, database, client, state…]
      const db = title[0] === 'postgres:' ? title[3] : undefined;
      if (db && db in out) out[db].set(Number(entry), cpuSeconds(entry));
    } catch {}
  }
  return out;
}

/** CPU seconds between two readings of a set of processes; ones that started in between count from 0. */
function cpuDeltaIncludingNew(before, after) {
  let s = 0;
  for (const [pid, t] of after) s += t - (before.get(pid) ?? 0);
  return s;
}

/** CPU seconds between two cpuByCommand readings, over the processes alive at both. */
function cpuDelta(before, after) {
  let s = 0;
  for (const [pid, t] of after) if (before.has(pid)) s += t - before.get(pid);
  return s;
}

function machine() {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.+)$/m);
    if (m) cpuModel = m[1].trim();
  } catch {}
  let nproc = os.availableParallelism?.() ?? os.cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {}
  return {
    nproc,
    cpuModel,
    memoryTotalMB: Math.round(os.totalmem() / 2 ** 20),
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    arch: process.arch,
  };
}

module.exports = {
  cpuSeconds,
  cpuByCommand,
  cpuDelta,
  cpuDeltaIncludingNew,
  postgresBackendCpu,
  rssBytes,
  machineCpu,
  machine,
  ticksPerSecond,
};
