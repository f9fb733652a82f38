import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEV_INTERNAL_TOKEN_SECRET, loadConfig } from '../src/core';

let keysDir: string;
beforeEach(() => {
  keysDir = mkdtempSync(join(tmpdir(), 'lattice-keys-'));
});
afterEach(() => rmSync(keysDir, { recursive: true, force: true }));

test('services bind to 127.0.0.1 unless HOST says otherwise', () => {
  expect(loadConfig({ KEYS_DIR: keysDir }).HOST).toBe('127.0.0.1');
  expect(loadConfig({ KEYS_DIR: keysDir, HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
});

test('outside production, a missing internal secret is generated once per checkout under KEYS_DIR, never the published one', () => {
  const first = loadConfig({ KEYS_DIR: keysDir }).INTERNAL_TOKEN_SECRET;
  expect(first.length).toBeGreaterThanOrEqual(32);
  expect(first).not.toBe(DEV_INTERNAL_TOKEN_SECRET);
  // Every service of the checkout (and every restart) reads the same one.
  expect(loadConfig({ KEYS_DIR: keysDir, NODE_ENV: 'test' }).INTERNAL_TOKEN_SECRET).toBe(first);
  const file = join(keysDir, 'internal-token-secret');
  expect(readFileSync(file, 'utf8')).toBe(first);
  expect(statSync(file).mode & 0o077).toBe(0);
  // Another checkout, another secret.
  const elsewhere = mkdtempSync(join(tmpdir(), 'lattice-keys-'));
  try {
    expect(loadConfig({ KEYS_DIR: elsewhere }).INTERNAL_TOKEN_SECRET).not.toBe(first);
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
  // A configured one wins and nothing is generated for it.
  const configured = 'c'.repeat(40);
  expect(loadConfig({ KEYS_DIR: keysDir, INTERNAL_TOKEN_SECRET: configured }).INTERNAL_TOKEN_SECRET).toBe(configured);
});

test('production requires the internal secret and generates none', () => {
  expect(() => loadConfig({ KEYS_DIR: keysDir, NODE_ENV: 'production' })).toThrow(ConfigError);
  expect(() => loadConfig({ KEYS_DIR: keysDir, NODE_ENV: 'production' })).toThrow(/INTERNAL_TOKEN_SECRET/);
  expect(() => statSync(join(keysDir, 'internal-token-secret'))).toThrow();
});
