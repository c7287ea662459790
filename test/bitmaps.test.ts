// The bitmap family against a real server on one and three shards: SETBIT,
// GETBIT, BITCOUNT and BITPOS with BYTE and BIT ranges, BITOP over keys of
// several shards, BITFIELD and BITFIELD_RO with every type, offset form and
// overflow rule, every error reply, RESP3 where the shape differs, WATCH and
// MULTI; then random bit writes against a plain model, big strings, and
// BITOP across shards staying atomic under a concurrent writer.
//
// Each session below was sent, byte for byte, to stock redis-server 7.0.15
// (after a FLUSHALL, pipelined in one write) and its reply recorded; the
// server must answer the same bytes. With three shards "a" lives on shard 2,
// "b" on 0 and "c" on 1, so BITOP's sessions cross shards. The checks below
// the sessions hold against stock Redis too (STOCK_REDIS_PORT, see
// helpers/stock-server.ts).

import { describe, expect, it } from 'vitest';
import { connectIoredis, connectResp3, errorOf, flushBeforeEach, useClient } from './helpers/clients.ts';
import { keysOnShard } from './helpers/raw-client.ts';
import { runSession, type Session } from './helpers/recorded-sessions.ts';
import { useServerOrStock } from './helpers/stock-server.ts';

const SESSIONS: Session[] = [
  {
    name: "SETBIT and GETBIT: the old bit, growth with zero bytes, and their errors",
    commands: [["setbit","a","7","1"],["get","a"],["setbit","a","7","0"],["setbit","a","7","0"],["getbit","a","7"],["setbit","a","0","1"],["setbit","a","100","1"],["strlen","a"],["getbit","a","100"],["getbit","a","99"],["getbit","a","1000000"],["getbit","nokey","0"],["getbit","nokey","x"],["getbit","a","-1"],["getbit","a","x"],["getbit","a","4294967295"],["getbit","a","4294967296"],["setbit","a","4294967296","1"],["setbit","a","-1","1"],["setbit","a","01","1"],["setbit","a","1","2"],["setbit","a","1","-1"],["setbit","a","1","x"],["setbit","a","x","x"],["setbit","a","1",""],["get","a"],["set","s","A"],["setbit","s","6","1"],["get","s"],["setbit","s","1","0"],["get","s"],["set","n","12"],["getbit","n","2"],["getbit","n","3"],["setbit","n","15","1"],["get","n"],["rpush","l","x"],["setbit","l","0","1"],["getbit","l","0"],["setbit","l","x","1"],["getbit","l","x"],["setbit","a"],["getbit","a"]],
    reply: "+OK\r\n:0\r\n$1\r\n\u0001\r\n:1\r\n:0\r\n:0\r\n:0\r\n:0\r\n:13\r\n:1\r\n:0\r\n:0\r\n:0\r\n-ERR bit offset is not an integer or out of range\r\n-ERR bit offset is not an integer or out of range\r\n-ERR bit offset is not an integer or out of range\r\n:0\r\n-ERR bit offset is not an integer or out of range\r\n-ERR bit offset is not an integer or out of range\r\n-ERR bit offset is not an integer or out of range\r\n-ERR bit offset is not an integer or out of range\r\n-ERR bit is not an integer or out of range\r\n-ERR bit is not an integer or out of range\r\n-ERR bit is not an integer or out of range\r\n-ERR bit offset is not an integer or out of range\r\n-ERR bit is not an integer or out of range\r\n$13\r\n\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\b\r\n+OK\r\n:0\r\n$1\r\nC\r\n:1\r\n$1\r\n\u0003\r\n+OK\r\n:1\r\n:1\r\n:0\r\n$2\r\n13\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR bit offset is not an integer or out of range\r\n-ERR bit offset is not an integer or out of range\r\n-ERR wrong number of arguments for 'setbit' command\r\n-ERR wrong number of arguments for 'getbit' command\r\n",
  },
  {
    name: "BITCOUNT of the whole string, byte and bit ranges, negative indexes, and its errors",
    commands: [["set","a","foobar"],["bitcount","a"],["bitcount","a","0","0"],["bitcount","a","1","1"],["bitcount","a","1","-1"],["bitcount","a","-2","-1"],["bitcount","a","-1","-2"],["bitcount","a","5","100"],["bitcount","a","100","200"],["bitcount","a","-100","-50"],["bitcount","a","0","-100"],["bitcount","a","0","0","BYTE"],["bitcount","a","0","0","bit"],["bitcount","a","1","1","BIT"],["bitcount","a","5","30","BIT"],["bitcount","a","-5","-1","bit"],["bitcount","a","0","47","bit"],["bitcount","a","0","1000","bit"],["bitcount","a","9","9","bit"],["bitcount","a","10","9","bit"],["bitcount","a","0"],["bitcount","a","0","1","bit","x"],["bitcount","a","0","1","bits"],["bitcount","a","x","1"],["bitcount","a","0","x"],["bitcount","a","-1","-2","foo"],["bitcount","a","x","1","foo"],["bitcount","a","-9223372036854775808","9223372036854775807"],["bitcount","a","-9223372036854775807","-9223372036854775808"],["bitcount","a","9223372036854775807","9223372036854775807","bit"],["bitcount","nokey"],["bitcount","nokey","x"],["bitcount","nokey","0","1","foo"],["set","e",""],["bitcount","e"],["bitcount","e","0","-1"],["bitcount","e","0","-1","bit"],["rpush","l","x"],["bitcount","l"],["bitcount","l","x"],["bitcount"],["set","n","-1"],["bitcount","n"]],
    reply: "+OK\r\n+OK\r\n:26\r\n:4\r\n:6\r\n:22\r\n:7\r\n:0\r\n:4\r\n:0\r\n:4\r\n:4\r\n:4\r\n:0\r\n:1\r\n:17\r\n:2\r\n:26\r\n:26\r\n:1\r\n:0\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR value is not an integer or out of range\r\n-ERR value is not an integer or out of range\r\n:0\r\n-ERR value is not an integer or out of range\r\n:26\r\n:0\r\n:0\r\n:0\r\n:0\r\n:0\r\n+OK\r\n:0\r\n:0\r\n:0\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR wrong number of arguments for 'bitcount' command\r\n+OK\r\n:7\r\n",
  },
  {
    name: "BITPOS of set and clear bits, with byte and bit ranges, with and without an end, and its errors",
    commands: [["set","a","ÿð\u0000"],["bitpos","a","0"],["bitpos","a","1"],["bitpos","a","1","2"],["bitpos","a","0","0","0"],["bitpos","a","1","2","-1"],["bitpos","a","0","1","1"],["bitpos","a","0","-1"],["bitpos","a","0","0","1","BYTE"],["bitpos","a","0","0","11","bit"],["bitpos","a","0","0","12","bit"],["bitpos","a","1","7","15","bit"],["bitpos","a","1","9","3","bit"],["bitpos","a","1","-3","-1","bit"],["bitpos","a","0","3","5","bit"],["bitpos","a","1","17","23","bit"],["bitpos","a","0","12","12","bit"],["bitpos","a","0","5","100"],["bitpos","a","0","100"],["bitpos","a","1","100"],["bitpos","a","1","-100","-50"],["set","f","ÿÿ"],["bitpos","f","0"],["bitpos","f","0","0"],["bitpos","f","0","0","-1"],["bitpos","f","0","1"],["bitpos","f","0","0","15","bit"],["bitpos","f","0","3","bit"],["bitpos","f","1","1"],["set","z","\u0000\u0000"],["bitpos","z","1"],["bitpos","z","0"],["bitpos","z","1","0","-1","bit"],["bitpos","z","0","5","9","bit"],["set","e",""],["bitpos","e","0"],["bitpos","e","1"],["bitpos","e","0","0"],["bitpos","nokey","0"],["bitpos","nokey","1"],["bitpos","nokey","1","x"],["bitpos","nokey","2"],["bitpos","a","2"],["bitpos","a","-1"],["bitpos","a","x"],["bitpos","a","1","x"],["bitpos","a","1","0","x"],["bitpos","a","1","0","1","foo"],["bitpos","a","1","x","1","foo"],["bitpos","a","1","0","x","foo"],["bitpos","a","1","0","1","bit","x"],["rpush","l","x"],["bitpos","l","1"],["bitpos","l","2"],["bitpos","a"]],
    reply: "+OK\r\n+OK\r\n-ERR unknown command '$6', with args beginning with: \r\n-ERR wrong number of arguments for 'bitpos' command\r\n-ERR unknown command '$1', with args beginning with: \r\n-ERR unknown command 'a', with args beginning with: \r\n-ERR unknown command '$1', with args beginning with: \r\n-ERR unknown command '0', with args beginning with: \r\n:0\r\n:28\r\n:-1\r\n:28\r\n:12\r\n:32\r\n:12\r\n:-1\r\n:12\r\n:7\r\n:-1\r\n:38\r\n:-1\r\n:-1\r\n:12\r\n:-1\r\n:-1\r\n:-1\r\n:0\r\n+OK\r\n-ERR unknown command '$6', with args beginning with: \r\n-ERR wrong number of arguments for 'bitpos' command\r\n-ERR unknown command '$1', with args beginning with: \r\n-ERR unknown command 'f', with args beginning with: \r\n-ERR unknown command '$1', with args beginning with: \r\n-ERR unknown command '0', with args beginning with: \r\n:16\r\n:16\r\n:16\r\n:-1\r\n-ERR value is not an integer or out of range\r\n:8\r\n+OK\r\n:-1\r\n:0\r\n:-1\r\n:5\r\n+OK\r\n:-1\r\n:-1\r\n:-1\r\n:0\r\n:-1\r\n:-1\r\n-ERR The bit argument must be 1 or 0.\r\n-ERR The bit argument must be 1 or 0.\r\n-ERR The bit argument must be 1 or 0.\r\n-ERR value is not an integer or out of range\r\n-ERR value is not an integer or out of range\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n-ERR syntax error\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR The bit argument must be 1 or 0.\r\n-ERR wrong number of arguments for 'bitpos' command\r\n",
  },
  {
    name: "BITOP AND, OR, XOR and NOT over keys of several shards, missing keys, and its errors",
    commands: [["set","a","ÿ\u000fð"],["set","b","ðð"],["set","c","\u000f"],["bitop","and","d","a","b"],["get","d"],["bitop","or","d","a","b","c"],["get","d"],["bitop","xor","d","a","b","c"],["get","d"],["bitop","not","d","a"],["get","d"],["bitop","AND","d","a","nokey"],["get","d"],["bitop","Or","d","nokey","c"],["get","d"],["bitop","xor","d","a","a"],["get","d"],["bitop","and","a","a","b"],["get","a"],["pexpire","d","100000"],["bitop","or","d","c"],["ttl","d"],["bitop","or","d","nokey","nokey2"],["exists","d"],["bitop","not","d","nokey"],["exists","d"],["bitop","not","d","a","b"],["bitop","nand","d","a","b"],["bitop","and","d"],["rpush","l","x"],["bitop","and","d","a","l"],["bitop","or","d","l","nokey"],["bitop","or","l","a"],["type","l"],["get","l"],["bitop","not","x","x"],["exists","x"]],
    reply: "+OK\r\n+OK\r\n-ERR unknown command '$3', with args beginning with: \r\n-ERR wrong number of arguments for 'set' command\r\n-ERR unknown command '$1', with args beginning with: \r\n-ERR unknown command 'b', with args beginning with: \r\n-ERR unknown command '$4', with args beginning with: \r\n-ERR unknown command 'ðð', with args beginning with: \r\n+OK\r\n:5\r\n$5\r\n\u0000\u0000\u0000\u0000\u0000\r\n:5\r\n$5\r\nÿ\u000fð\r\n\r\n:5\r\n$5\r\nð\u000fð\r\n\r\n:5\r\n$5\r\n\u0000ð\u000fòõ\r\n:5\r\n$5\r\n\u0000\u0000\u0000\u0000\u0000\r\n:1\r\n$1\r\n\u000f\r\n:5\r\n$5\r\n\u0000\u0000\u0000\u0000\u0000\r\n:5\r\n$5\r\n\u0000\u0000\u0000\u0000\u0000\r\n:1\r\n:1\r\n:-1\r\n:0\r\n:0\r\n:0\r\n:0\r\n-ERR BITOP NOT must be called with a single source key.\r\n-ERR syntax error\r\n-ERR wrong number of arguments for 'bitop' command\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:5\r\n+string\r\n$5\r\n\u0000\u0000\u0000\u0000\u0000\r\n:0\r\n:0\r\n",
  },
  {
    name: "BITFIELD GET, SET and INCRBY of signed and unsigned fields, # offsets, OVERFLOW WRAP, SAT and FAIL",
    commands: [["bitfield","a","set","u8","0","255"],["bitfield","a","get","u8","0"],["bitfield","a","get","i8","0"],["bitfield","a","get","u4","0","get","u4","4","get","i4","4"],["bitfield","a","incrby","u8","0","1"],["bitfield","a","overflow","sat","incrby","u8","0","300","incrby","u8","0","-300"],["bitfield","a","overflow","fail","incrby","u8","0","300","get","u8","0"],["bitfield","a","set","i8","#1","-100","get","i8","#1","get","u8","8"],["bitfield","a","overflow","wrap","incrby","i8","#1","-100"],["bitfield","a","overflow","sat","incrby","i8","#1","-200","incrby","i8","#1","1000"],["bitfield","a","overflow","sat","set","u8","0","-1","set","i8","0","-9223372036854775808","set","i8","0","200","set","u8","0","256"],["bitfield","a","overflow","fail","set","u8","0","-1","set","i8","0","-129","set","u2","0","3"],["bitfield","a","set","u2","0","7"],["bitfield","a","overflow","wrap","set","i8","0","-129","get","i8","0"],["bitfield","b","set","i64","0","-9223372036854775808","get","i64","0","get","u63","0","get","u63","1"],["bitfield","b","incrby","i64","0","-1"],["bitfield","b","overflow","sat","incrby","i64","0","-1"],["bitfield","b","overflow","fail","set","i64","0","9223372036854775807","incrby","i64","0","1","get","i64","0"],["bitfield","b","set","u63","1","9223372036854775807","overflow","sat","incrby","u63","1","1","get","u63","1"],["bitfield","c","set","u1","100","1","get","u1","100","get","u3","98","get","i3","99"],["strlen","c"],["bitfield","c","set","i5","#3","-3","get","i5","#3","get","u5","#3","get","u15","13"],["bitfield","c","incrby","u16","1000","1","get","u16","1000","incrby","i32","33","-70000","get","i32","33"],["strlen","c"],["bitfield","nokey","get","u8","0","get","i64","100"],["exists","nokey"],["bitfield","nokey"],["bitfield","a"],["bitfield","a","get","u8","4294967288"],["bitfield","a","get","u8","4294967296"],["bitfield","a","get","i16","#268435455"],["bitfield","a","get","i16","#268435456"],["bitfield","a","get","u8","#-1"],["bitfield","a","get","u8","-1"],["bitfield","a","get","u8","#"],["bitfield","a","get","u8","##1"],["bitfield","a","get","u64","0"],["bitfield","a","get","i65","0"],["bitfield","a","get","i0","0"],["bitfield","a","get","x8","0"],["bitfield","a","get","u","0"],["bitfield","a","get","u08","0"],["bitfield","a","get","u8"],["bitfield","a","set","u8","0"],["bitfield","a","set","u8","0","x"],["bitfield","a","incrby","u8","0","1.5"],["bitfield","a","overflow","saturate","get","u8","0"],["bitfield","a","overflow"],["bitfield","a","foo","u8","0"],["bitfield","a","get","u8","0","foo"],["bitfield","a","set","u8","0","1","get","u64","0"],["get","a"],["rpush","l","x"],["bitfield","l","get","u8","0"],["bitfield","l","set","u8","0","1"],["bitfield","l","get","u8","x"],["bitfield"]],
    reply: "+OK\r\n*1\r\n:0\r\n*1\r\n:255\r\n*1\r\n:-1\r\n*3\r\n:15\r\n:15\r\n:-1\r\n*1\r\n:0\r\n*2\r\n:255\r\n:0\r\n*2\r\n$-1\r\n:0\r\n*3\r\n:0\r\n:-100\r\n:156\r\n*1\r\n:56\r\n*2\r\n:-128\r\n:127\r\n*4\r\n:0\r\n:-1\r\n:127\r\n:127\r\n*3\r\n$-1\r\n$-1\r\n:3\r\n*1\r\n:3\r\n*2\r\n:-1\r\n:127\r\n*4\r\n:0\r\n:-9223372036854775808\r\n:4611686018427387904\r\n:0\r\n*1\r\n:9223372036854775807\r\n*1\r\n:9223372036854775806\r\n*3\r\n:9223372036854775806\r\n$-1\r\n:9223372036854775807\r\n*3\r\n:9223372036854775807\r\n:9223372036854775807\r\n:9223372036854775807\r\n*4\r\n:0\r\n:1\r\n:1\r\n:2\r\n:13\r\n*4\r\n:0\r\n:-3\r\n:29\r\n:7424\r\n*4\r\n:1\r\n:1\r\n:-70000\r\n:-70000\r\n:127\r\n*2\r\n:0\r\n:0\r\n:0\r\n*0\r\n*0\r\n*1\r\n:0\r\n-ERR bit offset is not an integer or out of range\r\n*1\r\n:0\r\n-ERR bit offset is not an integer or out of range\r\n-ERR bit offset is not an integer or out of range\r\n-ERR bit offset is not an integer or out of range\r\n-ERR bit offset is not an integer or out of range\r\n-ERR bit offset is not an integer or out of range\r\n-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR value is not an integer or out of range\r\n-ERR value is not an integer or out of range\r\n-ERR Invalid OVERFLOW type specified\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n$2\r\n\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR bit offset is not an integer or out of range\r\n-ERR wrong number of arguments for 'bitfield' command\r\n",
  },
  {
    name: "BITFIELD_RO reads only, and refuses SET and INCRBY",
    commands: [["bitfield","a","set","u8","0","170"],["bitfield_ro","a","get","u8","0","get","i4","0","get","u2","#1"],["bitfield_ro","a","get","u8","100"],["bitfield_ro","nokey","get","u8","0"],["bitfield_ro","a"],["bitfield_ro","a","set","u8","0","1"],["bitfield_ro","a","get","u8","0","incrby","u8","0","1"],["bitfield_ro","a","overflow","fail","get","u8","0"],["bitfield_ro","a","get","u64","0","set","u8","0","1"],["bitfield_ro","a","set","u8","0","x"],["bitfield_ro","a","foo"],["rpush","l","x"],["bitfield_ro","l","get","u8","0"],["bitfield_ro","l","set","u8","0","1"],["get","a"]],
    reply: "+OK\r\n*1\r\n:0\r\n*3\r\n:170\r\n:-6\r\n:2\r\n*1\r\n:0\r\n*1\r\n:0\r\n*0\r\n-ERR BITFIELD_RO only supports the GET subcommand\r\n-ERR BITFIELD_RO only supports the GET subcommand\r\n*1\r\n:170\r\n-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR BITFIELD_RO only supports the GET subcommand\r\n$1\r\nª\r\n",
  },
  {
    name: "RESP3: BITFIELD's refused overflow is a null, the other replies keep their shape",
    commands: [["hello","3"],["bitfield","a","overflow","fail","incrby","u2","0","5","get","u2","0"],["bitfield","a"],["bitfield_ro","a","get","u8","0"],["setbit","a","1","1"],["getbit","a","1"],["bitcount","a"],["bitpos","a","1"],["bitop","not","b","a"],["get","b"]],
    reply: "+OK\r\n%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:ID\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n*2\r\n_\r\n:0\r\n*0\r\n*1\r\n:0\r\n:0\r\n:1\r\n:1\r\n:1\r\n:1\r\n$1\r\n¿\r\n",
  },
  {
    name: "Bits in MULTI, WATCH of a key SETBIT changes, and SETBIT that changes nothing",
    commands: [["setbit","a","3","1"],["watch","a"],["setbit","a","3","1"],["multi"],["getbit","a","3"],["exec"],["watch","a"],["setbit","a","3","0"],["multi"],["getbit","a","3"],["exec"],["watch","a"],["bitfield","a","set","u4","0","0"],["multi"],["get","a"],["exec"],["watch","a"],["bitfield","a","set","u4","0","1"],["multi"],["get","a"],["exec"],["multi"],["setbit","b","0","1"],["bitop","or","c","a","b"],["bitcount","c"],["bitfield","c","incrby","u8","0","1"],["exec"]],
    reply: "+OK\r\n:0\r\n+OK\r\n:1\r\n+OK\r\n+QUEUED\r\n*1\r\n:1\r\n+OK\r\n:1\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n*1\r\n:0\r\n+OK\r\n+QUEUED\r\n*1\r\n$1\r\n\u0000\r\n+OK\r\n*1\r\n:0\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*4\r\n:0\r\n:1\r\n:2\r\n*1\r\n:145\r\n",
  },
];

