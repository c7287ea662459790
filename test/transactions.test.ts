// MULTI, EXEC, DISCARD, WATCH and UNWATCH against a real server on one and
// three shards, keys spread over the shards.
//
// Each session below was sent, byte for byte, to stock redis-server 7.0.15
// (after a FLUSHALL, pipelined: all commands in one write, save where the
// expiry cases pause for a TTL to run out) and its reply recorded; the server must
// answer the same bytes. The cases follow Redis's tests/unit/multi.tcl:
// QUEUED, EXECABORT after a queueing error, errors inside EXEC without
// rollback, nested MULTI, WATCH inside MULTI, EXEC/DISCARD without MULTI,
// no-multi commands, RESET, watched keys changed, expired, deleted, flushed
// or swapped, null EXEC in RESP2 and RESP3, multi-key commands over every
// shard inside EXEC.

import { describe, expect, it } from 'vitest';
import { useServer } from './helpers/server.ts';
import { connectIoredis, useClient } from './helpers/clients.ts';
import { exchange, keysOnEveryShard, keysOnShard, RawSession, resp } from './helpers/raw-client.ts';
import { runSession, type Session } from './helpers/recorded-sessions.ts';

const SESSIONS: Session[] = [
  {
    name: "queues commands and answers them all in EXEC, an error inside EXEC rolling nothing back",
    commands: [["set", "a", "1"], ["multi"], ["set", "a", "2"], ["set", "b", "x"], ["incr", "a"], ["incrbyfloat", "b", "1"], ["mget", "a", "b", "nosuch"], ["get", "nosuch"], ["exec"], ["mget", "a", "b"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*6\r\n+OK\r\n+OK\r\n:3\r\n-ERR value is not a valid float\r\n*3\r\n$1\r\n3\r\n$1\r\nx\r\n$-1\r\n$-1\r\n*2\r\n$1\r\n3\r\n$1\r\nx\r\n",
  },
  {
    name: "a SCAN queued after SELECT scans the database selected",
    commands: [["set", "a", "1"], ["select", "1"], ["set", "b", "2"], ["select", "0"], ["multi"], ["select", "1"], ["scan", "0"], ["exec"], ["scan", "0"], ["select", "0"], ["multi"], ["select", "1"], ["watch", "x"], ["exec"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n*2\r\n$1\r\n0\r\n*1\r\n$1\r\nb\r\n+OK\r\n+OK\r\n+QUEUED\r\n-ERR WATCH inside MULTI is not allowed\r\n*1\r\n+OK\r\n",
  },
  {
    name: "a HELLO queued that fails leaves the replies after it in EXEC in the protocol they were",
    commands: [["multi"], ["hello", "3", "setname", "a b"], ["get", "x"], ["hello", "3", "foo"], ["get", "x"], ["hello", "3", "auth", "nouser", "pw"], ["get", "x"], ["exec"], ["get", "x"]],
    reply: "+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*6\r\n-ERR Client names cannot contain spaces, newlines or special characters.\r\n$-1\r\n-ERR Syntax error in HELLO option 'foo'\r\n$-1\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n$-1\r\n$-1\r\n",
  },
  {
    name: "DISCARD drops the queue",
    commands: [["set", "k", "v"], ["multi"], ["del", "k"], ["discard"], ["get", "k"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n+OK\r\n$1\r\nv\r\n",
  },
  {
    name: "refuses nested MULTI without aborting",
    commands: [["multi"], ["multi"], ["set", "n", "1"], ["exec"]],
    reply: "+OK\r\n+OK\r\n-ERR MULTI calls can not be nested\r\n+QUEUED\r\n*1\r\n+OK\r\n",
  },
  {
    name: "refuses WATCH inside MULTI without aborting",
    commands: [["multi"], ["watch", "x"], ["ping"], ["exec"]],
    reply: "+OK\r\n+OK\r\n-ERR WATCH inside MULTI is not allowed\r\n+QUEUED\r\n*1\r\n+PONG\r\n",
  },
  {
    name: "aborts EXEC after an unknown command while queueing, and leaves MULTI",
    commands: [["del", "foo1", "foo2"], ["multi"], ["set", "foo1", "bar1"], ["non-existing-command", "a"], ["set", "foo2", "bar2"], ["exec"], ["exists", "foo1", "foo2"], ["ping"]],
    reply: "+OK\r\n:0\r\n+OK\r\n+QUEUED\r\n-ERR unknown command 'non-existing-command', with args beginning with: 'a' \r\n+QUEUED\r\n-EXECABORT Transaction discarded because of previous errors.\r\n:0\r\n+PONG\r\n",
  },
  {
    name: "aborts EXEC after a wrong number of arguments or an unknown subcommand while queueing",
    commands: [["multi"], ["set", "a"], ["exec"], ["multi"], ["config", "nosuch"], ["exec"], ["multi"], ["get", "a", "b"], ["set", "c", "1"], ["exec"], ["get", "c"]],
    reply: "+OK\r\n+OK\r\n-ERR wrong number of arguments for 'set' command\r\n-EXECABORT Transaction discarded because of previous errors.\r\n+OK\r\n-ERR unknown subcommand 'nosuch'. Try CONFIG HELP.\r\n-EXECABORT Transaction discarded because of previous errors.\r\n+OK\r\n-ERR wrong number of arguments for 'get' command\r\n+QUEUED\r\n-EXECABORT Transaction discarded because of previous errors.\r\n$-1\r\n",
  },
  {
    name: "answers EXEC and DISCARD without MULTI, and EXEC with arguments, as Redis",
    commands: [["exec"], ["discard"], ["exec", "extra"], ["multi"], ["set", "e", "1"], ["exec", "extra"], ["exec"], ["get", "e"], ["multi"], ["exec"]],
    reply: "+OK\r\n-ERR EXEC without MULTI\r\n-ERR DISCARD without MULTI\r\n-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n+OK\r\n+QUEUED\r\n-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command\r\n-ERR EXEC without MULTI\r\n$-1\r\n+OK\r\n*0\r\n",
  },
  {
    name: "refuses commands flagged no-multi inside MULTI",
    commands: [["multi"], ["set", "s", "1"], ["shutdown"], ["exec"], ["get", "s"]],
    reply: "+OK\r\n+OK\r\n+QUEUED\r\n-ERR Command not allowed inside a transaction\r\n-EXECABORT Transaction discarded because of previous errors.\r\n$-1\r\n",
  },
  {
    name: "runs EXEC when the watched keys did not change",
    commands: [["watch", "x", "y", "z"], ["watch", "k"], ["multi"], ["ping"], ["exec"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n",
  },
  {
    name: "answers a null array when one watched key of five changed",
    commands: [["mset", "x", "1", "y", "1"], ["watch", "a", "b", "x", "k", "z"], ["set", "x", "2"], ["multi"], ["set", "y", "2"], ["exec"], ["get", "y"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n$1\r\n1\r\n",
  },
  {
    name: "forgets the watched keys after a successful EXEC, and after a failed one",
    commands: [["set", "x", "30"], ["watch", "x"], ["multi"], ["ping"], ["exec"], ["set", "x", "40"], ["multi"], ["ping"], ["exec"], ["watch", "x"], ["set", "x", "50"], ["multi"], ["ping"], ["exec"], ["set", "x", "60"], ["multi"], ["ping"], ["exec"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n",
  },
  {
    name: "UNWATCH forgets the watched keys; with nothing watched it answers OK",
    commands: [["unwatch"], ["set", "x", "30"], ["watch", "x"], ["set", "x", "40"], ["unwatch"], ["multi"], ["ping"], ["exec"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n",
  },
  {
    name: "EXEC fails after FLUSHALL or FLUSHDB removed a watched key, not when the key did not exist",
    commands: [["set", "x", "30"], ["watch", "x"], ["flushall"], ["multi"], ["ping"], ["exec"], ["watch", "x"], ["flushall"], ["multi"], ["ping"], ["exec"], ["set", "x", "30"], ["watch", "x"], ["flushdb"], ["multi"], ["ping"], ["exec"], ["watch", "x"], ["flushdb"], ["multi"], ["ping"], ["exec"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n",
  },
  {
    name: "EXEC fails after SWAPDB brought in or took away a watched key",
    commands: [["flushall"], ["set", "x", "30"], ["watch", "x"], ["swapdb", "0", "1"], ["multi"], ["ping"], ["exec"], ["flushall"], ["select", "1"], ["set", "x", "30"], ["select", "0"], ["watch", "x"], ["swapdb", "0", "1"], ["multi"], ["ping"], ["exec"], ["flushall"], ["watch", "x"], ["swapdb", "0", "1"], ["multi"], ["ping"], ["exec"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n",
  },
  {
    name: "WATCH remembers the database of the key",
    commands: [["select", "5"], ["set", "x", "30"], ["watch", "x"], ["select", "1"], ["set", "x", "10"], ["select", "5"], ["multi"], ["ping"], ["exec"], ["select", "0"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n+OK\r\n",
  },
  {
    name: "EXPIRE, APPEND, SETRANGE, INCR, DEL, RENAME and GETDEL of a watched key make EXEC fail",
    commands: [["set", "x", "foo"], ["watch", "x"], ["expire", "x", "10"], ["multi"], ["ping"], ["exec"], ["watch", "x"], ["append", "x", "1"], ["multi"], ["ping"], ["exec"], ["watch", "x"], ["setrange", "x", "0", "a"], ["multi"], ["ping"], ["exec"], ["set", "n", "1"], ["watch", "n"], ["incr", "n"], ["multi"], ["ping"], ["exec"], ["watch", "n"], ["del", "n"], ["multi"], ["ping"], ["exec"], ["set", "n", "1"], ["watch", "q"], ["rename", "n", "q"], ["multi"], ["ping"], ["exec"], ["watch", "q"], ["getdel", "q"], ["multi"], ["ping"], ["exec"], ["watch", "x"], ["persist", "x"], ["multi"], ["ping"], ["exec"], ["watch", "x"], ["persist", "x"], ["multi"], ["ping"], ["exec"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n:1\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n:4\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n:4\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n+OK\r\n:2\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n:1\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n$1\r\n1\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n:1\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n:0\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n",
  },
  {
    name: "DISCARD clears the dirty flag and unwatches",
    commands: [["watch", "x"], ["set", "x", "10"], ["multi"], ["discard"], ["multi"], ["incr", "x"], ["exec"], ["watch", "x"], ["set", "x", "10"], ["multi"], ["discard"], ["set", "x", "10"], ["multi"], ["incr", "x"], ["exec"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n:11\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n:11\r\n",
  },
  {
    name: "RESET leaves MULTI and unwatches",
    commands: [["set", "x", "1"], ["watch", "x"], ["multi"], ["set", "a", "1"], ["reset"], ["exec"], ["get", "a"], ["set", "x", "2"], ["multi"], ["ping"], ["exec"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n+RESET\r\n-ERR EXEC without MULTI\r\n$-1\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n",
  },
  {
    name: "runs multi-key commands over keys of every shard inside EXEC",
    commands: [["multi"], ["mset", "k1", "v1", "k2", "v2", "k3", "v3", "k4", "v4", "k5", "v5", "k6", "v6"], ["mget", "k1", "k2", "k3", "k4", "k5", "k6", "k7"], ["del", "k1", "k2", "nosuch"], ["exists", "k1", "k3", "k4", "k5"], ["rename", "k3", "k33"], ["renamenx", "k4", "k5"], ["msetnx", "k1", "1", "k7", "7"], ["msetnx", "k5", "1", "k8", "8"], ["copy", "k6", "k66"], ["touch", "k5", "k6", "k66"], ["dbsize"], ["lcs", "k6", "k66"], ["get", "k33"], ["exec"], ["mget", "k1", "k33", "k4", "k5", "k66", "k7", "k8"]],
    reply: "+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*13\r\n+OK\r\n*7\r\n$2\r\nv1\r\n$2\r\nv2\r\n$2\r\nv3\r\n$2\r\nv4\r\n$2\r\nv5\r\n$2\r\nv6\r\n$-1\r\n:2\r\n:3\r\n+OK\r\n:0\r\n:1\r\n:0\r\n:1\r\n:3\r\n:7\r\n$2\r\nv6\r\n$2\r\nv3\r\n*7\r\n$1\r\n1\r\n$2\r\nv3\r\n$2\r\nv4\r\n$2\r\nv5\r\n$2\r\nv6\r\n$1\r\n7\r\n$-1\r\n",
  },
  {
    name: "SELECT inside MULTI applies to the commands after it and stays",
    commands: [["multi"], ["set", "sk", "in0"], ["select", "2"], ["set", "sk", "in2"], ["get", "sk"], ["exec"], ["get", "sk"], ["select", "0"], ["get", "sk"]],
    reply: "+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*4\r\n+OK\r\n+OK\r\n+OK\r\n$3\r\nin2\r\n$3\r\nin2\r\n+OK\r\n$3\r\nin0\r\n",
  },
  {
    name: "FLUSHALL and SWAPDB inside EXEC",
    commands: [["mset", "f1", "1", "f2", "2", "f3", "3"], ["multi"], ["dbsize"], ["swapdb", "0", "1"], ["dbsize"], ["swapdb", "0", "1"], ["flushdb"], ["set", "f4", "4"], ["dbsize"], ["exec"], ["mget", "f1", "f4"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*7\r\n:3\r\n+OK\r\n:0\r\n+OK\r\n+OK\r\n+OK\r\n:1\r\n*2\r\n$-1\r\n$1\r\n4\r\n",
  },
  {
    name: "answers a null array in RESP3 too",
    commands: [["hello", "3"], ["set", "x", "1"], ["watch", "x"], ["set", "x", "2"], ["multi"], ["ping"], ["exec"], ["multi"], ["mget", "x", "y"], ["exec"]],
    reply: "+OK\r\n%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:ID\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n_\r\n+OK\r\n+QUEUED\r\n*1\r\n*2\r\n$1\r\n2\r\n_\r\n",
  },
  {
    name: "WATCH of stale keys: their deletion or a FLUSHDB is no change",
    commands: [["debug", "set-active-expire", "0"], ["set", "x", "foo", "px", "1"], 20, ["watch", "x"], ["multi"], ["ping"], ["exec"], ["set", "x", "foo", "px", "1"], 20, ["watch", "x"], ["exists", "x"], ["multi"], ["ping"], ["exec"], ["set", "x", "foo", "px", "1"], 20, ["watch", "x"], ["flushdb"], ["multi"], ["ping"], ["exec"], ["debug", "set-active-expire", "1"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n+OK\r\n+OK\r\n:0\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n+OK\r\n",
  },
  {
    name: "EXEC fails when a watched key expired since WATCH",
    commands: [["debug", "set-active-expire", "0"], ["set", "key", "1", "px", "100"], ["watch", "key"], 150, ["multi"], ["incr", "key"], ["exec"], ["debug", "set-active-expire", "1"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n",
  },
  {
    name: "SWAPDB with stale keys on either side is no change",
    commands: [["flushall"], ["debug", "set-active-expire", "0"], ["select", "1"], ["set", "x", "foo", "px", "1"], 20, ["watch", "x"], ["swapdb", "0", "1"], ["multi"], ["ping"], ["exec"], ["flushall"], ["select", "0"], ["set", "x", "foo", "px", "1"], 20, ["select", "1"], ["watch", "x"], ["swapdb", "0", "1"], ["multi"], ["ping"], ["exec"], ["select", "0"], ["debug", "set-active-expire", "1"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+PONG\r\n+OK\r\n+OK\r\n",
  },
];

describe.each([1, 3])('MULTI/EXEC/WATCH --shards %i', (shards) => {
  const server = useServer({ shards, args: ['--enable-debug-command', 'yes'] });

  it.each(SESSIONS)('$name', async (session) => {
    // Every reply counted, not a quiet spell: on a loaded machine a reply can come after any silence.
    expect(await runSession(server.port, session)).toBe(session.reply);
  });

  describe('with two clients', () => {
    const client = useClient(server);

    it('fails EXEC when another client changes a watched key, on whichever shard it lives', async () => {
      const other = await connectIoredis(server);
      try {
        for (let shard = 0; shard < shards; shard++) {
          const [key, unrelated] = keysOnShard(`w${shard}:`, shard, shards, 2);
          await client.set(key, '1');
          await client.watch(key, unrelated);
          await other.set(key, '2');
          expect(await client.multi().set(key, 'mine').exec()).toBeNull();
          expect(await client.get(key)).toBe('2');
          await client.watch(key, unrelated);
          await other.set('elsewhere', 'x');
          expect(await client.multi().set(key, 'mine').exec()).toEqual([[null, 'OK']]);
        }
      } finally {
        other.disconnect();
      }
    });

    it('keeps a key watched right after an EXEC over several shards, pipelined with it (found by the fuzzer)', async () => {
      // EXEC checks its watched keys on their shards after the client's later
      // commands may have run there: that check must not forget a key the
      // client WATCHed after it.
      const watcher = new RawSession(server.port);
      try {
        const keys = keysOnEveryShard('x', shards, 2);
        for (const key of keys) {
          expect(await watcher.send(resp('watch', ...keys.filter((other) => other !== key)), 1)).toBe('+OK\r\n');
          expect(await watcher.send(resp('multi') + resp('exec') + resp('watch', key), 3)).toBe('+OK\r\n*0\r\n+OK\r\n');
          await client.sadd(key, 'changed');
          expect(await watcher.send(resp('multi') + resp('get', 'elsewhere') + resp('smembers', key) + resp('exec'), 4)).toBe('+OK\r\n+QUEUED\r\n+QUEUED\r\n*-1\r\n');
          await client.del(key);
        }
      } finally {
        watcher.close();
      }
    });

    it('answers UNWATCH, DISCARD and RESET sent one at a time, each waiting for its reply', async () => {
      await client.set('x', '30');
      await client.watch('x');
      await client.set('x', '40');
      expect(await client.unwatch()).toBe('OK');
      expect(await client.multi().ping().exec()).toEqual([[null, 'PONG']]);
      await client.watch('x');
      await client.set('x', '50');
      expect(await client.call('multi')).toBe('OK');
      expect(await client.call('discard')).toBe('OK');
      expect(await client.multi().ping().exec()).toEqual([[null, 'PONG']]);
      await client.watch('x');
      expect(await client.call('reset')).toBe('RESET');
      await client.set('x', '60');
      expect(await client.multi().ping().exec()).toEqual([[null, 'PONG']]);
    });

    it('fails EXEC when a watched key expired and was removed by the active expire cycle', async () => {
      await client.flushall();
      // Time enough for WATCH to see the key alive, even on a loaded machine.
      await client.set('soon', '1', 'PX', 1000);
      await client.watch('soon');
      expect(await client.pttl('soon')).toBeGreaterThan(0);
      while ((await client.dbsize()) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await client.multi().ping().exec()).toBeNull();
    });

    it('runs a transaction pipelined in one write with commands before and after it over every shard, replies in order', async () => {
      const keys = Array.from({ length: 12 }, (_, i) => `p${i}`);
      const commands = [['mset', ...keys.flatMap((key) => [key, 'before'])], ['multi'], ...keys.map((key) => ['append', key, '+in']), ['mget', ...keys], ['exec'], ['mget', ...keys]];
      const { reply } = await exchange(server.port, [commands.map((command) => resp(...command)).join('')], { quietMs: 150 });
      const values = `*12\r\n${'$9\r\nbefore+in\r\n'.repeat(12)}`;
      expect(reply).toBe(`+OK\r\n+OK\r\n${'+QUEUED\r\n'.repeat(13)}*13\r\n${':9\r\n'.repeat(12)}${values}${values}`);
    });

    it('answers UNWATCH pipelined behind replies still pending, with watched keys on every shard', async () => {
      // The GETs of other shards' keys are still pending when UNWATCH runs; its
      // reply must not be lost to the hops that forget the watched keys.
      const keys = keysOnEveryShard('u', shards, 1);
      const commands = [['watch', ...keys], ...keys.map((key) => ['get', key]), ['unwatch'], ['ping']];
      const { reply } = await exchange(server.port, [commands.map((command) => resp(...command)).join('')], { quietMs: 150 });
      expect(reply).toBe(`+OK\r\n${'$-1\r\n'.repeat(keys.length)}+OK\r\n+PONG\r\n`);
    });
  });
});
