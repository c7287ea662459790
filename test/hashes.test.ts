// The hash family against a real server on one and three shards: every
// command with its options and error replies, RESP2 and RESP3 shapes,
// listpack and hashtable encodings, TTLs, WATCH, COPY/RENAME/MOVE between
// shards, SWAPDB, SCAN TYPE, MEMORY USAGE, DEBUG DIGEST-VALUE, real clients,
// and a worker restart that keeps every field.
//
// Each session below was sent, byte for byte, to stock redis-server 7.0.15
// (after a FLUSHALL, pipelined in one write, save where it pauses) and its
// reply recorded; the server must answer the same bytes. The sessions only
// read listpack hashes in full (whose order is the insertion order) and
// one-field hashes from the random commands. With three shards "a" lives on
// shard 2, "b" on 0 and "c" on 1, so the sessions that use several keys cross
// shards. Replies whose order is a hashtable's or a random pick's are checked
// below the sessions as multisets and maps; those checks hold against stock
// Redis too (STOCK_REDIS_PORT, see helpers/stock-server.ts).

import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { connectIoredis, connectResp3, errorOf, flushBeforeEach, useClient } from './helpers/clients.ts';
import { keysOnEveryShard, keysOnShard } from './helpers/raw-client.ts';
import { pairs, runSession, unordered, type Session } from './helpers/recorded-sessions.ts';
import { STOCK_PORT, useServerOrStock } from './helpers/stock-server.ts';
import { panicThreadOf } from './helpers/threads.ts';
import { SlotMap } from '../src/cluster/slots.ts';

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