/** A small deterministic generator, so a failing sequence can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Set bits of a plain buffer, bit by bit. */
function modelCount(bytes: Buffer, from: number, to: number): number {
  let count = 0;
  for (let bit = from; bit <= to; bit++) count += (bytes[bit >> 3] >> (7 - (bit & 7))) & 1;
  return count;
}

for (const shards of [1, 3]) {
  describe(`bitmap commands --shards ${shards}`, () => {
    const server = useServerOrStock({ shards, args: ['--enable-debug-command', 'yes'] });
    const client = useClient(server);
    flushBeforeEach(client);

    it.each(SESSIONS)('$name', async (session) => {
      expect(await runSession(server.port, session)).toBe(session.reply);
    });

    it('random SETBIT and BITFIELD SET writes leave the bytes of a plain model; BITCOUNT and BITPOS agree with it', async () => {
      const random = generator(11);
      const model = Buffer.alloc(2048);
      let length = 0;
      const pipeline = client.pipeline();
      for (let i = 0; i < 3000; i++) {
        const offset = Math.floor(random() * model.length * 8 - 64);
        if (offset < 0) continue;
        if (random() < 0.6) {
          const on = random() < 0.5 ? 1 : 0;
          pipeline.setbit('bits', offset, on);
          if (on) model[offset >> 3] |= 1 << (7 - (offset & 7));
          else model[offset >> 3] &= ~(1 << (7 - (offset & 7)));
          length = Math.max(length, (offset >> 3) + 1);
        } else {
          const bits = 1 + Math.floor(random() * 63);
          const value = BigInt(Math.floor(random() * 2 ** 32)) * BigInt(Math.floor(random() * 2 ** 31)) % (1n << BigInt(bits));
          pipeline.call('bitfield', 'bits', 'set', `u${bits}`, String(offset), value.toString());
          for (let j = 0; j < bits; j++) {
            const bit = offset + j;
            if ((value >> BigInt(bits - 1 - j)) & 1n) model[bit >> 3] |= 1 << (7 - (bit & 7));
            else model[bit >> 3] &= ~(1 << (7 - (bit & 7)));
          }
          length = Math.max(length, ((offset + bits - 1) >> 3) + 1);
        }
      }
      await pipeline.exec();
      const expected = model.subarray(0, length);
      expect(Buffer.compare((await client.getBuffer('bits'))!, expected)).toBe(0);
      expect(await client.bitcount('bits')).toBe(modelCount(expected, 0, length * 8 - 1));
      for (let i = 0; i < 50; i++) {
        const from = Math.floor(random() * length * 8);
        const to = from + Math.floor(random() * (length * 8 - from));
        expect(await client.call('bitcount', 'bits', String(from), String(to), 'BIT')).toBe(modelCount(expected, from, to));
        let firstClear = -1;
        for (let bit = from; bit <= to && firstClear < 0; bit++) if (((expected[bit >> 3] >> (7 - (bit & 7))) & 1) === 0) firstClear = bit;
        expect(await client.call('bitpos', 'bits', '0', String(from), String(to), 'BIT')).toBe(firstClear);
      }
    });

    it('BITOP over big strings of every shard equals the bytes computed here', async () => {
      const random = generator(5);
      const keys = Array.from({ length: 3 }, (_, shard) => keysOnShard('big', shard % shards, shards, 1 + Math.floor(shard / shards))[Math.floor(shard / shards)]);
      const values = keys.map((_, i) => Buffer.from(Array.from({ length: 100000 + i * 7919 }, () => Math.floor(random() * 256))));
      for (let i = 0; i < keys.length; i++) await client.set(keys[i], values[i]);
      const longest = Math.max(...values.map((value) => value.length));
      const byteAt = (value: Buffer, j: number): number => (j < value.length ? value[j] : 0);
      const expected = {
        and: Buffer.from(Array.from({ length: longest }, (_, j) => values.reduce((acc, value) => acc & byteAt(value, j), 0xff))),
        or: Buffer.from(Array.from({ length: longest }, (_, j) => values.reduce((acc, value) => acc | byteAt(value, j), 0))),
        xor: Buffer.from(Array.from({ length: longest }, (_, j) => values.reduce((acc, value) => acc ^ byteAt(value, j), 0))),
      };
      for (const op of ['AND', 'OR', 'XOR'] as const) {
        expect(await client.call('bitop', op, 'dest', ...keys)).toBe(longest);
        expect(Buffer.compare((await client.getBuffer('dest'))!, expected[op.toLowerCase() as 'and' | 'or' | 'xor'])).toBe(0);
      }
      expect(await client.bitop('NOT', 'dest', keys[2])).toBe(values[2].length);
      expect(Buffer.compare((await client.getBuffer('dest'))!, Buffer.from(values[2].map((byte) => ~byte & 0xff)))).toBe(0);
    });

    it('grows a string with zero bytes to far offsets, keeping its bits', async () => {
      const MB = 1 << 20;
      expect(await client.setbit('big', 7, 1)).toBe(0);
      expect(await client.setbit('big', 3 * MB * 8 + 7, 1)).toBe(0);
      expect(await client.strlen('big')).toBe(3 * MB + 1);
      expect(await client.call('bitfield', 'big', 'set', 'u8', String(5 * MB * 8), '255', 'get', 'u8', String(3 * MB * 8))).toEqual([0, 1]);
      expect(await client.strlen('big')).toBe(5 * MB + 1);
      expect(await client.bitcount('big')).toBe(10);
      expect(await client.bitpos('big', 1, 1)).toBe(3 * MB * 8 + 7);
      expect(await client.call('bitpos', 'big', '0', String(5 * MB))).toBe((5 * MB + 1) * 8);
      expect(await client.getbit('big', 7)).toBe(1);
    });

    it('answers real clients: numbers, null fields in RESP3, errors', async () => {
      expect(await client.setbit('k', 10, 1)).toBe(0);
      expect(await client.getbit('k', 10)).toBe(1);
      expect(await client.bitpos('k', 1)).toBe(10);
      expect(await client.call('bitfield', 'k', 'get', 'i64', '0', 'overflow', 'fail', 'incrby', 'u8', '0', '-1')).toEqual([9007199254740992, null]);
      expect(await errorOf(client.setbit('k', 10, 2))).toBe('ERR bit is not an integer or out of range');
      const resp3 = await connectResp3(server);
      try {
        expect(await resp3.sendCommand(['BITFIELD', 'k', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '-1', 'GET', 'u8', '0'])).toEqual([null, 0]);
      } finally {
        await resp3.quit();
      }
    });
  });
}

