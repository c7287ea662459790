// The soak (test/soak/soak.ts) for SOAK_SECONDS seconds: 60 by default, as in
// CI; `make soak` runs it for 10 minutes, strict (SOAK_STRICT=1).
//
// Two of its checks find open bugs, so the suite's run (not strict) leaves
// them out until they are fixed; `make soak` keeps them:
// - a worker killed (DEBUG PANIC) in the middle of a transaction over several
//   shards can leave it half applied (transfers that do not add up, an MSET
//   half done), since a dead thread's part is not replayed or undone;
// - one client's pipelined single-key writes to two other threads' shards
//   run as independent hops, so another client can see the later before the
//   earlier.
// The suite's run also bounds PING at 500 ms, not 100: on a 2-core machine its
// 50 clients, the prober and the server's threads share two cores with the
// rest of the suite, and PINGs of 100-250 ms (the server's share) come from
// that alone; `make soak` keeps 100 ms.

import { describe, expect, it } from 'vitest';
import { runSoak } from './soak/soak.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const SHARDS = Number(process.env.SOAK_SHARDS ?? 3);
const STRICT = process.env.SOAK_STRICT === '1';

describe('soak', () => {
  it(`keeps every invariant for ${SECONDS} s of mixed commands from 50 clients, kills, half-closes${STRICT ? ' and worker panics' : ''}`, { timeout: (SECONDS + 240) * 1000 }, async () => {
    const report = await runSoak({
      seconds: SECONDS,
      shards: SHARDS,
      panicEverySeconds: Number(process.env.SOAK_PANIC_EVERY ?? (STRICT ? 6 : 0)),
      killEveryMs: Number(process.env.SOAK_KILL_EVERY_MS ?? 300),
      pingLimitMs: Number(process.env.SOAK_PING_LIMIT_MS ?? (STRICT ? 100 : 500)),
      settleMs: 2000,
      paceMs: Number(process.env.SOAK_PACE_MS ?? 0),
      checkPipelineOrder: STRICT,
      keepGoing: process.env.SOAK_KEEP_GOING === '1',
      printServerLog: process.env.SOAK_SERVER_LOG === '1',
      log: (line) => console.log(line),
    });
    console.log(report.summary);
    expect(report.failures).toEqual([]);
  });
});
