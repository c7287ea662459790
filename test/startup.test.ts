// Start-up refuses, with a clear message and exit status 1: a Node.js older
// than the pinned one; a port another server listens on (the threads listen
// with SO_REUSEPORT, which alone would let a second server share it).
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SERVER_ENTRY as ENTRY, startServer } from './helpers/server.ts';
import { connectIoredis } from './helpers/clients.ts';

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

describe('start-up on a port in use', () => {
  it('refuses a port this server already listens on, exits 1 with Redis\'s log lines, and leaves the first one serving', async () => {
    const first = await startServer({ shards: 2 });
    try {
      const result = spawnSync(process.execPath, [ENTRY, '--port', String(first.port), '--bind', '127.0.0.1', '--shards', '2'], { encoding: 'utf8', timeout: 15000 });
      expect(result.status).toBe(1);
      expect(result.stdout).toContain(`# Warning: Could not create server TCP listening socket 127.0.0.1:${first.port}: bind: Address already in use`);
      expect(result.stdout).toContain(`# Failed listening on port ${first.port} (TCP), aborting.`);
      const client = await connectIoredis(first);
      expect(await client.ping()).toBe('PONG');
      client.disconnect();
    } finally {
      await first.stop();
    }
  });
});
