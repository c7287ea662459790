// The soak (test/soak/soak.ts) for SOAK_SECONDS seconds: 60 by default, as in
// CI; `make soak` runs it for 10 minutes.

import { describe, expect, it } from 'vitest';
import { runSoak } from './soak/soak.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const SHARDS = Number(process.env.SOAK_SHARDS ?? 3);

describe('soak', () => {
  it(`keeps every invariant for ${SECONDS} s of mixed commands from 50 clients, kills, half-closes and worker panics`, { timeout: (SECONDS + 240) * 1000 }, async () => {
    const report = await runSoak({
      seconds: SECONDS,
      shards: SHARDS,
      panicEverySeconds: Number(process.env.SOAK_PANIC_EVERY ?? 6),
      killEveryMs: Number(process.env.SOAK_KILL_EVERY_MS ?? 300),
      pingLimitMs: 100,
      settleMs: 2000,
      paceMs: Number(process.env.SOAK_PACE_MS ?? 0),
      keepGoing: process.env.SOAK_KEEP_GOING === '1',
      printServerLog: process.env.SOAK_SERVER_LOG === '1',
      log: (line) => console.log(line),
    });
    console.log(report.summary);
    expect(report.failures).toEqual([]);
  });
});
