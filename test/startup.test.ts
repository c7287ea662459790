// Start-up refuses a Node.js older than the pinned one, with a clear message.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SERVER_ENTRY as ENTRY } from './helpers/server.ts';

/** A Node.js on the machine older than 26 (the system one that runs npm), if there is one. */
function olderNode(): string | null {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    try {
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
      if (Number(version.slice(1).split('.')[0]) < 26) return candidate;
    } catch {
      // not there
    }
  }
  return null;
}

const older = olderNode();

describe('start-up Node.js check', () => {
  it.skipIf(older === null)(`refuses to start on an older Node.js (${older ?? 'none found'})`, () => {
    const result = spawnSync(older as string, [ENTRY, '--port', '0'], { encoding: 'utf8', timeout: 10000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('threadis needs Node.js 26.x or newer');
    expect(result.stderr).toContain('npm start');
  });
});
