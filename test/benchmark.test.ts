// redis-benchmark, the stock load generator, runs its pipelined tests against
// the server to the end without an error reply.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { useServer } from './helpers/server.ts';

interface BenchmarkRun {
  /** Requests per second by test name, from --csv. */
  rates: Map<string, number>;
  /** Lines that are neither the CSV header nor a result ("Error from server: ..."). */
  otherLines: string[];
}

function redisBenchmark(port: number, args: string[]): Promise<BenchmarkRun> {
  return new Promise((resolve, reject) => {
    execFile('redis-benchmark', ['-p', String(port), ...args, '--csv'], { timeout: 120000 }, (error, stdout, stderr) => {
      if (error && error.killed) {
        reject(new Error(`redis-benchmark timed out:\n${stdout}${stderr}`));
        return;
      }
      const rates = new Map<string, number>();
      const otherLines: string[] = [];
      for (const line of `${stdout}\n${stderr}`.split('\n')) {
        const row = /^"([^"]+)","([^"]+)"/.exec(line);
        if (row && row[1] !== 'test') rates.set(row[1], Number(row[2]));
        else if (line.trim() !== '' && !line.startsWith('"test"')) otherLines.push(line);
      }
      resolve({ rates, otherLines });
    });
  });
}

for (const shards of [1, 2]) {
  describe(`redis-benchmark --shards ${shards}`, () => {
    const server = useServer({ shards });

    it('redis-benchmark -t ping,set,get,incr,mset -n 100000 -P 16 finishes without an error', async () => {
      const run = await redisBenchmark(server.port, ['-t', 'ping,set,get,incr,mset', '-n', '100000', '-P', '16']);
      expect(run.otherLines).toEqual([]);
      expect([...run.rates.keys()]).toEqual(['PING_INLINE', 'PING_MBULK', 'SET', 'GET', 'INCR', 'MSET (10 keys)']);
      for (const [test, rate] of run.rates) expect(rate, test).toBeGreaterThan(0);
      // What it wrote is there: SET stores "VXK" under key:__rand_int__ (-r not given: one key).
      expect((await server.cli('get', 'key:__rand_int__')).trim()).toBe('VXK');
      expect((await server.cli('get', 'counter:__rand_int__')).trim()).toBe('100000');
    }, 150000);
  });
}