const SESSIONS: Session[] = [
  {
    name: "HSET sets several pairs and answers how many fields are new; HGET, HMGET, HLEN, HEXISTS, HSTRLEN",
    commands: [["hset", "a", "f1", "v1", "f2", "v2", "f3", "v3"], ["hset", "a", "f1", "x", "f4", "v4"], ["hset", "a", "f5", "1", "f5", "2"], ["hget", "a", "f1"], ["hget", "a", "f5"], ["hget", "a", "nosuch"], ["hget", "nokey", "f1"], ["hmget", "a", "f1", "nosuch", "f4", "f1"], ["hmget", "nokey", "f1", "f2"], ["hlen", "a"], ["hlen", "nokey"], ["hexists", "a", "f2"], ["hexists", "a", "nosuch"], ["hexists", "nokey", "f2"], ["hstrlen", "a", "f4"], ["hstrlen", "a", "nosuch"], ["hstrlen", "nokey", "f4"], ["hset", "a", "empty", ""], ["hget", "a", "empty"], ["hstrlen", "a", "empty"], ["hexists", "a", "empty"], ["hset", "a", "", "no name"], ["hget", "a", ""], ["hset", "a", "n", "-12345"], ["hstrlen", "a", "n"], ["hset", "a", "big", "12345678901234567890"], ["hstrlen", "a", "big"], ["hset", "a", "F1", "upper"], ["hget", "a", "F1"], ["hgetall", "a"], ["hkeys", "a"], ["hvals", "a"], ["hlen", "a"], ["type", "a"], ["object", "encoding", "a"], ["hgetall", "nokey"], ["hkeys", "nokey"], ["hvals", "nokey"], ["exists", "nokey"]],
    reply: "+OK\r\n:3\r\n:1\r\n:1\r\n$1\r\nx\r\n$1\r\n2\r\n$-1\r\n$-1\r\n*4\r\n$1\r\nx\r\n$-1\r\n$2\r\nv4\r\n$1\r\nx\r\n*2\r\n$-1\r\n$-1\r\n:5\r\n:0\r\n:1\r\n:0\r\n:0\r\n:2\r\n:0\r\n:0\r\n:1\r\n$0\r\n\r\n:0\r\n:1\r\n:1\r\n$7\r\nno name\r\n:1\r\n:6\r\n:1\r\n:20\r\n:1\r\n$5\r\nupper\r\n*20\r\n$2\r\nf1\r\n$1\r\nx\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$2\r\nv3\r\n$2\r\nf4\r\n$2\r\nv4\r\n$2\r\nf5\r\n$1\r\n2\r\n$5\r\nempty\r\n$0\r\n\r\n$0\r\n\r\n$7\r\nno name\r\n$1\r\nn\r\n$6\r\n-12345\r\n$3\r\nbig\r\n$20\r\n12345678901234567890\r\n$2\r\nF1\r\n$5\r\nupper\r\n*10\r\n$2\r\nf1\r\n$2\r\nf2\r\n$2\r\nf3\r\n$2\r\nf4\r\n$2\r\nf5\r\n$5\r\nempty\r\n$0\r\n\r\n$1\r\nn\r\n$3\r\nbig\r\n$2\r\nF1\r\n*10\r\n$1\r\nx\r\n$2\r\nv2\r\n$2\r\nv3\r\n$2\r\nv4\r\n$1\r\n2\r\n$0\r\n\r\n$7\r\nno name\r\n$6\r\n-12345\r\n$20\r\n12345678901234567890\r\n$5\r\nupper\r\n:10\r\n+hash\r\n$8\r\nlistpack\r\n*0\r\n*0\r\n*0\r\n:0\r\n",
  },
  {
    name: "HSETNX sets only a new field; HMSET answers OK",
    commands: [["hsetnx", "b", "f", "v"], ["hsetnx", "b", "f", "w"], ["hget", "b", "f"], ["hmset", "b", "f", "w", "g", "x"], ["hgetall", "b"], ["hsetnx", "b", "h", "y"], ["hkeys", "b"], ["hmset", "c", "f", "1"], ["hgetall", "c"], ["hsetnx", "d", "f", "v"], ["type", "d"], ["hmset", "b", "g", "1", "g", "2"], ["hget", "b", "g"], ["hlen", "b"]],
    reply: "+OK\r\n:1\r\n:0\r\n$1\r\nv\r\n+OK\r\n*4\r\n$1\r\nf\r\n$1\r\nw\r\n$1\r\ng\r\n$1\r\nx\r\n:1\r\n*3\r\n$1\r\nf\r\n$1\r\ng\r\n$1\r\nh\r\n+OK\r\n*2\r\n$1\r\nf\r\n$1\r\n1\r\n:1\r\n+hash\r\n+OK\r\n$1\r\n2\r\n:3\r\n",
  },
  {
    name: "HDEL removes several fields and answers how many were there; the hash goes with its last field",
    commands: [["hset", "c", "a", "1", "b", "2", "c", "3", "d", "4"], ["hdel", "c", "a", "b", "nosuch", "a"], ["hdel", "c", "a"], ["hdel", "nokey", "a"], ["hlen", "c"], ["hgetall", "c"], ["hdel", "c", "c", "d"], ["exists", "c"], ["type", "c"], ["hlen", "c"], ["hgetall", "c"], ["hset", "c", "x", "1"], ["hdel", "c", "x", "x"], ["exists", "c"], ["hset", "c", "y", "1"], ["hincrby", "c", "z", "1"], ["hdel", "c", "y"], ["hgetall", "c"], ["hdel", "c", "z"], ["dbsize"]],
    reply: "+OK\r\n:4\r\n:2\r\n:0\r\n:0\r\n:2\r\n*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n:2\r\n:0\r\n+none\r\n:0\r\n*0\r\n:1\r\n:1\r\n:0\r\n:1\r\n:1\r\n:1\r\n*2\r\n$1\r\nz\r\n$1\r\n1\r\n:1\r\n:0\r\n",
  },
  {
    name: "HINCRBY: creates the field and the key, refuses non-integers and overflow",
    commands: [["hincrby", "a", "n", "5"], ["hincrby", "a", "n", "-7"], ["hincrby", "a", "n", "0"], ["hget", "a", "n"], ["hset", "a", "s", "abc"], ["hincrby", "a", "s", "1"], ["hset", "a", "f", "1.5"], ["hincrby", "a", "f", "1"], ["hincrby", "a", "n", "x"], ["hincrby", "a", "n", "1.0"], ["hincrby", "a", "n", ""], ["hincrby", "a", "n", "9223372036854775808"], ["hset", "a", "m", "9223372036854775807"], ["hincrby", "a", "m", "1"], ["hincrby", "a", "m", "-1"], ["hset", "a", "k", "-9223372036854775808"], ["hincrby", "a", "k", "-1"], ["hincrby", "a", "k", "9223372036854775807"], ["hset", "a", "sp", " 1"], ["hincrby", "a", "sp", "1"], ["hset", "a", "plus", "+1"], ["hincrby", "a", "plus", "1"], ["hset", "a", "zero", "007"], ["hincrby", "a", "zero", "1"], ["hset", "a", "neg0", "-0"], ["hincrby", "a", "neg0", "1"], ["hset", "a", "e", ""], ["hincrby", "a", "e", "1"], ["hincrby", "fresh", "f", "3"], ["hgetall", "fresh"], ["hincrby", "nokey", "f", "x"], ["exists", "nokey"], ["hgetall", "a"]],
    reply: "+OK\r\n:5\r\n:-2\r\n:-2\r\n$2\r\n-2\r\n:1\r\n-ERR hash value is not an integer\r\n:1\r\n-ERR hash value is not an integer\r\n-ERR value is not an integer or out of range\r\n-ERR value is not an integer or out of range\r\n-ERR value is not an integer or out of range\r\n-ERR value is not an integer or out of range\r\n:1\r\n-ERR increment or decrement would overflow\r\n:9223372036854775806\r\n:1\r\n-ERR increment or decrement would overflow\r\n:-1\r\n:1\r\n-ERR hash value is not an integer\r\n:1\r\n-ERR hash value is not an integer\r\n:1\r\n-ERR hash value is not an integer\r\n:1\r\n-ERR hash value is not an integer\r\n:1\r\n-ERR hash value is not an integer\r\n:3\r\n*2\r\n$1\r\nf\r\n$1\r\n3\r\n-ERR value is not an integer or out of range\r\n:0\r\n*20\r\n$1\r\nn\r\n$2\r\n-2\r\n$1\r\ns\r\n$3\r\nabc\r\n$1\r\nf\r\n$3\r\n1.5\r\n$1\r\nm\r\n$19\r\n9223372036854775806\r\n$1\r\nk\r\n$2\r\n-1\r\n$2\r\nsp\r\n$2\r\n 1\r\n$4\r\nplus\r\n$2\r\n+1\r\n$4\r\nzero\r\n$3\r\n007\r\n$4\r\nneg0\r\n$2\r\n-0\r\n$1\r\ne\r\n$0\r\n\r\n",
  },
  {
    name: "HINCRBYFLOAT with long double arithmetic and formatting, and its refusals",
    commands: [["hincrbyfloat", "a", "f", "10.5"], ["hincrbyfloat", "a", "f", "0.1"], ["hincrbyfloat", "a", "f", "-5.0e3"], ["hincrbyfloat", "a", "f", "3.0e3"], ["hget", "a", "f"], ["hincrbyfloat", "a", "g", "5.0e3"], ["hincrbyfloat", "a", "g", "-5000"], ["hincrbyfloat", "a", "h", "1e20"], ["hincrbyfloat", "a", "h", "1e-20"], ["hincrbyfloat", "a", "i", "0x1p-2"], ["hincrbyfloat", "a", "i", ".5"], ["hincrbyfloat", "a", "i", "5."], ["hincrbyfloat", "a", "i", "1E3"], ["hincrbyfloat", "a", "j", "123456789.123456789123456789"], ["hincrbyfloat", "a", "k", "1e308"], ["hincrbyfloat", "a", "k", "1e308"], ["hstrlen", "a", "k"], ["hincrbyfloat", "a", "l", "-1e-18"], ["hincrbyfloat", "a", "l2", "0.000003814697265625"], ["hincrbyfloat", "a", "l3", "-0.0"], ["hset", "a", "int", "10"], ["hincrbyfloat", "a", "int", "1"], ["hincrby", "a", "int", "1"], ["hincrbyfloat", "a", "int", "0.5"], ["hincrby", "a", "int", "1"], ["hset", "a", "s", "abc"], ["hincrbyfloat", "a", "s", "1"], ["hset", "a", "sp", " 1"], ["hincrbyfloat", "a", "sp", "1"], ["hset", "a", "inf", "inf"], ["hincrbyfloat", "a", "inf", "1"], ["hset", "a", "nan", "nan"], ["hincrbyfloat", "a", "nan", "1"], ["hset", "a", "max", "1.18e4932"], ["hincrbyfloat", "a", "max", "1.18e4932"], ["hincrbyfloat", "a", "max", "-1.18e4932"], ["hincrbyfloat", "a", "f", "abc"], ["hincrbyfloat", "a", "f", ""], ["hincrbyfloat", "a", "f", " 1"], ["hincrbyfloat", "a", "f", "1e"], ["hincrbyfloat", "a", "f", "nan"], ["hincrbyfloat", "a", "f", "1e5000"], ["hincrbyfloat", "a", "f", "inf"], ["hincrbyfloat", "a", "f", "-infinity"], ["hincrbyfloat", "nokey", "f", "inf"], ["exists", "nokey"], ["hget", "a", "f"], ["hlen", "a"]],
    reply: "+OK\r\n$4\r\n10.5\r\n$4\r\n10.6\r\n$23\r\n-4989.39999999999999991\r\n$23\r\n-1989.39999999999999991\r\n$23\r\n-1989.39999999999999991\r\n$4\r\n5000\r\n$1\r\n0\r\n$21\r\n100000000000000000000\r\n$21\r\n100000000000000000000\r\n$4\r\n0.25\r\n$4\r\n0.75\r\n$4\r\n5.75\r\n$7\r\n1005.75\r\n$27\r\n123456789.12345678912242875\r\n$308\r\n99999999999999999996685879655845645660560099847415567207797047994921734868838061872100126921888539320446747225054013223152134749593960583597420814430196418767959100019603190778663109604507106667939153395788938914560543563061268364901618630217086589253444881623791300855757318142424510452728255046343928578048\r\n$309\r\n199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096\r\n:309\r\n$1\r\n0\r\n$19\r\n0.00000381469726562\r\n$1\r\n0\r\n:1\r\n$2\r\n11\r\n:12\r\n$4\r\n12.5\r\n-ERR hash value is not an integer\r\n:1\r\n-ERR hash value is not a float\r\n:1\r\n-ERR hash value is not a float\r\n:1\r\n-ERR increment would produce NaN or Infinity\r\n:1\r\n-ERR hash value is not a float\r\n:1\r\n-ERR increment would produce NaN or Infinity\r\n$1\r\n0\r\n-ERR value is not a valid float\r\n-ERR value is not a valid float\r\n-ERR value is not a valid float\r\n-ERR value is not a valid float\r\n-ERR value is not a valid float\r\n-ERR value is not a valid float\r\n-ERR value is NaN or Infinity\r\n-ERR value is NaN or Infinity\r\n-ERR value is NaN or Infinity\r\n:0\r\n$23\r\n-1989.39999999999999991\r\n:15\r\n",
  },
  {
    name: "RESP3: HGETALL is a map, missing values are nulls, one-field HRANDFIELD shapes",
    commands: [["hello", "3"], ["hset", "a", "f1", "v1", "f2", "v2", "f3", "v3"], ["hgetall", "a"], ["hgetall", "nokey"], ["hkeys", "a"], ["hvals", "nokey"], ["hmget", "a", "f2", "nosuch"], ["hget", "a", "nosuch"], ["hset", "b", "only", "one"], ["hrandfield", "b"], ["hrandfield", "b", "1"], ["hrandfield", "b", "1", "withvalues"], ["hrandfield", "b", "5", "withvalues"], ["hrandfield", "b", "-3", "withvalues"], ["hrandfield", "b", "-2"], ["hrandfield", "b", "0", "withvalues"], ["hrandfield", "nokey"], ["hrandfield", "nokey", "2", "withvalues"], ["hscan", "a", "0"], ["hscan", "nokey", "0"], ["hincrbyfloat", "a", "n", "1.5"], ["hincrby", "a", "i", "2"], ["hexists", "a", "f1"], ["hstrlen", "a", "f1"], ["hlen", "a"], ["hsetnx", "a", "f1", "x"], ["hmset", "a", "f4", "v4"], ["hdel", "a", "f4"]],
    reply: "+OK\r\n%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:ID\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n:3\r\n%3\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$2\r\nv3\r\n%0\r\n*3\r\n$2\r\nf1\r\n$2\r\nf2\r\n$2\r\nf3\r\n*0\r\n*2\r\n$2\r\nv2\r\n_\r\n_\r\n:1\r\n$4\r\nonly\r\n*1\r\n$4\r\nonly\r\n*1\r\n*2\r\n$4\r\nonly\r\n$3\r\none\r\n*1\r\n*2\r\n$4\r\nonly\r\n$3\r\none\r\n*3\r\n*2\r\n$4\r\nonly\r\n$3\r\none\r\n*2\r\n$4\r\nonly\r\n$3\r\none\r\n*2\r\n$4\r\nonly\r\n$3\r\none\r\n*2\r\n$4\r\nonly\r\n$4\r\nonly\r\n*0\r\n_\r\n*0\r\n*2\r\n$1\r\n0\r\n*6\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$2\r\nv3\r\n*2\r\n$1\r\n0\r\n*0\r\n$3\r\n1.5\r\n:2\r\n:1\r\n:2\r\n:5\r\n:0\r\n+OK\r\n:1\r\n",
  },
  {
    name: "HRANDFIELD of a one-field hash in RESP2, on missing keys, and its syntax errors",
    commands: [["hset", "b", "only", "one"], ["hrandfield", "b"], ["hrandfield", "b", "1"], ["hrandfield", "b", "5"], ["hrandfield", "b", "-3"], ["hrandfield", "b", "-2", "withvalues"], ["hrandfield", "b", "2", "WITHVALUES"], ["hrandfield", "b", "0"], ["hrandfield", "b", "0", "withvalues"], ["hrandfield", "nokey"], ["hrandfield", "nokey", "3"], ["hrandfield", "nokey", "-3", "withvalues"], ["hrandfield", "b", "x"], ["hrandfield", "b", "1.5"], ["hrandfield", "b", ""], ["hrandfield", "b", "1", "values"], ["hrandfield", "b", "1", "withvalues", "x"], ["hrandfield", "nokey", "x"], ["hrandfield", "nokey", "1", "values"]],
    reply: "+OK\r\n:1\r\n$4\r\nonly\r\n*1\r\n$4\r\nonly\r\n*1\r\n$4\r\nonly\r\n*3\r\n$4\r\nonly\r\n$4\r\nonly\r\n$4\r\nonly\r\n*4\r\n$4\r\nonly\r\n$3\r\none\r\n$4\r\nonly\r\n$3\r\none\r\n*2\r\n$4\r\nonly\r\n$3\r\none\r\n*0\r\n*0\r\n$-1\r\n*0\r\n*0\r\n-ERR value is not an integer or out of range\r\n-ERR value is not an integer or out of range\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n",
  },
  {
    name: "HSCAN of a listpack hash answers it whole in one page; its options and errors",
    commands: [["hset", "a", "f1", "v1", "f2", "v2", "g1", "v3", "f10", "v4"], ["hscan", "a", "0"], ["hscan", "a", "0", "count", "1"], ["hscan", "a", "0", "match", "f*"], ["hscan", "a", "0", "match", "f?", "count", "100"], ["hscan", "a", "0", "MATCH", "nothing*"], ["hscan", "a", "0", "match", "*", "match", "g*"], ["hscan", "a", "123"], ["hscan", "a", "0", "novalues"], ["hscan", "a", "0", "type", "hash"], ["hscan", "a", "0", "count", "0"], ["hscan", "a", "0", "count", "-1"], ["hscan", "a", "0", "count", "x"], ["hscan", "a", "0", "count"], ["hscan", "a", "0", "match"], ["hscan", "a", "x"], ["hscan", "a", " 0"], ["hscan", "a", "18446744073709551616"], ["hscan", "nokey", "0"], ["hscan", "nokey", "x"], ["hscan", "nokey", "0", "novalues"]],
    reply: "+OK\r\n:4\r\n*2\r\n$1\r\n0\r\n*8\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\ng1\r\n$2\r\nv3\r\n$3\r\nf10\r\n$2\r\nv4\r\n*2\r\n$1\r\n0\r\n*8\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\ng1\r\n$2\r\nv3\r\n$3\r\nf10\r\n$2\r\nv4\r\n*2\r\n$1\r\n0\r\n*6\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n$3\r\nf10\r\n$2\r\nv4\r\n*2\r\n$1\r\n0\r\n*4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n*2\r\n$1\r\n0\r\n*0\r\n*2\r\n$1\r\n0\r\n*2\r\n$2\r\ng1\r\n$2\r\nv3\r\n*2\r\n$1\r\n0\r\n*8\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\ng1\r\n$2\r\nv3\r\n$3\r\nf10\r\n$2\r\nv4\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR invalid cursor\r\n-ERR invalid cursor\r\n-ERR invalid cursor\r\n*2\r\n$1\r\n0\r\n*0\r\n-ERR invalid cursor\r\n*2\r\n$1\r\n0\r\n*0\r\n",
  },
  {
    name: "answers a wrong number of arguments for every hash command",
    commands: [["hset", "a"], ["hset", "a", "f"], ["hset", "a", "f", "v", "g"], ["hsetnx", "a", "f"], ["hsetnx", "a", "f", "v", "x"], ["hmset", "a", "f"], ["hmset", "a", "f", "v", "g"], ["hget", "a"], ["hget", "a", "f", "g"], ["hmget", "a"], ["hdel", "a"], ["hlen"], ["hlen", "a", "b"], ["hstrlen", "a"], ["hexists", "a"], ["hincrby", "a", "f"], ["hincrby", "a", "f", "1", "2"], ["hincrbyfloat", "a", "f"], ["hkeys"], ["hkeys", "a", "b"], ["hvals"], ["hgetall"], ["hgetall", "a", "b"], ["hrandfield"], ["hscan", "a"], ["hscan"], ["exists", "a"]],
    reply: "+OK\r\n-ERR wrong number of arguments for 'hset' command\r\n-ERR wrong number of arguments for 'hset' command\r\n-ERR wrong number of arguments for 'hset' command\r\n-ERR wrong number of arguments for 'hsetnx' command\r\n-ERR wrong number of arguments for 'hsetnx' command\r\n-ERR wrong number of arguments for 'hmset' command\r\n-ERR wrong number of arguments for 'hmset' command\r\n-ERR wrong number of arguments for 'hget' command\r\n-ERR wrong number of arguments for 'hget' command\r\n-ERR wrong number of arguments for 'hmget' command\r\n-ERR wrong number of arguments for 'hdel' command\r\n-ERR wrong number of arguments for 'hlen' command\r\n-ERR wrong number of arguments for 'hlen' command\r\n-ERR wrong number of arguments for 'hstrlen' command\r\n-ERR wrong number of arguments for 'hexists' command\r\n-ERR wrong number of arguments for 'hincrby' command\r\n-ERR wrong number of arguments for 'hincrby' command\r\n-ERR wrong number of arguments for 'hincrbyfloat' command\r\n-ERR wrong number of arguments for 'hkeys' command\r\n-ERR wrong number of arguments for 'hkeys' command\r\n-ERR wrong number of arguments for 'hvals' command\r\n-ERR wrong number of arguments for 'hgetall' command\r\n-ERR wrong number of arguments for 'hgetall' command\r\n-ERR wrong number of arguments for 'hrandfield' command\r\n-ERR wrong number of arguments for 'hscan' command\r\n-ERR wrong number of arguments for 'hscan' command\r\n:0\r\n",
  },
  {
    name: "WRONGTYPE both ways: hash commands on a string, string commands on a hash",
    commands: [["set", "s", "text"], ["hset", "s", "f", "v"], ["hsetnx", "s", "f", "v"], ["hmset", "s", "f", "v"], ["hget", "s", "f"], ["hmget", "s", "f"], ["hdel", "s", "f"], ["hlen", "s"], ["hstrlen", "s", "f"], ["hexists", "s", "f"], ["hincrby", "s", "f", "1"], ["hincrby", "s", "f", "x"], ["hincrbyfloat", "s", "f", "1"], ["hincrbyfloat", "s", "f", "x"], ["hincrbyfloat", "s", "f", "inf"], ["hkeys", "s"], ["hvals", "s"], ["hgetall", "s"], ["hrandfield", "s"], ["hrandfield", "s", "2"], ["hrandfield", "s", "x"], ["hscan", "s", "0"], ["hscan", "s", "x"], ["get", "s"], ["hset", "h", "f", "v"], ["get", "h"], ["set", "h", "x", "get"], ["set", "h", "x", "nx"], ["incr", "h"], ["incrbyfloat", "h", "1"], ["append", "h", "x"], ["strlen", "h"], ["getrange", "h", "0", "1"], ["getdel", "h"], ["getex", "h"], ["setrange", "h", "0", "x"], ["mget", "h", "s"], ["msetnx", "h", "1", "t", "2"], ["sadd", "h", "x"], ["type", "h"], ["hget", "h", "f"], ["set", "h", "v"], ["type", "h"], ["hget", "h", "f"]],
    reply: "+OK\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR value is not an integer or out of range\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR value is not a valid float\r\n-ERR value is NaN or Infinity\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR value is not an integer or out of range\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR invalid cursor\r\n$4\r\ntext\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$-1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n*2\r\n$-1\r\n$4\r\ntext\r\n:0\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n+hash\r\n$1\r\nv\r\n+OK\r\n+string\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "OBJECT ENCODING: listpack until hash-max-listpack-entries or -value is passed, then hashtable for good",
    commands: [["hset", "a", "f", "v"], ["object", "encoding", "a"], ["config", "set", "hash-max-listpack-entries", "2"], ["hset", "a", "g", "v"], ["object", "encoding", "a"], ["hset", "a", "h", "v"], ["object", "encoding", "a"], ["hdel", "a", "g", "h"], ["object", "encoding", "a"], ["hset", "b", "f", "1", "g", "2", "h", "3"], ["object", "encoding", "b"], ["hincrby", "i", "x", "1"], ["hincrby", "i", "y", "1"], ["object", "encoding", "i"], ["hincrbyfloat", "i", "z", "1"], ["object", "encoding", "i"], ["config", "set", "hash-max-listpack-entries", "512"], ["config", "set", "hash-max-listpack-value", "4"], ["hset", "c", "f", "1234"], ["object", "encoding", "c"], ["hset", "c", "g", "12345"], ["object", "encoding", "c"], ["hset", "d", "long", "1"], ["object", "encoding", "d"], ["hset", "d", "longer", "1"], ["object", "encoding", "d"], ["hset", "d2", "f", "1"], ["hincrbyfloat", "d2", "f", "1e30"], ["object", "encoding", "d2"], ["hget", "d2", "f"], ["hincrby", "d2", "g", "-1234567"], ["object", "encoding", "d2"], ["hsetnx", "e", "f", "toolong"], ["object", "encoding", "e"], ["hmset", "e2", "ok", "1", "f", "toolong"], ["object", "encoding", "e2"], ["config", "set", "hash-max-ziplist-value", "64"], ["config", "get", "hash-max-listpack-value"], ["config", "set", "hash-max-listpack-entries", "0"], ["hset", "z", "f", "v"], ["object", "encoding", "z"], ["config", "set", "hash-max-ziplist-entries", "512"], ["config", "get", "hash-max-listpack-entries"], ["hset", "edge", "v", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"], ["object", "encoding", "edge"], ["hset", "over", "v", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"], ["object", "encoding", "over"], ["hget", "over", "v"]],
    reply: "+OK\r\n:1\r\n$8\r\nlistpack\r\n+OK\r\n:1\r\n$8\r\nlistpack\r\n:1\r\n$9\r\nhashtable\r\n:2\r\n$9\r\nhashtable\r\n:3\r\n$9\r\nhashtable\r\n:1\r\n:1\r\n$8\r\nlistpack\r\n$1\r\n1\r\n$9\r\nhashtable\r\n+OK\r\n+OK\r\n:1\r\n$8\r\nlistpack\r\n:1\r\n$9\r\nhashtable\r\n:1\r\n$8\r\nlistpack\r\n:1\r\n$9\r\nhashtable\r\n:1\r\n$31\r\n1000000000000000000024696061952\r\n$9\r\nhashtable\r\n$31\r\n1000000000000000000024696061952\r\n:-1234567\r\n$9\r\nhashtable\r\n:1\r\n$9\r\nhashtable\r\n+OK\r\n$9\r\nhashtable\r\n+OK\r\n*2\r\n$23\r\nhash-max-listpack-value\r\n$2\r\n64\r\n+OK\r\n:1\r\n$9\r\nhashtable\r\n+OK\r\n*2\r\n$25\r\nhash-max-listpack-entries\r\n$3\r\n512\r\n:1\r\n$8\r\nlistpack\r\n:1\r\n$9\r\nhashtable\r\n$65\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n",
  },
  {
    name: "a hash with a TTL keeps it through writes, loses it with its last field, and expires whole",
    commands: [["hset", "a", "f", "v"], ["expire", "a", "100"], ["ttl", "a"], ["hset", "a", "g", "w"], ["hdel", "a", "f"], ["hincrby", "a", "n", "1"], ["hincrbyfloat", "a", "n", "0.5"], ["ttl", "a"], ["hdel", "a", "g", "n"], ["exists", "a"], ["hset", "a", "f", "v"], ["ttl", "a"], ["pexpire", "a", "20"], 60, ["hget", "a", "f"], ["hlen", "a"], ["hgetall", "a"], ["exists", "a"], ["hset", "b", "f", "v"], ["expire", "b", "0"], ["exists", "b"], ["hset", "c", "f", "v"], ["expire", "c", "100"], ["persist", "c"], ["ttl", "c"]],
    reply: "+OK\r\n:1\r\n:1\r\n:100\r\n:1\r\n:1\r\n:1\r\n$3\r\n1.5\r\n:100\r\n:2\r\n:0\r\n:1\r\n:-1\r\n:1\r\n$-1\r\n:0\r\n*0\r\n:0\r\n:1\r\n:1\r\n:0\r\n:1\r\n:1\r\n:1\r\n:-1\r\n",
  },
  {
    name: "COPY, RENAME, MOVE and SWAPDB of a hash between shards keep its fields, their order and its TTL",
    commands: [["hset", "a", "f1", "v1", "f2", "v2", "f3", "v3"], ["pexpire", "a", "100000"], ["copy", "a", "b"], ["hgetall", "b"], ["ttl", "b"], ["hset", "b", "f1", "changed"], ["hget", "a", "f1"], ["copy", "a", "b"], ["copy", "a", "b", "replace"], ["hget", "b", "f1"], ["rename", "a", "c"], ["exists", "a"], ["hgetall", "c"], ["ttl", "c"], ["renamenx", "c", "b"], ["move", "c", "1"], ["exists", "c"], ["select", "1"], ["hgetall", "c"], ["ttl", "c"], ["copy", "c", "a", "db", "0"], ["select", "0"], ["hgetall", "a"], ["ttl", "a"], ["swapdb", "0", "1"], ["hgetall", "c"], ["type", "c"], ["exists", "a", "b"], ["swapdb", "0", "1"], ["set", "s", "str"], ["rename", "a", "s"], ["type", "s"], ["hgetall", "s"], ["ttl", "s"], ["object", "encoding", "s"], ["dbsize"]],
    reply: "+OK\r\n:3\r\n:1\r\n:1\r\n*6\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$2\r\nv3\r\n:100\r\n:0\r\n$2\r\nv1\r\n:0\r\n:1\r\n$2\r\nv1\r\n+OK\r\n:0\r\n*6\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$2\r\nv3\r\n:100\r\n:0\r\n:1\r\n:0\r\n+OK\r\n*6\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$2\r\nv3\r\n:100\r\n:1\r\n+OK\r\n*6\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$2\r\nv3\r\n:100\r\n+OK\r\n*6\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$2\r\nv3\r\n+hash\r\n:0\r\n+OK\r\n+OK\r\n+OK\r\n+hash\r\n*6\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nv2\r\n$2\r\nf3\r\n$2\r\nv3\r\n:100\r\n$8\r\nlistpack\r\n:2\r\n",
  },
  {
    name: "DEBUG DIGEST-VALUE of a hash depends on its content only, not on order or encoding",
    commands: [["hset", "a", "f1", "v1", "f2", "v2", "f3", "3"], ["hset", "b", "f3", "3", "f1", "v1"], ["hset", "b", "f2", "v2"], ["debug", "digest-value", "a", "b", "nokey"], ["config", "set", "hash-max-listpack-entries", "1"], ["hset", "c", "f2", "v2", "f3", "3", "f1", "v1"], ["object", "encoding", "c"], ["config", "set", "hash-max-listpack-entries", "512"], ["debug", "digest-value", "c"], ["hset", "b", "f3", "4"], ["debug", "digest-value", "b"], ["hset", "b", "f3", "3"], ["debug", "digest-value", "b"], ["hincrby", "b", "f3", "0"], ["debug", "digest-value", "b"], ["hset", "d", "f", ""], ["debug", "digest-value", "d"], ["debug", "digest"], ["expire", "a", "100"], ["debug", "digest-value", "a"]],
    reply: "+OK\r\n:3\r\n:2\r\n:1\r\n*3\r\n+36db8c131ce099312198ab31223feb407b0d5df9\r\n+36db8c131ce099312198ab31223feb407b0d5df9\r\n+0000000000000000000000000000000000000000\r\n+OK\r\n:3\r\n$9\r\nhashtable\r\n+OK\r\n*1\r\n+36db8c131ce099312198ab31223feb407b0d5df9\r\n:0\r\n*1\r\n+d6fa665577bd0d3999ed20d9e1ea979ec0004f12\r\n:0\r\n*1\r\n+36db8c131ce099312198ab31223feb407b0d5df9\r\n:3\r\n*1\r\n+36db8c131ce099312198ab31223feb407b0d5df9\r\n:1\r\n*1\r\n+b9a41d95edec8ed50878b0c4af72cb811b3eab45\r\n+22d601af24ca2880b4e3cf9e51d65aa42bd497f5\r\n:1\r\n*1\r\n+d05e72ecc0d97365e08e40c9675524db61a31c7a\r\n",
  },
  {
    name: "WATCH: a change of the hash makes EXEC fail, a write that changes nothing does not; hash commands inside MULTI",
    commands: [["hset", "a", "f", "1"], ["watch", "a"], ["hset", "a", "f", "2"], ["multi"], ["hget", "a", "f"], ["exec"], ["watch", "a"], ["hdel", "a", "nosuch"], ["multi"], ["hget", "a", "f"], ["exec"], ["watch", "a"], ["hsetnx", "a", "f", "x"], ["multi"], ["hget", "a", "f"], ["exec"], ["watch", "a"], ["hincrby", "a", "f", "0"], ["multi"], ["hget", "a", "f"], ["exec"], ["watch", "a"], ["hdel", "a", "f"], ["multi"], ["exists", "a"], ["exec"], ["multi"], ["hset", "b", "x", "1", "y", "2"], ["hincrby", "b", "x", "2"], ["hincrbyfloat", "c", "z", "1.5"], ["hincrby", "b", "y", "z"], ["hgetall", "b"], ["hdel", "b", "x"], ["hkeys", "b"], ["hgetall", "c"], ["exec"], ["multi"], ["hset", "b", "x"], ["hget", "b", "y"], ["exec"], ["hgetall", "b"]],
    reply: "+OK\r\n:1\r\n+OK\r\n:0\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n:0\r\n+OK\r\n+QUEUED\r\n*1\r\n$1\r\n2\r\n+OK\r\n:0\r\n+OK\r\n+QUEUED\r\n*1\r\n$1\r\n2\r\n+OK\r\n:2\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n:1\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*8\r\n:2\r\n:3\r\n$3\r\n1.5\r\n-ERR value is not an integer or out of range\r\n*4\r\n$1\r\nx\r\n$1\r\n3\r\n$1\r\ny\r\n$1\r\n2\r\n:1\r\n*1\r\n$1\r\ny\r\n*2\r\n$1\r\nz\r\n$3\r\n1.5\r\n+OK\r\n-ERR wrong number of arguments for 'hset' command\r\n+QUEUED\r\n-EXECABORT Transaction discarded because of previous errors.\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n",
  },
  {
    name: "RENAME and COPY keep the hashtable a hash became, small as it is now",
    commands: [["hset", "a", "f", "x".repeat(70)], ["hset", "a", "f", "short"], ["object", "encoding", "a"], ["rename", "a", "b"], ["object", "encoding", "b"], ["copy", "b", "c"], ["object", "encoding", "c"], ["hgetall", "c"], ["copy", "c", "a", "db", "1"], ["select", "1"], ["object", "encoding", "a"], ["select", "0"], ["hset", "small", "f", "v"], ["rename", "small", "a"], ["object", "encoding", "a"]],
    reply: "+OK\r\n:1\r\n:0\r\n$9\r\nhashtable\r\n+OK\r\n$9\r\nhashtable\r\n:1\r\n$9\r\nhashtable\r\n*2\r\n$1\r\nf\r\n$5\r\nshort\r\n:1\r\n+OK\r\n$9\r\nhashtable\r\n+OK\r\n:1\r\n+OK\r\n$8\r\nlistpack\r\n",
  },
];

