// The set family against a real server on one and three shards: every
// command with its options and error replies, RESP2 and RESP3 shapes,
// intset and hashtable encodings, the multi-key commands over keys of
// different shards (missing keys are empty sets), stores to another shard,
// random picks, SSCAN, and real clients.
//
// Each session below was sent, byte for byte, to stock redis-server 7.0.15
// (after a FLUSHALL, pipelined in one write) and its reply recorded; the
// server must answer the same bytes. The sessions read sets in full only
// when they are intsets (answered sorted) or have a single member, and take
// random picks only from one-member sets. With three shards "a" lives on
// shard 2, "b" on 0 and "c" on 1, and the destinations "dest", "dst" and
// "out" on shards 0, 1 and 2. Replies whose order is a hashtable's or a
// random pick's (SMEMBERS of a string set, SINTER/SUNION/SDIFF, SPOP,
// SRANDMEMBER) are checked below the sessions as sorted multisets; those
// checks hold against stock Redis too (STOCK_REDIS_PORT, see
// helpers/stock-server.ts).

import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { connectResp3, errorOf, flushBeforeEach, useClient } from './helpers/clients.ts';
import { keysOnShard } from './helpers/raw-client.ts';
import { runSession, unordered, type Session } from './helpers/recorded-sessions.ts';
import { useServerOrStock } from './helpers/stock-server.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

