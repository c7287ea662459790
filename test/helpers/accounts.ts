// The atomicity auditors' workloads: money moved between accounts in
// MULTI/EXEC (the total never changes), and groups of keys MSET to one value
// (an MGET never sees two). They return what the server answered; the
// caller decides what it must be.

import type { Redis } from 'ioredis';

export const ACCOUNTS = 100;
export const START_BALANCE = 1000;
export const TOTAL = ACCOUNTS * START_BALANCE;

export function randomInt(limit: number): number {
  return Math.floor(Math.random() * limit);
}

export function sum(values: (string | null)[]): number {
  let total = 0;
  for (const value of values) total += Number(value);
  return total;
}

/** EXEC's replies as ioredis gives them: [error, reply] per command, or null when EXEC failed. */
export type ExecReplies = [Error | null, unknown][] | null;

/** Moves a random amount between two random accounts in one MULTI/EXEC; EXEC's replies. */
export function transfer(client: Redis, accounts: string[]): Promise<ExecReplies> {
  const from = accounts[randomInt(accounts.length)];
  let to = accounts[randomInt(accounts.length)];
  if (to === from) to = accounts[(accounts.indexOf(from) + 1) % accounts.length];
  const amount = 1 + randomInt(50);
  return client.multi().decrby(from, amount).incrby(to, amount).exec();
}

/** The same transfer, read first under WATCH and written only if nothing changed meanwhile (retried until it is). */
export async function watchedTransfer(client: Redis, accounts: string[]): Promise<ExecReplies> {
  const from = accounts[randomInt(accounts.length)];
  const to = accounts[(accounts.indexOf(from) + 1 + randomInt(accounts.length - 1)) % accounts.length];
  for (;;) {
    await client.watch(from, to);
    const [a, b] = await client.mget(from, to);
    const amount = 1 + randomInt(20);
    const replies = await client
      .multi()
      .set(from, String(Number(a) - amount))
      .set(to, String(Number(b) + amount))
      .exec();
    if (replies !== null) return replies;
  }
}

/** MSET of every key of the group to one value; its reply. */
export function writeGroup(client: Redis, group: string[], value: string): Promise<string> {
  const pairs: string[] = [];
  for (const key of group) pairs.push(key, value);
  return client.mset(...pairs);
}

/** The distinct values one MGET of the group saw: one, when the MSETs are atomic. */
export async function groupValues(client: Redis, group: string[]): Promise<Set<string | null>> {
  return new Set(await client.mget(...group));
}