/** Counts that a server without range checks would try to answer (kept apart: a server stuck on one fails only these). */
const RANGE_SESSIONS: Session[] = [
  {
    name: "HRANDFIELD refuses counts out of range (with WITHVALUES, beyond half the range) and answers a huge positive count with the whole hash",
    commands: [["hset", "b", "only", "one"], ["hrandfield", "b", "-9223372036854775808"], ["hrandfield", "b", "9223372036854775808"], ["hrandfield", "b", "-4611686018427387904", "withvalues"], ["hrandfield", "b", "4611686018427387904", "withvalues"], ["hrandfield", "nokey", "-4611686018427387904", "withvalues"], ["hrandfield", "b", "-4611686018427387903", "withvalues", "x"], ["hrandfield", "b", "9223372036854775807"], ["hrandfield", "b", "4611686018427387903", "withvalues"], ["ping"]],
    reply: "+OK\r\n:1\r\n-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n-ERR value is not an integer or out of range\r\n-ERR value is out of range\r\n-ERR value is out of range\r\n-ERR value is out of range\r\n-ERR syntax error\r\n*1\r\n$4\r\nonly\r\n*2\r\n$4\r\nonly\r\n$3\r\none\r\n+PONG\r\n",
  },
];

/** Every [field, value] pair HSCAN returns from cursor 0 until it comes back to 0, with the calls it took. */
async function hscanAll(client: Redis, key: string, ...options: (string | number)[]): Promise<{ entries: [string, string][]; calls: number }> {
  const entries: [string, string][] = [];
  let cursor = '0';
  let calls = 0;
  do {
    const [next, page] = await client.hscan(key, cursor, ...(options as ['COUNT', number]));
    entries.push(...pairs(page));
    cursor = next;
    calls++;
  } while (cursor !== '0' && calls < 100000);
  return { entries, calls };
}

