'use strict';
// A baseline commit to measure against: checked out into a temporary git worktree, installed
// (`npm ci`) and built (`npm run build`) there, and removed again afterwards (also on failure and
// on Ctrl-C). Output of npm goes to a log file in the worktree's parent directory, named when a
// step fails.
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ROOT } = require('./stack');

const git = (args, cwd = ROOT) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/** Worktrees made here and not yet removed. */
const made = new Set();

function step(cmd, args, cwd, logFile, timeoutMs) {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(logFile, 'a');
    fs.writeSync(fd, `\n$ ${cmd} ${args.join(' ')}\n`);
    const child = spawn(cmd, args, {
      cwd,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' },
    });
    fs.closeSync(fd);
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('error', (err) => (clearTimeout(timer), reject(err)));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${code ?? signal}) in ${cwd}; see ${logFile}`));
    });
  });
}

/** What commit a ref names, and its subject. */
function describe(ref, cwd = ROOT) {
  const commit = git(['rev-parse', '--verify', `${ref}^{commit}`], cwd);
  return { commit, subject: git(['log', '-1', '--format=%s', commit], cwd) };
}

/**
 * Check out `ref` into a temporary worktree, install and build it. Returns { dir, commit,
 * subject, remove() }.
 */
async function prepareBaseline(ref, log) {
  const { commit, subject } = describe(ref);
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), `lattice-baseline-${commit.slice(0, 7)}-`));
  const dir = path.join(parent, 'checkout');
  const logFile = path.join(parent, 'build.log');
  git(['worktree', 'add', '--detach', dir, commit]);
  const entry = { dir, parent };
  made.add(entry);
  const remove = () => removeWorktree(entry);
  try {
    log(`baseline ${commit.slice(0, 7)} ("${subject}") checked out in ${dir}; npm ci`);
    await step('npm', ['ci', '--no-audit', '--no-fund'], dir, logFile, 15 * 60_000);
    log('baseline: npm run build');
    await step('npm', ['run', 'build'], dir, logFile, 15 * 60_000);
  } catch (err) {
    // Keep the log: copy it out of the directory that is about to go.
    const kept = path.join(os.tmpdir(), `lattice-baseline-${commit.slice(0, 7)}-build.log`);
    try {
      fs.copyFileSync(logFile, kept);
    } catch {}
    await remove();
    throw new Error(`${err.message.replace(logFile, kept)}`, { cause: err });
  }
  return { dir, commit, subject, remove };
}

async function removeWorktree(entry) {
  if (!made.has(entry)) return;
  made.delete(entry);
  try {
    git(['worktree', 'remove', '--force', entry.dir]);
  } catch (err) {
    console.error(`  could not remove the worktree ${entry.dir}: ${err.message.split('\n')[0]}`);
  }
  fs.rmSync(entry.parent, { recursive: true, force: true });
  try {
    git(['worktree', 'prune']);
  } catch {}
}

/** Remove every worktree still here (interrupt or crash). */
async function removeAll() {
  for (const entry of [...made]) await removeWorktree(entry);
}

module.exports = { prepareBaseline, describe, removeAll };