const SESSIONS: Session[] = [
  {
    name: "SADD, SREM, SISMEMBER, SMISMEMBER, SCARD; SMEMBERS answers an intset sorted; the set goes with its last member",
    commands: [["sadd", "a", "3", "1", "2"], ["sadd", "a", "2", "4", "4"], ["smembers", "a"], ["scard", "a"], ["sismember", "a", "3"], ["sismember", "a", "9"], ["sismember", "a", "03"], ["sismember", "nokey", "1"], ["smismember", "a", "1", "9", "3", "1"], ["smismember", "nokey", "1", "2"], ["sadd", "a", "-5", "10", "0", "9223372036854775807", "-9223372036854775808"], ["smembers", "a"], ["object", "encoding", "a"], ["type", "a"], ["srem", "a", "1", "9", "1"], ["srem", "a", "2", "3", "4", "-5", "10", "0"], ["smembers", "a"], ["srem", "a", "9223372036854775807", "-9223372036854775808"], ["exists", "a"], ["type", "a"], ["srem", "nokey", "x"], ["scard", "nokey"], ["smembers", "nokey"], ["sadd", "b", "x"], ["smembers", "b"], ["sismember", "b", "x"], ["smismember", "b", "x", "X"], ["srem", "b", "x"], ["exists", "b"], ["sadd", "b", ""], ["scard", "b"], ["sismember", "b", ""], ["smembers", "b"], ["sadd", "c", "x", "x", "x"], ["scard", "c"]],
    reply: "+OK\r\n:3\r\n:1\r\n*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n:4\r\n:1\r\n:0\r\n:0\r\n:0\r\n*4\r\n:1\r\n:0\r\n:1\r\n:1\r\n*2\r\n:0\r\n:0\r\n:5\r\n*9\r\n$20\r\n-9223372036854775808\r\n$2\r\n-5\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$2\r\n10\r\n$19\r\n9223372036854775807\r\n$6\r\nintset\r\n+set\r\n:1\r\n:6\r\n*2\r\n$20\r\n-9223372036854775808\r\n$19\r\n9223372036854775807\r\n:2\r\n:0\r\n+none\r\n:0\r\n:0\r\n*0\r\n:1\r\n*1\r\n$1\r\nx\r\n:1\r\n*2\r\n:1\r\n:0\r\n:1\r\n:0\r\n:1\r\n:1\r\n:1\r\n*1\r\n$0\r\n\r\n:1\r\n:1\r\n",
  },
  {
    name: "OBJECT ENCODING: intset for integers up to set-max-intset-entries, hashtable after a non-integer or past it, for good",
    commands: [["sadd", "a", "1", "2", "3"], ["object", "encoding", "a"], ["sadd", "a", "x"], ["object", "encoding", "a"], ["srem", "a", "x"], ["object", "encoding", "a"], ["sadd", "c", "1.5"], ["object", "encoding", "c"], ["sadd", "d", "9223372036854775808"], ["object", "encoding", "d"], ["sadd", "e", "0123"], ["object", "encoding", "e"], ["sadd", "f", "-0"], ["object", "encoding", "f"], ["sadd", "g", "+1"], ["object", "encoding", "g"], ["sadd", "h", " 1"], ["object", "encoding", "h"], ["sadd", "i", "-1", "0", "-9223372036854775808"], ["object", "encoding", "i"], ["smembers", "i"], ["config", "set", "set-max-intset-entries", "3"], ["sadd", "b", "1", "2", "3"], ["object", "encoding", "b"], ["sadd", "b", "4"], ["object", "encoding", "b"], ["sadd", "b2", "1", "2", "3", "4"], ["object", "encoding", "b2"], ["srem", "b", "4", "3"], ["object", "encoding", "b"], ["sunionstore", "dest", "b2"], ["object", "encoding", "dest"], ["config", "set", "set-max-intset-entries", "0"], ["sadd", "z", "1"], ["object", "encoding", "z"], ["config", "set", "set-max-intset-entries", "512"], ["config", "get", "set-max-intset-entries"], ["sadd", "j", "7"], ["object", "encoding", "j"], ["smembers", "j"], ["object", "encoding", "nokey"]],
    reply: "+OK\r\n:3\r\n$6\r\nintset\r\n:1\r\n$9\r\nhashtable\r\n:1\r\n$9\r\nhashtable\r\n:1\r\n$9\r\nhashtable\r\n:1\r\n$9\r\nhashtable\r\n:1\r\n$9\r\nhashtable\r\n:1\r\n$9\r\nhashtable\r\n:1\r\n$9\r\nhashtable\r\n:1\r\n$9\r\nhashtable\r\n:3\r\n$6\r\nintset\r\n*3\r\n$20\r\n-9223372036854775808\r\n$2\r\n-1\r\n$1\r\n0\r\n+OK\r\n:3\r\n$6\r\nintset\r\n:1\r\n$9\r\nhashtable\r\n:4\r\n$9\r\nhashtable\r\n:2\r\n$9\r\nhashtable\r\n:4\r\n$9\r\nhashtable\r\n+OK\r\n:1\r\n$9\r\nhashtable\r\n+OK\r\n*2\r\n$22\r\nset-max-intset-entries\r\n$3\r\n512\r\n:1\r\n$6\r\nintset\r\n*1\r\n$1\r\n7\r\n$-1\r\n",
  },
  {
    name: "SPOP and SRANDMEMBER of a one-member set, on missing keys, and their errors",
    commands: [["sadd", "a", "only"], ["srandmember", "a"], ["srandmember", "a", "1"], ["srandmember", "a", "5"], ["srandmember", "a", "-3"], ["srandmember", "a", "0"], ["srandmember", "nokey"], ["srandmember", "nokey", "5"], ["srandmember", "nokey", "-5"], ["srandmember", "a", "x"], ["srandmember", "a", "1.5"], ["srandmember", "a", "1", "2"], ["srandmember", "nokey", "x"], ["scard", "a"], ["spop", "a", "0"], ["exists", "a"], ["spop", "a"], ["exists", "a"], ["spop", "a"], ["spop", "nokey", "3"], ["spop", "nokey", "0"], ["sadd", "b", "7"], ["spop", "b", "-1"], ["spop", "b", "x"], ["spop", "b", "1", "2"], ["spop", "nokey", "-1"], ["spop", "b", "5"], ["exists", "b"], ["sadd", "c", "5"], ["spop", "c", "1"], ["type", "c"], ["srandmember", "c", "-2"]],
    reply: "+OK\r\n:1\r\n$4\r\nonly\r\n*1\r\n$4\r\nonly\r\n*1\r\n$4\r\nonly\r\n*3\r\n$4\r\nonly\r\n$4\r\nonly\r\n$4\r\nonly\r\n*0\r\n$-1\r\n*0\r\n*0\r\n-ERR value is not an integer or out of range\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n-ERR value is not an integer or out of range\r\n:1\r\n*0\r\n:1\r\n$4\r\nonly\r\n:0\r\n$-1\r\n*0\r\n*0\r\n:1\r\n-ERR value is out of range, must be positive\r\n-ERR value is out of range, must be positive\r\n-ERR syntax error\r\n-ERR value is out of range, must be positive\r\n*1\r\n$1\r\n7\r\n:0\r\n:1\r\n*1\r\n$1\r\n5\r\n+none\r\n*0\r\n",
  },
  {
    name: "SMOVE between shards, within a shard, within a key, from a missing key, to and from keys of the wrong type",
    commands: [["sadd", "a", "1", "2", "x"], ["sadd", "b", "3"], ["smove", "a", "b", "1"], ["smembers", "b"], ["sismember", "a", "1"], ["smove", "a", "b", "nosuch"], ["smove", "a", "b", "3"], ["smove", "nokey", "b", "1"], ["exists", "nokey"], ["smove", "a", "c", "2"], ["smembers", "c"], ["object", "encoding", "c"], ["smove", "a", "a", "x"], ["smove", "a", "a", "nosuch"], ["smove", "a", "c", "x"], ["exists", "a"], ["scard", "c"], ["smismember", "c", "2", "x"], ["sadd", "b", "2"], ["smove", "c", "b", "2"], ["smembers", "b"], ["smembers", "c"], ["set", "s", "str"], ["sadd", "a", "1"], ["smove", "a", "s", "1"], ["smove", "a", "s", "nosuch"], ["smove", "s", "a", "1"], ["smove", "s", "s", "1"], ["smove", "nokey", "s", "1"], ["smembers", "a"], ["get", "s"], ["sadd", "{t}a", "1", "2"], ["smove", "{t}a", "{t}b", "2"], ["smembers", "{t}a"], ["smembers", "{t}b"], ["smove", "{t}a", "{t}b", "1"], ["exists", "{t}a"], ["smembers", "{t}b"], ["smove", "a", "b"], ["smove", "a", "b", "1", "2"]],
    reply: "+OK\r\n:3\r\n:1\r\n:1\r\n*2\r\n$1\r\n1\r\n$1\r\n3\r\n:0\r\n:0\r\n:0\r\n:0\r\n:0\r\n:1\r\n*1\r\n$1\r\n2\r\n$6\r\nintset\r\n:1\r\n:0\r\n:1\r\n:0\r\n:2\r\n*2\r\n:1\r\n:1\r\n:1\r\n:1\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n*1\r\n$1\r\nx\r\n+OK\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:0\r\n*1\r\n$1\r\n1\r\n$3\r\nstr\r\n:2\r\n:1\r\n*1\r\n$1\r\n1\r\n*1\r\n$1\r\n2\r\n:1\r\n:0\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n-ERR wrong number of arguments for 'smove' command\r\n-ERR wrong number of arguments for 'smove' command\r\n",
  },
  {
    name: "SINTERCARD over keys of every shard: LIMIT, missing keys, numkeys and option errors",
    commands: [["sadd", "a", "1", "2", "3", "4"], ["sadd", "b", "2", "3", "4", "5"], ["sadd", "c", "3", "4", "x"], ["sintercard", "2", "a", "b"], ["sintercard", "3", "a", "b", "c"], ["sintercard", "3", "a", "b", "c", "limit", "1"], ["sintercard", "2", "a", "b", "LIMIT", "0"], ["sintercard", "2", "a", "b", "limit", "100"], ["sintercard", "1", "a"], ["sintercard", "2", "a", "nokey"], ["sintercard", "1", "nokey"], ["sintercard", "2", "a", "a"], ["sintercard", "1", "a", "limit", "1", "limit", "2"], ["sintercard", "0", "a"], ["sintercard", "-1", "a"], ["sintercard", "x", "a"], ["sintercard", "99999999999999999999", "a"], ["sintercard", "3", "a", "b"], ["sintercard", "1", "a", "limit", "-1"], ["sintercard", "1", "a", "limit", "x"], ["sintercard", "1", "a", "limit"], ["sintercard", "1", "a", "b"], ["sintercard", "1", "a", "foo", "1"], ["set", "s", "v"], ["sintercard", "2", "a", "s"], ["sintercard", "2", "nokey", "s"], ["sintercard", "1", "s", "limit", "-1"], ["sintercard", "1"], ["sintercard"]],
    reply: "+OK\r\n:4\r\n:4\r\n:3\r\n:3\r\n:2\r\n:1\r\n:3\r\n:3\r\n:4\r\n:0\r\n:0\r\n:4\r\n:2\r\n-ERR numkeys should be greater than 0\r\n-ERR numkeys should be greater than 0\r\n-ERR numkeys should be greater than 0\r\n-ERR numkeys should be greater than 0\r\n-ERR Number of keys can't be greater than number of args\r\n-ERR LIMIT can't be negative\r\n-ERR LIMIT can't be negative\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR LIMIT can't be negative\r\n-ERR wrong number of arguments for 'sintercard' command\r\n-ERR wrong number of arguments for 'sintercard' command\r\n",
  },
  {
    name: "SINTERSTORE, SUNIONSTORE, SDIFFSTORE to keys on other shards; an empty result deletes the destination; missing keys are empty",
    commands: [["sadd", "a", "1", "2", "3", "4"], ["sadd", "b", "3", "4", "5"], ["sadd", "c", "4", "6"], ["sinterstore", "dst", "a", "b"], ["smembers", "dst"], ["object", "encoding", "dst"], ["sunionstore", "dest", "a", "b", "c"], ["smembers", "dest"], ["object", "encoding", "dest"], ["sdiffstore", "out", "a", "b", "c"], ["smembers", "out"], ["sdiffstore", "out", "a", "nokey"], ["smembers", "out"], ["sunionstore", "out", "nokey", "c", "nokey2"], ["smembers", "out"], ["sinter", "a", "b", "c"], ["sdiff", "b", "a", "c"], ["sunionstore", "out", "nokey", "c", "c"], ["smembers", "out"], ["sunion", "nokey", "nokey2"], ["sinter", "a", "nokey"], ["sinter", "nokey", "a"], ["sdiff", "nokey", "a"], ["sdiff", "c", "nokey", "b"], ["sinter", "nokey"], ["set", "dst", "string"], ["sinterstore", "dst", "a", "nokey"], ["exists", "dst"], ["set", "dest", "string"], ["expire", "dest", "100"], ["sunionstore", "dest", "nokey"], ["exists", "dest"], ["sadd", "out", "9"], ["sdiffstore", "out", "a", "a"], ["exists", "out"], ["set", "dst", "x", "ex", "100"], ["sinterstore", "dst", "a", "c"], ["ttl", "dst"], ["type", "dst"], ["smembers", "dst"], ["sunionstore", "a", "a", "c"], ["smembers", "a"], ["sdiffstore", "b", "b"], ["smembers", "b"], ["sinterstore", "c", "c"], ["smembers", "c"], ["sadd", "e", "x"], ["sunionstore", "dst", "e", "e"], ["object", "encoding", "dst"], ["smembers", "dst"], ["sinterstore", "dst", "a", "e"], ["exists", "dst"], ["dbsize"]],
    reply: "+OK\r\n:4\r\n:3\r\n:2\r\n:2\r\n*2\r\n$1\r\n3\r\n$1\r\n4\r\n$6\r\nintset\r\n:6\r\n*6\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$6\r\nintset\r\n:2\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n:4\r\n*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n:2\r\n*2\r\n$1\r\n4\r\n$1\r\n6\r\n*1\r\n$1\r\n4\r\n*1\r\n$1\r\n5\r\n:2\r\n*2\r\n$1\r\n4\r\n$1\r\n6\r\n*0\r\n*0\r\n*0\r\n*0\r\n*1\r\n$1\r\n6\r\n*0\r\n+OK\r\n:0\r\n:0\r\n+OK\r\n:1\r\n:0\r\n:0\r\n:1\r\n:0\r\n:0\r\n+OK\r\n:1\r\n:-1\r\n+set\r\n*1\r\n$1\r\n4\r\n:5\r\n*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n6\r\n:3\r\n*3\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n:2\r\n*2\r\n$1\r\n4\r\n$1\r\n6\r\n:1\r\n:1\r\n$9\r\nhashtable\r\n*1\r\n$1\r\nx\r\n:0\r\n:0\r\n:4\r\n",
  },
  {
    name: "SSCAN of an intset answers it whole and sorted in one page; its options and errors",
    commands: [["sadd", "a", "5", "1", "10", "3", "-2"], ["sscan", "a", "0"], ["sscan", "a", "0", "count", "1"], ["sscan", "a", "0", "match", "1*"], ["sscan", "a", "0", "MATCH", "-*"], ["sscan", "a", "0", "match", "x*"], ["sscan", "a", "7"], ["sscan", "nokey", "0"], ["sscan", "a", "x"], ["sscan", "a", "0", "count", "0"], ["sscan", "a", "0", "count", "x"], ["sscan", "a", "0", "novalues"], ["sscan", "a", "0", "type", "set"], ["sscan", "a", "0", "match"], ["sscan", "a"], ["sscan"], ["sadd", "b", "only"], ["sscan", "b", "0"], ["sscan", "b", "0", "match", "o*", "count", "1000"], ["sscan", "b", "0", "match", "x*"]],
    reply: "+OK\r\n:5\r\n*2\r\n$1\r\n0\r\n*5\r\n$2\r\n-2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n$2\r\n10\r\n*2\r\n$1\r\n0\r\n*5\r\n$2\r\n-2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n$2\r\n10\r\n*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$2\r\n10\r\n*2\r\n$1\r\n0\r\n*1\r\n$2\r\n-2\r\n*2\r\n$1\r\n0\r\n*0\r\n*2\r\n$1\r\n0\r\n*5\r\n$2\r\n-2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n$2\r\n10\r\n*2\r\n$1\r\n0\r\n*0\r\n-ERR invalid cursor\r\n-ERR syntax error\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR wrong number of arguments for 'sscan' command\r\n-ERR wrong number of arguments for 'sscan' command\r\n:1\r\n*2\r\n$1\r\n0\r\n*1\r\n$4\r\nonly\r\n*2\r\n$1\r\n0\r\n*1\r\n$4\r\nonly\r\n*2\r\n$1\r\n0\r\n*0\r\n",
  },
  {
    name: "answers a wrong number of arguments for every set command",
    commands: [["sadd", "a"], ["sadd"], ["srem", "a"], ["sismember", "a"], ["sismember", "a", "1", "2"], ["smismember", "a"], ["scard"], ["scard", "a", "b"], ["smembers"], ["smembers", "a", "b"], ["srandmember"], ["srandmember", "a", "1", "2"], ["spop"], ["smove", "a", "b"], ["sinter"], ["sinterstore", "d"], ["sunion"], ["sunionstore", "d"], ["sdiff"], ["sdiffstore", "d"], ["exists", "a", "d"]],
    reply: "+OK\r\n-ERR wrong number of arguments for 'sadd' command\r\n-ERR wrong number of arguments for 'sadd' command\r\n-ERR wrong number of arguments for 'srem' command\r\n-ERR wrong number of arguments for 'sismember' command\r\n-ERR wrong number of arguments for 'sismember' command\r\n-ERR wrong number of arguments for 'smismember' command\r\n-ERR wrong number of arguments for 'scard' command\r\n-ERR wrong number of arguments for 'scard' command\r\n-ERR wrong number of arguments for 'smembers' command\r\n-ERR wrong number of arguments for 'smembers' command\r\n-ERR wrong number of arguments for 'srandmember' command\r\n-ERR syntax error\r\n-ERR wrong number of arguments for 'spop' command\r\n-ERR wrong number of arguments for 'smove' command\r\n-ERR wrong number of arguments for 'sinter' command\r\n-ERR wrong number of arguments for 'sinterstore' command\r\n-ERR wrong number of arguments for 'sunion' command\r\n-ERR wrong number of arguments for 'sunionstore' command\r\n-ERR wrong number of arguments for 'sdiff' command\r\n-ERR wrong number of arguments for 'sdiffstore' command\r\n:0\r\n",
  },
  {
    name: "WRONGTYPE both ways: set commands on a string and on a hash, string and hash commands on a set",
    commands: [["set", "s", "text"], ["sadd", "s", "1"], ["srem", "s", "1"], ["sismember", "s", "1"], ["smismember", "s", "1"], ["scard", "s"], ["smembers", "s"], ["srandmember", "s"], ["srandmember", "s", "2"], ["srandmember", "s", "x"], ["spop", "s"], ["spop", "s", "2"], ["spop", "s", "-1"], ["sinter", "s"], ["sunion", "s"], ["sdiff", "s"], ["sinterstore", "d", "s"], ["sunionstore", "d", "s"], ["sdiffstore", "d", "s"], ["sscan", "s", "0"], ["sscan", "s", "x"], ["hset", "h", "f", "v"], ["sadd", "h", "1"], ["smembers", "h"], ["sadd", "z", "1"], ["get", "z"], ["incr", "z"], ["append", "z", "x"], ["hget", "z", "f"], ["hset", "z", "f", "v"], ["hgetall", "z"], ["type", "z"], ["set", "z", "v", "get"], ["mget", "z", "s"], ["set", "z", "v"], ["type", "z"], ["sismember", "z", "1"]],
    reply: "+OK\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR value is not an integer or out of range\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR value is out of range, must be positive\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR invalid cursor\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n+set\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n*2\r\n$-1\r\n$4\r\ntext\r\n+OK\r\n+string\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "RESP3: SMEMBERS, SINTER, SUNION, SDIFF and SPOP with a count are sets; missing members are nulls",
    commands: [["hello", "3"], ["sadd", "a", "3", "1", "2"], ["smembers", "a"], ["smembers", "nokey"], ["sinter", "a", "nokey"], ["sunion", "nokey"], ["sdiff", "nokey", "a"], ["sadd", "b", "only"], ["sinter", "b", "b"], ["sunion", "b", "nokey"], ["sdiff", "b", "a"], ["sismember", "a", "1"], ["smismember", "a", "1", "7"], ["scard", "a"], ["sintercard", "2", "a", "a"], ["srandmember", "b"], ["srandmember", "b", "2"], ["srandmember", "b", "-2"], ["srandmember", "nokey"], ["srandmember", "nokey", "2"], ["sscan", "a", "0"], ["spop", "nokey"], ["spop", "nokey", "2"], ["spop", "a", "0"], ["spop", "b", "1"], ["sadd", "c", "x"], ["spop", "c"], ["sunionstore", "dst", "a"], ["smembers", "dst"]],
    reply: "+OK\r\n%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:ID\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n:3\r\n~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n~0\r\n~0\r\n~0\r\n~0\r\n:1\r\n~1\r\n$4\r\nonly\r\n~1\r\n$4\r\nonly\r\n~1\r\n$4\r\nonly\r\n:1\r\n*2\r\n:1\r\n:0\r\n:3\r\n:3\r\n$4\r\nonly\r\n*1\r\n$4\r\nonly\r\n*2\r\n$4\r\nonly\r\n$4\r\nonly\r\n_\r\n*0\r\n*2\r\n$1\r\n0\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n_\r\n~0\r\n~0\r\n~1\r\n$4\r\nonly\r\n:1\r\n$1\r\nx\r\n:3\r\n~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n",
  },
  {
    name: "RENAME and COPY keep the hashtable a set of integers became",
    commands: [["sadd", "a", "x", "1", "2"], ["srem", "a", "x"], ["object", "encoding", "a"], ["rename", "a", "b"], ["object", "encoding", "b"], ["copy", "b", "c"], ["object", "encoding", "c"], ["scard", "c"], ["sismember", "c", "1"], ["sadd", "small", "1", "2"], ["renamenx", "small", "a"], ["object", "encoding", "a"]],
    reply: "+OK\r\n:3\r\n:1\r\n$9\r\nhashtable\r\n+OK\r\n$9\r\nhashtable\r\n:1\r\n$9\r\nhashtable\r\n:2\r\n:1\r\n:2\r\n:1\r\n$6\r\nintset\r\n",
  },
];