/** `count` fields f0, f1... with values v0, v1... (a "pad" makes each value longer). */
function fields(count: number, pad = ''): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`f${i}`, `v${i}${pad}`]));
}

describe.each([1, 3])('hashes --shards %i', (shards) => {
  const server = useServerOrStock({ shards, args: ['--enable-debug-command', 'yes'] });

  it.each(SESSIONS)('$name', async (session) => {
    expect(await runSession(server.port, session)).toBe(session.reply);
  });

  describe('replies in the order of a hashtable or a random pick', () => {
    const client = useClient(server);
    flushBeforeEach(client);

    it('HGETALL, HKEYS, HVALS of a hashtable hash hold every field once; HMGET follows its arguments', async () => {
      const content = fields(600);
      expect(await client.hset('h', content)).toBe(600);
      expect(await client.call('object', 'encoding', 'h')).toBe('hashtable');
      expect(await client.hlen('h')).toBe(600);
      expect(await client.hgetall('h')).toEqual(content);
      expect(unordered(await client.hkeys('h'))).toEqual(unordered(Object.keys(content)));
      expect(unordered(await client.hvals('h'))).toEqual(unordered(Object.values(content)));
      expect(await client.hmget('h', 'f599', 'nosuch', 'f0', 'f0')).toEqual(['v599', null, 'v0', 'v0']);
      expect(await client.hdel('h', ...Object.keys(content).slice(0, 599))).toBe(599);
      expect(await client.call('object', 'encoding', 'h')).toBe('hashtable');
      expect(await client.hgetall('h')).toEqual({ f599: 'v599' });
      expect(await client.hdel('h', 'f599')).toBe(1);
      expect(await client.exists('h')).toBe(0);
    });

    it('HRANDFIELD picks fields of the hash: distinct for a positive count, with repeats for a negative one', async () => {
      for (const [key, size] of [['small', 5], ['large', 600]] as const) {
        const content = fields(size);
        await client.hset(key, content);
        const names = Object.keys(content);
        expect(names).toContain(await client.hrandfield(key));
        const three = (await client.hrandfield(key, 3)) as string[];
        expect(three).toHaveLength(3);
        expect(new Set(three).size).toBe(3);
        for (const name of three) expect(names).toContain(name);
        const all = (await client.hrandfield(key, size + 10)) as string[];
        expect(unordered(all)).toEqual(unordered(names));
        const repeated = (await client.hrandfield(key, -(size + 20))) as string[];
        expect(repeated).toHaveLength(size + 20);
        for (const name of repeated) expect(names).toContain(name);
        const withValues = (await client.hrandfield(key, 4, 'WITHVALUES')) as string[];
        expect(withValues).toHaveLength(8);
        for (const [name, value] of pairs(withValues)) expect(content[name]).toBe(value);
        const repeatedWithValues = (await client.hrandfield(key, -30, 'WITHVALUES')) as string[];
        expect(repeatedWithValues).toHaveLength(60);
        for (let i = 0; i < 60; i += 2) expect(content[repeatedWithValues[i]]).toBe(repeatedWithValues[i + 1]);
        expect(await client.hrandfield(key, 0)).toEqual([]);
      }
      // Over many picks every field of a small hash comes up (the chance one of 5 never does in 300 picks is below 1e-28).
      const seen = new Set<string>();
      for (let i = 0; i < 300 && seen.size < 5; i++) seen.add((await client.hrandfield('small')) as string);
      expect(seen.size).toBe(5);
      // A negative count over a one-field hash repeats it; a count as large as the hash answers it whole.
      const repeats = (await client.hrandfield('small', -1000)) as string[];
      expect(new Set(repeats).size).toBeGreaterThan(1);
      expect(unordered((await client.hrandfield('small', 5)) as string[])).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    });

    it('HSCAN: a cursor loop over a hashtable hash returns every field with its value, COUNT and MATCH', async () => {
      const content = fields(1000);
      await client.hset('h', content);
      const all = await hscanAll(client, 'h', 'COUNT', 10);
      expect(new Map(all.entries)).toEqual(new Map(Object.entries(content)));
      expect(all.calls).toBeGreaterThan(20);
      const matched = await hscanAll(client, 'h', 'MATCH', 'f1*', 'COUNT', 25);
      const expected = Object.keys(content).filter((name) => name.startsWith('f1'));
      expect(unordered([...new Set(matched.entries.map(([name]) => name))])).toEqual(unordered(expected));
      for (const [name, value] of matched.entries) expect(content[name]).toBe(value);
      const big = await hscanAll(client, 'h', 'COUNT', 100000);
      expect(big.calls).toBe(1);
      expect(big.entries).toHaveLength(1000);
      const [next, page] = await client.hscan('h', '0', 'MATCH', 'nothing*');
      expect(page).toEqual([]);
      expect(next).not.toBe('0');
    });

    it('HSCAN misses no field present for the whole scan while the hash grows between calls', async () => {
      const content = fields(1000);
      await client.hset('h', content);
      expect(await client.call('object', 'encoding', 'h')).toBe('hashtable');
      const seen = new Set<string>();
      let cursor = '0';
      let round = 0;
      do {
        const [next, page] = await client.hscan('h', cursor, 'COUNT', 10);
        for (const [name] of pairs(page)) seen.add(name);
        cursor = next;
        await client.hset('h', Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`new${round}:${i}`, 'x'])));
        round++;
      } while (cursor !== '0' && round < 10000);
      expect(cursor).toBe('0');
      for (const name of Object.keys(content)) expect(seen.has(name), name).toBe(true);
      // It grew past 1024 fields on the way: a hashtable of Redis's doubles its table then.
      expect(await client.hlen('h')).toBe(1000 + 4 * round);
      expect(round).toBeGreaterThan(10);
    });

    it('COPY, RENAME and MOVE of a hashtable hash to keys on other shards keep every field and the TTL', async () => {
      const [source] = keysOnShard('src:', shards - 1, shards, 1);
      const [copy] = keysOnShard('copy:', 0, shards, 1);
      const [renamed] = keysOnShard('renamed:', Math.min(1, shards - 1), shards, 1);
      const content = fields(700, '-some-padding');
      await client.hset(source, content);
      await client.pexpire(source, 500_000);
      const expireAt = await client.pexpiretime(source);
      const digest = await client.call('debug', 'digest-value', source);
      expect(await client.copy(source, copy)).toBe(1);
      expect(await client.hgetall(copy)).toEqual(content);
      expect(await client.pexpiretime(copy)).toBe(expireAt);
      expect(await client.call('object', 'encoding', copy)).toBe('hashtable');
      await client.hset(copy, 'f0', 'changed');
      expect(await client.hget(source, 'f0')).toBe('v0-some-padding');
      expect(await client.rename(source, renamed)).toBe('OK');
      expect(await client.exists(source)).toBe(0);
      expect(await client.hgetall(renamed)).toEqual(content);
      expect(await client.pexpiretime(renamed)).toBe(expireAt);
      expect(await client.call('debug', 'digest-value', renamed)).toEqual(digest);
      expect(await client.move(renamed, 2)).toBe(1);
      expect(await client.exists(renamed)).toBe(0);
      await client.select(2);
      expect(await client.hgetall(renamed)).toEqual(content);
      expect(await client.pexpiretime(renamed)).toBe(expireAt);
      expect(await client.copy(renamed, source, 'DB', 0)).toBe(1);
      await client.select(0);
      expect(await client.hgetall(source)).toEqual(content);
      expect(await client.pexpiretime(source)).toBe(expireAt);
    });

    it('SCAN TYPE hash finds the hashes of every shard; SWAPDB swaps them', async () => {
      const hashes = keysOnEveryShard('hash:', shards, 20);
      const strings = keysOnEveryShard('string:', shards, 20);
      for (const key of hashes) await client.hset(key, 'f', key);
      await client.mset(...strings.flatMap((key) => [key, 'v']));
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, page] = (await client.call('scan', cursor, 'TYPE', 'hash', 'COUNT', 7)) as [string, string[]];
        found.push(...page);
        cursor = next;
      } while (cursor !== '0');
      expect(unordered([...new Set(found)])).toEqual(unordered(hashes));
      for (const key of hashes) expect(await client.type(key)).toBe('hash');
      expect(await client.swapdb(0, 4)).toBe('OK');
      expect(await client.dbsize()).toBe(0);
      await client.select(4);
      expect(await client.dbsize()).toBe(hashes.length + strings.length);
      for (const key of hashes) expect(await client.hget(key, 'f')).toBe(key);
    });

    it('MEMORY USAGE of a hash grows with its fields', async () => {
      await client.hset('h', 'f', 'v');
      const one = (await client.call('memory', 'usage', 'h')) as number;
      expect(one).toBeGreaterThan(0);
      expect(one).toBeLessThan(1000);
      await client.hset('h', fields(100));
      const listpack = (await client.call('memory', 'usage', 'h')) as number;
      expect(listpack).toBeGreaterThan(one + 100 * 4);
      expect(listpack).toBeLessThan(100 * 200);
      await client.hset('h', fields(2000, 'x'.repeat(100)));
      const table = (await client.call('memory', 'usage', 'h', 'SAMPLES', '0')) as number;
      expect(table).toBeGreaterThan(2000 * 100);
      expect(table).toBeLessThan(2000 * 1000);
      expect(await client.call('memory', 'usage', 'nokey')).toBeNull();
    });

    it('DEBUG DIGEST-VALUE is the same for hashtable hashes built in different orders', async () => {
      const names = Object.keys(fields(800));
      await client.hset('{d}one', fields(800));
      for (const name of [...names].reverse()) await client.hset('{d}two', name, `v${name.slice(1)}`);
      const [one, two] = (await client.call('debug', 'digest-value', '{d}one', '{d}two')) as string[];
      expect(one).toMatch(/^[0-9a-f]{40}$/);
      expect(two).toBe(one);
      await client.hset('{d}two', 'f0', 'other');
      expect(((await client.call('debug', 'digest-value', '{d}two')) as string[])[0]).not.toBe(one);
    });

    it('WATCH of a hash on any shard: an HSET from another client makes EXEC fail', async () => {
      const other = await connectIoredis(server);
      try {
        for (let shard = 0; shard < shards; shard++) {
          const [key, unrelated] = keysOnShard(`w${shard}:`, shard, shards, 2);
          await client.hset(key, 'f', '1');
          await client.watch(key, unrelated);
          await other.hset(key, 'g', '2');
          expect(await client.multi().hset(key, 'f', 'mine').exec()).toBeNull();
          expect(await client.hgetall(key)).toEqual({ f: '1', g: '2' });
          await client.watch(key);
          await other.hset(unrelated, 'f', 'x');
          expect(await client.multi().hincrby(key, 'f', 5).exec()).toEqual([[null, 6]]);
        }
      } finally {
        other.disconnect();
      }
    });

    it('answers ioredis: hgetall as an object, hscanStream, errors', async () => {
      expect(await client.hset('h', { name: 'threadis', port: '6379' })).toBe(2);
      expect(await client.hgetall('h')).toEqual({ name: 'threadis', port: '6379' });
      expect(await client.hgetall('nokey')).toEqual({});
      expect(await client.hincrby('h', 'port', 1)).toBe(6380);
      expect(await client.hincrbyfloat('h', 'load', '0.25')).toBe('0.25');
      expect(await client.hexists('h', 'name')).toBe(1);
      await client.hset('big', fields(1500));
      const streamed: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const stream = client.hscanStream('big', { count: 50 });
        stream.on('data', (page: string[]) => streamed.push(...page));
        stream.on('end', () => resolve());
        stream.on('error', reject);
      });
      const collected = new Map<string, string>();
      for (let i = 0; i < streamed.length; i += 2) collected.set(streamed[i], streamed[i + 1]);
      expect(collected).toEqual(new Map(Object.entries(fields(1500))));
      await client.set('s', 'x');
      expect(await errorOf(client.hset('s', 'f', 'v'))).toBe(WRONGTYPE);
      expect(await errorOf(client.hincrby('h', 'name', 1))).toBe('ERR hash value is not an integer');
    });

    it('answers node-redis over RESP3: hGetAll as an object, hRandField, hScan', async () => {
      const resp3 = await connectResp3(server);
      try {
        expect(await resp3.hSet('h', { f1: 'v1', f2: 'v2', f3: 'v3' })).toBe(3);
        expect(await resp3.hGetAll('h')).toEqual({ f1: 'v1', f2: 'v2', f3: 'v3' });
        expect(await resp3.hGetAll('nokey')).toEqual({});
        expect(await resp3.hmGet('h', ['f2', 'nosuch'])).toEqual(['v2', null]);
        expect(await resp3.hIncrByFloat('h', 'n', 1.5)).toBe('1.5');
        const picked = await resp3.hRandFieldCountWithValues('h', 2);
        expect(picked).toHaveLength(2);
        for (const { field, value } of picked) expect(await resp3.hGet('h', field)).toBe(value);
        const scanned = await resp3.hScan('h', '0');
        expect(scanned.cursor).toBe('0');
        expect(scanned.entries.map(({ field }) => field)).toEqual(['f1', 'f2', 'f3', 'n']);
        expect(await resp3.hLen('h')).toBe(4);
        expect(await resp3.hDel('h', ['f1', 'f2', 'f3', 'n'])).toBe(4);
        expect(await resp3.exists('h')).toBe(0);
      } finally {
        resp3.destroy();
      }
    });

    it('answers redis-cli', async () => {
      expect((await server.cli('hset', 'h', 'f1', 'v1', 'f2', 'v2')).trim()).toBe('2');
      expect(await server.cli('hgetall', 'h')).toBe('f1\nv1\nf2\nv2\n');
      expect(await server.cli('hmget', 'h', 'f2', 'nosuch')).toBe('v2\n\n');
      expect((await server.cli('hincrbyfloat', 'h', 'n', '0.5')).trim()).toBe('0.5');
      expect((await server.cli('type', 'h')).trim()).toBe('hash');
      await client.hset('big', fields(600));
      const lines = (await server.cli('--no-raw', 'hkeys', 'big')).trim().split('\n');
      expect(lines).toHaveLength(600);
      expect(lines[0]).toMatch(/^ {0,2}\d+\) "f\d+"$/);
    });
  });
});