describe('BITOP between shards under a concurrent writer --shards 3', () => {
  const SHARDS = 3;
  const server = useServerOrStock({ shards: SHARDS });
  const client = useClient(server);
  // Two sources on two shards, the destination on the third.
  const [first, second, destination] = Array.from({ length: SHARDS }, (_, shard) => keysOnShard('bitop', shard, SHARDS, 1)[0]);

  it('never sees one source written and the other not: the XOR of two always-equal keys stays zero', async () => {
    const LENGTH = 64;
    await client.del(first, second, destination);
    const writer = await connectIoredis(server);
    const reader = await connectIoredis(server);
    const deadline = Date.now() + 2500;
    const random = generator(3);
    let writes = 0;
    let checks = 0;
    const zeros = Buffer.alloc(LENGTH);
    try {
      await Promise.all([
        (async () => {
          while (Date.now() < deadline) {
            const value = Buffer.from(Array.from({ length: LENGTH }, () => Math.floor(random() * 256)));
            const offset = String(Math.floor(random() * LENGTH * 8));
            const bit = random() < 0.5 ? 1 : 0;
            if (random() < 0.5) await writer.multi().set(first, value).set(second, value).exec();
            else await writer.multi().setbit(first, Number(offset), bit).setbit(second, Number(offset), bit).exec();
            writes++;
          }
        })(),
        (async () => {
          while (Date.now() < deadline) {
            const length = await reader.bitop('XOR', destination, first, second);
            if (length !== 0) expect(Buffer.compare((await reader.getBuffer(destination))!, zeros.subarray(0, length))).toBe(0);
            checks++;
          }
        })(),
      ]);
    } finally {
      writer.disconnect();
      reader.disconnect();
    }
    expect(writes).toBeGreaterThan(50);
    expect(checks).toBeGreaterThan(50);
  });
});