/** Counts that a server without range checks would try to answer (kept apart: a server stuck on one fails only these). */
const RANGE_SESSIONS: Session[] = [
  {
    name: "SRANDMEMBER refuses a count out of range; SPOP and SRANDMEMBER answer a huge positive count with the whole set",
    commands: [["sadd", "a", "only"], ["srandmember", "a", "-9223372036854775808"], ["srandmember", "a", "9223372036854775808"], ["srandmember", "nokey", "-9223372036854775808"], ["srandmember", "a", "9223372036854775807"], ["spop", "a", "9223372036854775808"], ["spop", "a", "9223372036854775807"], ["exists", "a"], ["ping"]],
    reply: "+OK\r\n:1\r\n-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n-ERR value is not an integer or out of range\r\n-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n*1\r\n$4\r\nonly\r\n-ERR value is out of range, must be positive\r\n*1\r\n$4\r\nonly\r\n:0\r\n+PONG\r\n",
  },
];

/** Every member SSCAN returns from cursor 0 until it comes back to 0 (repeats included), with the calls it took. */
async function sscanAll(client: Redis, key: string, ...options: (string | number)[]): Promise<{ members: string[]; calls: number }> {
  const members: string[] = [];
  let cursor = '0';
  let calls = 0;
  do {
    const [next, page] = await client.sscan(key, cursor, ...(options as ['COUNT', number]));
    members.push(...page);
    cursor = next;
    calls++;
  } while (cursor !== '0' && calls < 100000);
  return { members, calls };
}

