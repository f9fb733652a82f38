import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Create `file` with `contents` unless it exists, atomically (a link of a complete temporary
 * file): services that start at the same moment all end up reading the same one.
 */
export function createFileOnce(file: string, contents: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${randomUUID()}`;
  writeFileSync(tmp, contents, { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * The internal principal token's key outside production when none is configured: generated
 * once per checkout under KEYS_DIR (git-ignored), like the access-token key pair, so no
 * published default lets someone on the network forge a principal.
 */
export function developmentSecret(keysDir: string): string {
  const file = join(keysDir, 'internal-token-secret');
  if (!existsSync(file)) createFileOnce(file, randomBytes(32).toString('base64url'));
  return readFileSync(file, 'utf8').trim();
}