describe('a worker restart keeps hashes', () => {
  const SHARDS = 3;
  const server = useServerOrStock({ shards: SHARDS, args: ['--enable-debug-command', 'yes'] });

  it.skipIf(STOCK_PORT !== undefined)('every field of a big (hashtable) and a small (listpack) hash on the dead thread is still there', async () => {
    const writer = await connectIoredis(server, { retryStrategy: () => null });
    // A big and a small hash on every shard, with a TTL on some: whichever thread dies owns some of them.
    const bigKeys = Array.from({ length: SHARDS }, (_, shard) => keysOnShard('big:', shard, SHARDS, 1)[0]);
    const smallKeys = Array.from({ length: SHARDS }, (_, shard) => keysOnShard('small:', shard, SHARDS, 1)[0]);
    const big = fields(3000, '-'.repeat(40));
    const small = { a: '1', b: 'two', c: '-3' };
    for (const key of bigKeys) await writer.hset(key, big);
    for (const key of smallKeys) {
      await writer.hset(key, small);
      await writer.expire(key, 1000);
    }
    const digestBefore = await writer.debug('digest');
    await panicThreadOf(server, await connectIoredis(server, { retryStrategy: () => null }));
    const dead = Number(/Shard (\d) worker exited unexpectedly/.exec(server.output())?.[1]);
    expect(dead).toBeGreaterThanOrEqual(0);

    const reader = await connectIoredis(server);
    // The dead thread's shard first, then the others.
    const order = [...bigKeys, ...smallKeys].sort((x, y) => Number(shardOf(y) === dead) - Number(shardOf(x) === dead));
    for (const key of order) {
      if (key.startsWith('big:')) {
        expect(await reader.call('object', 'encoding', key)).toBe('hashtable');
        expect(await reader.hlen(key)).toBe(3000);
        expect(await reader.hgetall(key)).toEqual(big);
      } else {
        expect(await reader.call('object', 'encoding', key)).toBe('listpack');
        expect(await reader.hkeys(key)).toEqual(['a', 'b', 'c']);
        expect(await reader.hgetall(key)).toEqual(small);
        expect(await reader.ttl(key)).toBeGreaterThan(900);
      }
    }
    expect(await reader.debug('digest')).toBe(digestBefore);
    // The restarted shard's hashes keep working: writes, growth, deletes.
    const deadBig = bigKeys.find((key) => shardOf(key) === dead) as string;
    const deadSmall = smallKeys.find((key) => shardOf(key) === dead) as string;
    expect(await reader.hset(deadBig, fields(4000, '-'.repeat(40)))).toBe(1000);
    expect(await reader.hdel(deadBig, 'f0', 'f1')).toBe(2);
    expect(await reader.hlen(deadBig)).toBe(3998);
    expect(await reader.hincrby(deadSmall, 'c', 3)).toBe(0);
    expect(await reader.hset(deadSmall, 'd', '4')).toBe(1);
    expect(await reader.hvals(deadSmall)).toEqual(['1', 'two', '0', '4']);
    for (const client of [writer, reader]) client.disconnect();
  });

  function shardOf(key: string): number {
    return new SlotMap(SlotMap.allocate(SHARDS)).shardOfKey(Buffer.from(key));
  }
});

describe.each([1, 3])('HRANDFIELD counts out of range --shards %i', (shards) => {
  const server = useServerOrStock({ shards });

  it.each(RANGE_SESSIONS)('$name', async (session) => {
    expect(await runSession(server.port, session)).toBe(session.reply);
  });
});