/** `count` members named prefix0, prefix1... */
function members(prefix: string, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);
}

describe.each([1, 3])('sets --shards %i', (shards) => {
  const server = useServerOrStock({ shards, args: ['--enable-debug-command', 'yes'] });

  it.each(SESSIONS)('$name', async (session) => {
    expect(await runSession(server.port, session)).toBe(session.reply);
  });

  describe('replies in the order of a hashtable or a random pick', () => {
    const client = useClient(server);
    flushBeforeEach(client);
    /** One key on each of the first, the middle and the last shard (the same shard with one). */
    const spread = (prefix: string): string[] => [0, Math.floor(shards / 2), shards - 1].map((shard, i) => keysOnShard(`${prefix}${i}:`, shard, shards, 1)[0]);

    it('SMEMBERS of a string set and SINTER, SUNION, SDIFF over keys of different shards, missing keys empty', async () => {
      const [x, y, z] = spread('ops');
      await client.sadd(x, ...members('m', 100));
      await client.sadd(y, ...members('m', 100, 50));
      await client.sadd(z, 'm0', 'm60', 'm120', 'other');
      expect(await client.call('object', 'encoding', x)).toBe('hashtable');
      expect(unordered(await client.smembers(x))).toEqual(unordered(members('m', 100)));
      expect(unordered(await client.sinter(x, y))).toEqual(unordered(members('m', 50, 50)));
      expect(unordered(await client.sinter(x, y, z))).toEqual(['m60']);
      expect(unordered(await client.sunion(x, y, z))).toEqual(unordered([...members('m', 150), 'other']));
      expect(unordered(await client.sdiff(x, y))).toEqual(unordered(members('m', 50)));
      expect(await client.sdiff(z, x, y)).toEqual(['other']);
      expect(unordered(await client.sdiff(z, x))).toEqual(['m120', 'other']);
      expect(unordered(await client.sdiff(x, 'nokey'))).toEqual(unordered(members('m', 100)));
      expect(unordered(await client.sunion('nokey', z))).toEqual(['m0', 'm120', 'm60', 'other']);
      expect(await client.sinter(x, 'nokey', y)).toEqual([]);
      expect(await client.call('sintercard', '3', x, y, z)).toBe(1);
      expect(await client.call('sintercard', '2', x, y, 'LIMIT', '10')).toBe(10);
      expect(await client.smismember(z, 'm0', 'm1', 'other')).toEqual([1, 0, 1]);
      await client.set('str', 'v');
      expect(await errorOf(client.sunion(x, 'str'))).toBe(WRONGTYPE);
    });

    it('SINTERSTORE, SUNIONSTORE, SDIFFSTORE store to a key on another shard, replacing it, COPY and RENAME carry sets between shards', async () => {
      const [x, y, dest] = spread('store');
      await client.sadd(x, ...members('m', 600));
      await client.sadd(y, ...members('m', 600, 300));
      await client.set(dest, 'a string', 'EX', 100);
      expect(await client.sinterstore(dest, x, y)).toBe(300);
      expect(await client.ttl(dest)).toBe(-1);
      expect(unordered(await client.smembers(dest))).toEqual(unordered(members('m', 300, 300)));
      expect(await client.sunionstore(dest, x, y)).toBe(900);
      expect(await client.scard(dest)).toBe(900);
      expect(await client.sdiffstore(dest, y, x)).toBe(300);
      expect(unordered(await client.smembers(dest))).toEqual(unordered(members('m', 300, 600)));
      expect(await client.sdiffstore(dest, x, x)).toBe(0);
      expect(await client.exists(dest)).toBe(0);
      await client.sadd(dest, ...members('n', 10));
      expect(await client.sinterstore(dest, x, 'nokey')).toBe(0);
      expect(await client.exists(dest)).toBe(0);
      await client.sadd(dest, '1', '2');
      expect(await client.sunionstore(dest, dest, x)).toBe(602);
      await client.expire(x, 1000);
      expect(await client.copy(x, dest, 'REPLACE')).toBe(1);
      expect(await client.ttl(dest)).toBe(1000);
      expect(unordered(await client.smembers(dest))).toEqual(unordered(members('m', 600)));
      expect(await client.rename(y, x)).toBe('OK');
      expect(await client.ttl(x)).toBe(-1);
      expect(unordered(await client.smembers(x))).toEqual(unordered(members('m', 600, 300)));
      expect(await client.exists(y)).toBe(0);
    });

    it('SPOP removes what it answers: one member, a count, a count larger than the set deletes it', async () => {
      for (const [key, all] of [['strings', members('s', 30)], ['ints', members('', 30)], ['large', members('l', 700)]] as const) {
        await client.sadd(key, ...all);
        const one = (await client.spop(key)) as string;
        expect(all).toContain(one);
        expect(await client.sismember(key, one)).toBe(0);
        const some = await client.spop(key, 10);
        expect(some).toHaveLength(10);
        expect(new Set([one, ...some]).size).toBe(11);
        for (const member of some) expect(all).toContain(member);
        expect(await client.scard(key)).toBe(all.length - 11);
        if (key === 'large') {
          // Most of a big set: Redis builds the reply differently, the answer is the same.
          const most = await client.spop(key, all.length - 20);
          expect(new Set(most).size).toBe(all.length - 20);
          expect(await client.scard(key)).toBe(9);
        }
        const remaining = await client.smembers(key);
        const rest = await client.spop(key, all.length);
        expect(unordered(rest)).toEqual(unordered(remaining));
        expect(await client.exists(key)).toBe(0);
        expect(await client.spop(key)).toBeNull();
      }
      await client.sadd('two', 'p', 'q');
      expect(unordered(await client.spop('two', 2))).toEqual(['p', 'q']);
      expect(await client.exists('two')).toBe(0);
    });

    it('a SPOP of most of a set leaves what is left in the encoding its members give, its TTL kept', async () => {
      // As stock Redis 7.0.15: popping at least five times what it leaves rebuilds the rest.
      await client.sadd('s', 'a', '1', '2', '3', '4', '5', '6');
      await client.srem('s', 'a');
      await client.expire('s', 1000);
      expect(await client.object('ENCODING', 's')).toBe('hashtable');
      expect(await client.spop('s', 5)).toHaveLength(5);
      expect(await client.object('ENCODING', 's')).toBe('intset');
      expect(await client.ttl('s')).toBeGreaterThan(990);
      // Four of five leaves one: fewer than five times, the set stays as it is.
      await client.sadd('u', 'a', '1', '2', '3', '4');
      await client.srem('u', 'a');
      expect(await client.spop('u', 3)).toHaveLength(3);
      expect(await client.object('ENCODING', 'u')).toBe('hashtable');
    });

    it('SRANDMEMBER: distinct members for a positive count, repeats for a negative one, the set unchanged', async () => {
      for (const [key, all] of [['strings', members('s', 10)], ['ints', members('', 10)], ['large', members('l', 700)]] as const) {
        await client.sadd(key, ...all);
        expect(all).toContain(await client.srandmember(key));
        const three = await client.srandmember(key, 3);
        expect(three).toHaveLength(3);
        expect(new Set(three).size).toBe(3);
        for (const member of three) expect(all).toContain(member);
        const most = await client.srandmember(key, all.length - 1);
        expect(new Set(most).size).toBe(all.length - 1);
        expect(unordered(await client.srandmember(key, all.length + 5))).toEqual(unordered(all));
        const repeated = await client.srandmember(key, -(all.length + 50));
        expect(repeated).toHaveLength(all.length + 50);
        for (const member of repeated) expect(all).toContain(member);
        expect(await client.scard(key)).toBe(all.length);
      }
      // Over many picks every member of a small set comes up (missing one of 10 in 1000 picks: below 1e-44).
      const seen = new Set(await client.srandmember('strings', -1000));
      expect(seen.size).toBe(10);
    });

    it('SSCAN: a cursor loop over a hashtable set returns every member, with COUNT and MATCH', async () => {
      const all = members('m', 1000);
      await client.sadd('s', ...all);
      const scanned = await sscanAll(client, 's', 'COUNT', 10);
      expect(unordered([...new Set(scanned.members)])).toEqual(unordered(all));
      expect(scanned.calls).toBeGreaterThan(20);
      const matched = await sscanAll(client, 's', 'MATCH', 'm9*', 'COUNT', 20);
      expect(unordered([...new Set(matched.members)])).toEqual(unordered(all.filter((member) => member.startsWith('m9'))));
      const big = await sscanAll(client, 's', 'COUNT', 100000);
      expect(big.calls).toBe(1);
      expect(big.members).toHaveLength(1000);
      const ints = members('', 100);
      await client.sadd('ints', ...ints);
      expect(unordered((await sscanAll(client, 'ints', 'COUNT', 3)).members)).toEqual(unordered(ints));
    });

    it('SSCAN misses no member present for the whole scan while the set grows and shrinks', async () => {
      const stable = members('stable', 800);
      await client.sadd('s', ...stable);
      const seen = new Set<string>();
      let cursor = '0';
      let round = 0;
      do {
        const [next, page] = await client.sscan('s', cursor, 'COUNT', 5);
        for (const member of page) seen.add(member);
        cursor = next;
        await client.sadd('s', ...members(`new${round}:`, 20));
        if (round > 2) await client.srem('s', ...members(`new${round - 2}:`, 20));
        round++;
      } while (cursor !== '0' && round < 10000);
      expect(cursor).toBe('0');
      for (const member of stable) expect(seen.has(member), member).toBe(true);
    });

    it('SMOVE of hashtable sets between shards, and its WRONGTYPE and absent-member answers', async () => {
      const [x, y] = spread('move');
      await client.sadd(x, ...members('m', 600));
      await client.sadd(y, ...members('n', 600));
      expect(await client.smove(x, y, 'm7')).toBe(1);
      expect(await client.sismember(y, 'm7')).toBe(1);
      expect(await client.sismember(x, 'm7')).toBe(0);
      expect(await client.smove(x, y, 'm7')).toBe(0);
      expect(await client.smove(y, x, 'n0')).toBe(1);
      expect([await client.scard(x), await client.scard(y)]).toEqual([600, 600]);
      await client.set('str', 'v');
      expect(await errorOf(client.smove(x, 'str', 'm1'))).toBe(WRONGTYPE);
      expect(await errorOf(client.smove(x, 'str', 'absent'))).toBe(WRONGTYPE);
      expect(await client.smove('nokey', 'str', 'm1')).toBe(0);
      expect(await client.sismember(x, 'm1')).toBe(1);
      await client.sadd('single', 'last');
      expect(await client.smove('single', y, 'last')).toBe(1);
      expect(await client.exists('single')).toBe(0);
    });

    it('an intset turns into a hashtable after set-max-intset-entries members or a non-integer', async () => {
      await client.sadd('s', ...members('', 512));
      expect(await client.call('object', 'encoding', 's')).toBe('intset');
      await client.sadd('s', '512');
      expect(await client.call('object', 'encoding', 's')).toBe('hashtable');
      await client.srem('s', ...members('', 500));
      expect(await client.call('object', 'encoding', 's')).toBe('hashtable');
      await client.sadd('t', ...members('', 600, -300));
      expect(await client.call('object', 'encoding', 't')).toBe('hashtable');
      expect(unordered(await client.smembers('t'))).toEqual(unordered(members('', 600, -300)));
      await client.sadd('u', '1', '2');
      await client.sadd('u', 'x'.repeat(100));
      expect(await client.call('object', 'encoding', 'u')).toBe('hashtable');
      expect(unordered(await client.smembers('u'))).toEqual(unordered(['1', '2', 'x'.repeat(100)]));
    });

    it('answers ioredis: smembers, sscanStream, sismember, sintercard', async () => {
      expect(await client.sadd('tags', 'redis', 'node', 'threads')).toBe(3);
      expect(unordered(await client.smembers('tags'))).toEqual(['node', 'redis', 'threads']);
      expect(await client.sismember('tags', 'node')).toBe(1);
      expect(await client.smembers('nokey')).toEqual([]);
      await client.sadd('big', ...members('m', 1500));
      const streamed: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const stream = client.sscanStream('big', { count: 50 });
        stream.on('data', (page: string[]) => streamed.push(...page));
        stream.on('end', () => resolve());
        stream.on('error', reject);
      });
      expect(unordered([...new Set(streamed)])).toEqual(unordered(members('m', 1500)));
      expect(await client.sintercard(2, 'tags', 'big')).toBe(0);
      expect(await errorOf(client.spop('tags', -1))).toBe('ERR value is out of range, must be positive');
    });

    it('COMMAND INFO and GETKEYS describe SINTERCARD as Redis: keys counted by numkeys, no legacy range', async () => {
      const [info] = (await client.call('command', 'info', 'sintercard')) as unknown[][];
      expect(info.slice(0, 6)).toEqual(['sintercard', -3, ['readonly', 'movablekeys'], 0, 0, 0]);
      expect(await client.call('command', 'getkeys', 'sintercard', '2', 'a', 'b', 'LIMIT', '1')).toEqual(['a', 'b']);
      // Routed by its counted keys only: LIMIT and its number are not keys.
      const [x, , z] = spread('card');
      await client.sadd(x, 'p', 'q', 'r');
      await client.sadd(z, 'q', 'r', 's');
      expect(await client.call('sintercard', '2', x, z, 'LIMIT', '1')).toBe(1);
      expect(await client.call('sintercard', '1', x, 'LIMIT', '0')).toBe(3);
    });

    it('answers node-redis over RESP3: sMembers, sIsMember, smIsMember, sPop, sInterCard', async () => {
      const resp3 = await connectResp3(server);
      try {
        expect(await resp3.sAdd('s', ['3', '1', '2'])).toBe(3);
        expect(await resp3.sMembers('s')).toEqual(['1', '2', '3']);
        expect(await resp3.sIsMember('s', '2')).toBe(1);
        expect(await resp3.smIsMember('s', ['1', '9'])).toEqual([1, 0]);
        expect(await resp3.sAdd('t', ['x', 'y'])).toBe(2);
        expect(unordered(await resp3.sUnion(['s', 't']))).toEqual(['1', '2', '3', 'x', 'y']);
        expect(await resp3.sInterCard(['s', 't'])).toBe(0);
        expect(['x', 'y']).toContain(await resp3.sPop('t'));
        expect(await resp3.sCard('t')).toBe(1);
        expect(await resp3.sMembers('nokey')).toEqual([]);
      } finally {
        resp3.destroy();
      }
    });

    it('answers redis-cli', async () => {
      expect((await server.cli('sadd', 's', '10', '2', '33')).trim()).toBe('3');
      expect(await server.cli('smembers', 's')).toBe('2\n10\n33\n');
      expect(await server.cli('smismember', 's', '2', '4')).toBe('1\n0\n');
      expect((await server.cli('scard', 's')).trim()).toBe('3');
      await client.sadd('t', 'a', 'b');
      expect((await server.cli('smembers', 't')).trim().split('\n').sort()).toEqual(['a', 'b']);
      expect((await server.cli('sinter', 's', 't')).trim()).toBe('');
      expect((await server.cli('type', 't')).trim()).toBe('set');
    });
  });
});

describe.each([1, 3])('SRANDMEMBER and SPOP counts out of range --shards %i', (shards) => {
  const server = useServerOrStock({ shards });

  it.each(RANGE_SESSIONS)('$name', async (session) => {
    expect(await runSession(server.port, session)).toBe(session.reply);
  });
});
