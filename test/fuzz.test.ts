// The differential fuzzer (test/fuzz/fuzz.ts) for a short run: random
// commands of every family and malformed input, sent to this server and to a
// stock redis-server side by side. A failure shows the seed that reproduces
// it: node test/fuzz/fuzz.ts --seed S, or FUZZ_SEED=S here.

import { expect, it } from 'vitest';
import { runFuzz } from './fuzz/fuzz.ts';

const SECONDS = 25;
const seed = process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED);

it(`answers ${SECONDS} s of random commands and malformed input as stock redis-server does (seed ${seed})`, async () => {
  const result = await runFuzz({ seconds: SECONDS, seed, log: () => {} });
  console.log(result.summary);
  expect(result.failures.join('\n\n')).toBe('');
  expect(result.commands).toBeGreaterThan(1000);
}, (SECONDS + 60) * 1000);
