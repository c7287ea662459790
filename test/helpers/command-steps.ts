// Runs tables of [command, expected reply] against a server with ioredis and
// checks each reply: the tables in the keyspace and expiry tests were
// checked against stock redis-server 7.0.15 with the same commands.

import { expect } from 'vitest';
import type { Redis } from 'ioredis';

/** An ioredis reply, or an error reply's text. */
export type Expected = string | number | null | { error: string } | Expected[];
export type Step = [string[], Expected];

export async function runSteps(client: Redis, steps: readonly Step[]): Promise<void> {
  for (const [command, expected] of steps) {
    let actual: unknown;
    try {
      actual = await client.call(command[0], ...command.slice(1));
    } catch (error) {
      actual = { error: (error as Error).message };
    }
    expect(actual, command.join(' ')).toEqual(expected);
  }
}
