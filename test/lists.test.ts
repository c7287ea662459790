// The list family against a real server on one, two and three shards: every
// command with its options and error replies, RESP2 and RESP3 shapes, LMOVE,
// RPOPLPUSH and LMPOP between shards (atomic under concurrent clients), lists
// of many nodes against a plain model, COPY/RENAME/MOVE, WATCH, TTLs, SCAN
// TYPE, real clients, and a worker restart that keeps every element.
//
// Each session below was sent, byte for byte, to stock redis-server 7.0.15
// (after a FLUSHALL, pipelined in one write, save where it pauses) and its
// reply recorded; the server must answer the same bytes. With three shards
// "a" lives on shard 2, "b" on 0 and "c" on 1, so the sessions that use
// several keys cross shards. The checks below the sessions hold against stock
// Redis too (STOCK_REDIS_PORT, see helpers/stock-server.ts).

import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { connectIoredis, connectResp3, flushBeforeEach, useClient } from './helpers/clients.ts';
import { keysOnShard } from './helpers/raw-client.ts';
import { runSession, type Session } from './helpers/recorded-sessions.ts';
import { panicThreadOf } from './helpers/threads.ts';
import { STOCK_PORT, useServerOrStock } from './helpers/stock-server.ts';
import { SlotMap } from '../src/cluster/slots.ts';

const SESSIONS: Session[] = [
  {
    name: "LPUSH and RPUSH add at either end and answer the length; LRANGE with every kind of index",
    commands: [["rpush","a","1","2","3"],["lpush","a","0","-1"],["rpush","a","4"],["lrange","a","0","-1"],["lrange","a","1","3"],["lrange","a","-3","-1"],["lrange","a","-100","100"],["lrange","a","5","2"],["lrange","a","7","10"],["lrange","a","-1","-2"],["lrange","a","0","0"],["lrange","nokey","0","-1"],["lrange","a","x","1"],["lrange","a","0","1.5"],["lrange","a","0","9223372036854775807"],["lrange","a","-9223372036854775808","1"],["llen","a"],["llen","nokey"],["type","a"],["object","encoding","a"],["lpush","a"],["rpush","a"]],
    reply: "+OK\r\n:3\r\n:5\r\n:6\r\n*6\r\n$2\r\n-1\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n*3\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n2\r\n*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n*6\r\n$2\r\n-1\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n*0\r\n*0\r\n*0\r\n*1\r\n$2\r\n-1\r\n*0\r\n-ERR value is not an integer or out of range\r\n-ERR value is not an integer or out of range\r\n*6\r\n$2\r\n-1\r\n$1\r\n0\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n*2\r\n$2\r\n-1\r\n$1\r\n0\r\n:6\r\n:0\r\n+list\r\n$9\r\nquicklist\r\n-ERR wrong number of arguments for 'lpush' command\r\n-ERR wrong number of arguments for 'rpush' command\r\n",
  },
  {
    name: "LPUSHX and RPUSHX only on a list that exists",
    commands: [["lpushx","b","x"],["rpushx","b","x","y"],["exists","b"],["rpush","b","m"],["lpushx","b","l1","l2"],["rpushx","b","r1","r2"],["lrange","b","0","-1"],["set","s","v"],["lpushx","s","x"],["rpushx","s","x"],["lpush","s","x"],["rpush","s","x"]],
    reply: "+OK\r\n:0\r\n:0\r\n:0\r\n:1\r\n:3\r\n:5\r\n*5\r\n$2\r\nl2\r\n$2\r\nl1\r\n$1\r\nm\r\n$2\r\nr1\r\n$2\r\nr2\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "LPOP and RPOP, one element or a count, and the key goes with the last one",
    commands: [["rpush","c","a","b","c","d","e","f"],["lpop","c"],["rpop","c"],["lpop","c","2"],["rpop","c","1"],["lpop","c","0"],["lrange","c","0","-1"],["rpop","c","10"],["exists","c"],["lpop","c"],["lpop","c","2"],["lpop","c","0"],["rpop","c","0"],["rpush","c","x"],["lpop","c","-1"],["lpop","c","x"],["lpop","c","1","2"],["rpop","c","1.0"],["lpop","c","9223372036854775807"],["exists","c"],["set","s","v"],["lpop","s"],["rpop","s","2"],["lpop","s","0"]],
    reply: "+OK\r\n:6\r\n$1\r\na\r\n$1\r\nf\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n*1\r\n$1\r\ne\r\n*0\r\n*1\r\n$1\r\nd\r\n*1\r\n$1\r\nd\r\n:0\r\n$-1\r\n*-1\r\n*-1\r\n*-1\r\n:1\r\n-ERR value is out of range, must be positive\r\n-ERR value is out of range, must be positive\r\n-ERR wrong number of arguments for 'lpop' command\r\n-ERR value is out of range, must be positive\r\n*1\r\n$1\r\nx\r\n:0\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "LINDEX and LSET by positive and negative index, and their errors",
    commands: [["rpush","a","x","y","z"],["lindex","a","0"],["lindex","a","2"],["lindex","a","3"],["lindex","a","-1"],["lindex","a","-3"],["lindex","a","-4"],["lindex","a","x"],["lindex","nokey","0"],["lindex","nokey","x"],["lset","a","1","Y"],["lset","a","-1","Z"],["lset","a","3","w"],["lset","a","-4","w"],["lset","a","x","w"],["lset","nokey","0","w"],["lset","nokey","x","w"],["lrange","a","0","-1"],["set","s","v"],["lindex","s","0"],["lset","s","0","v"]],
    reply: "+OK\r\n:3\r\n$1\r\nx\r\n$1\r\nz\r\n$-1\r\n$1\r\nz\r\n$1\r\nx\r\n$-1\r\n-ERR value is not an integer or out of range\r\n$-1\r\n$-1\r\n+OK\r\n+OK\r\n-ERR index out of range\r\n-ERR index out of range\r\n-ERR value is not an integer or out of range\r\n-ERR no such key\r\n-ERR no such key\r\n*3\r\n$1\r\nx\r\n$1\r\nY\r\n$1\r\nZ\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "LINSERT before and after the first match; -1 without the pivot, 0 without the key",
    commands: [["rpush","a","a","b","c","b"],["linsert","a","before","b","X"],["linsert","a","AFTER","b","Y"],["linsert","a","after","c","Z"],["linsert","a","before","a","W"],["linsert","a","before","nope","Q"],["linsert","nokey","before","a","Q"],["linsert","a","middle","a","Q"],["linsert","nokey","middle","a","Q"],["lrange","a","0","-1"],["llen","a"],["set","s","v"],["linsert","s","before","a","x"]],
    reply: "+OK\r\n:4\r\n:5\r\n:6\r\n:7\r\n:8\r\n:-1\r\n:0\r\n-ERR syntax error\r\n-ERR syntax error\r\n*8\r\n$1\r\nW\r\n$1\r\na\r\n$1\r\nX\r\n$1\r\nb\r\n$1\r\nY\r\n$1\r\nc\r\n$1\r\nZ\r\n$1\r\nb\r\n:8\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "LREM from the head, from the tail, and all; the key goes when emptied",
    commands: [["rpush","a","x","y","x","z","x","y","x"],["lrem","a","2","x"],["lrange","a","0","-1"],["lrem","a","-1","y"],["lrange","a","0","-1"],["lrem","a","0","x"],["lrange","a","0","-1"],["lrem","a","5","nope"],["lrem","a","0","y"],["lrem","a","0","z"],["exists","a"],["lrem","nokey","1","x"],["lrem","a","x","y"],["rpush","b","q"],["lrem","b","1.5","q"],["lrem","b","-9223372036854775808","q"],["exists","b"]],
    reply: "+OK\r\n:7\r\n:2\r\n*5\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nx\r\n:1\r\n*4\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\nx\r\n$1\r\nx\r\n:2\r\n*2\r\n$1\r\ny\r\n$1\r\nz\r\n:0\r\n:1\r\n:1\r\n:0\r\n:0\r\n-ERR value is not an integer or out of range\r\n:1\r\n-ERR value is not an integer or out of range\r\n:1\r\n:0\r\n",
  },
  {
    name: "LTRIM keeps a range, empties a list with an empty range, and its errors",
    commands: [["rpush","a","0","1","2","3","4","5","6","7"],["ltrim","a","1","-2"],["lrange","a","0","-1"],["ltrim","a","-3","100"],["lrange","a","0","-1"],["ltrim","a","1","1"],["lrange","a","0","-1"],["ltrim","a","5","10"],["exists","a"],["ltrim","nokey","0","1"],["rpush","b","x","y"],["ltrim","b","2","1"],["exists","b"],["rpush","b","x"],["ltrim","b","x","1"],["ltrim","b","-100","-50"],["exists","b"],["set","s","v"],["ltrim","s","0","1"]],
    reply: "+OK\r\n:8\r\n+OK\r\n*6\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n+OK\r\n*3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n+OK\r\n*1\r\n$1\r\n5\r\n+OK\r\n:0\r\n+OK\r\n:2\r\n+OK\r\n:0\r\n:1\r\n-ERR value is not an integer or out of range\r\n+OK\r\n:0\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "LPOS with RANK, COUNT and MAXLEN, and its errors",
    commands: [["rpush","a","a","b","c","1","2","3","c","c"],["lpos","a","c"],["lpos","a","c","rank","1"],["lpos","a","c","rank","2"],["lpos","a","c","rank","-1"],["lpos","a","c","rank","-2"],["lpos","a","c","rank","4"],["lpos","a","c","count","0"],["lpos","a","c","count","2"],["lpos","a","c","count","2","rank","-1"],["lpos","a","c","count","0","maxlen","7"],["lpos","a","c","maxlen","2"],["lpos","a","c","count","0","maxlen","1","rank","-1"],["lpos","a","x"],["lpos","a","x","count","5"],["lpos","nokey","a"],["lpos","nokey","a","count","1"],["lpos","a","c","rank","0"],["lpos","a","c","count","-1"],["lpos","a","c","maxlen","-1"],["lpos","a","c","rank","x"],["lpos","a","c","count","x"],["lpos","a","c","maxlen","x"],["lpos","a","c","rank"],["lpos","a","c","foo","1"],["lpos","a","c","rank","-9223372036854775808"],["lpos","a","c","rank","-9223372036854775808","count","0"],["lpos","nokey","a","rank","0"],["set","s","v"],["lpos","s","a"],["lpos","s","a","rank","0"]],
    reply: "+OK\r\n:8\r\n:2\r\n:2\r\n:6\r\n:7\r\n:6\r\n$-1\r\n*3\r\n:2\r\n:6\r\n:7\r\n*2\r\n:2\r\n:6\r\n*2\r\n:7\r\n:6\r\n*2\r\n:2\r\n:6\r\n$-1\r\n*1\r\n:7\r\n$-1\r\n*0\r\n$-1\r\n*0\r\n-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n-ERR COUNT can't be negative\r\n-ERR MAXLEN can't be negative\r\n-ERR value is not an integer or out of range\r\n-ERR COUNT can't be negative\r\n-ERR MAXLEN can't be negative\r\n-ERR syntax error\r\n-ERR syntax error\r\n:7\r\n*3\r\n:7\r\n:6\r\n:2\r\n-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n",
  },
  {
    name: "LMOVE between every pair of ends, RPOPLPUSH, a list moved onto itself",
    commands: [["rpush","a","1","2","3"],["lmove","a","b","left","right"],["lmove","a","b","right","left"],["lmove","a","b","LEFT","LEFT"],["lrange","a","0","-1"],["lrange","b","0","-1"],["exists","a"],["rpush","a","x","y","z"],["lmove","a","a","left","right"],["lrange","a","0","-1"],["lmove","a","a","right","left"],["lrange","a","0","-1"],["rpoplpush","a","c"],["rpoplpush","a","a"],["lrange","a","0","-1"],["lrange","c","0","-1"],["lmove","nokey","b","left","left"],["rpoplpush","nokey","b"],["lmove","a","b","up","left"],["lmove","a","b","left","down"],["set","s","v"],["lmove","s","b","left","left"],["lmove","a","s","left","left"],["rpoplpush","a","s"],["lmove","nokey","s","left","left"],["lrange","a","0","-1"],["lmove","c","b","left","right"],["exists","c"]],
    reply: "+OK\r\n:3\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n2\r\n*0\r\n*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n1\r\n:0\r\n:3\r\n$1\r\nx\r\n*3\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\nx\r\n$1\r\nx\r\n*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\nz\r\n$1\r\ny\r\n*2\r\n$1\r\ny\r\n$1\r\nx\r\n*1\r\n$1\r\nz\r\n$-1\r\n$-1\r\n-ERR syntax error\r\n-ERR syntax error\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$-1\r\n*2\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\nz\r\n:0\r\n",
  },
  {
    name: "LMPOP from the first non-empty list, with COUNT, and its errors",
    commands: [["rpush","b","1","2","3","4"],["rpush","c","x"],["lmpop","3","a","b","c","left"],["lmpop","3","a","b","c","right","count","2"],["lmpop","2","a","c","left","count","10"],["lmpop","1","a","left"],["lmpop","2","a","b","RIGHT","COUNT","1"],["exists","b"],["lmpop","0","a","left"],["lmpop","-1","a","left"],["lmpop","x","a","left"],["lmpop","1","a","middle"],["lmpop","1","a","left","count","0"],["lmpop","1","a","left","count","-1"],["lmpop","1","a","left","count","x"],["lmpop","1","a","left","count","1","count","1"],["lmpop","1","a","left","foo"],["lmpop","3","a","left"],["lmpop","2","a","b"],["set","s","v"],["rpush","d","z"],["lmpop","2","s","d","left"],["lmpop","2","d","s","left"],["lmpop","2","nokey","s","left"]],
    reply: "+OK\r\n:4\r\n:1\r\n*2\r\n$1\r\nb\r\n*1\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n*2\r\n$1\r\n4\r\n$1\r\n3\r\n*2\r\n$1\r\nc\r\n*1\r\n$1\r\nx\r\n*-1\r\n*2\r\n$1\r\nb\r\n*1\r\n$1\r\n2\r\n:0\r\n-ERR numkeys should be greater than 0\r\n-ERR numkeys should be greater than 0\r\n-ERR numkeys should be greater than 0\r\n-ERR syntax error\r\n-ERR count should be greater than 0\r\n-ERR count should be greater than 0\r\n-ERR count should be greater than 0\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n+OK\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n*2\r\n$1\r\nd\r\n*1\r\n$1\r\nz\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "RESP3: empty and missing replies of the list commands",
    commands: [["hello","3"],["lpop","nokey"],["lpop","nokey","2"],["lpop","nokey","0"],["lindex","nokey","0"],["lrange","nokey","0","1"],["lpos","nokey","a"],["lpos","nokey","a","count","0"],["lmove","nokey","x","left","left"],["lmpop","1","nokey","left"],["rpush","a","v"],["lpos","a","q"],["lpop","a","0"],["lmpop","1","a","left"]],
    reply: "+OK\r\n%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:ID\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n_\r\n_\r\n_\r\n_\r\n*0\r\n_\r\n*0\r\n_\r\n_\r\n:1\r\n_\r\n*0\r\n*2\r\n$1\r\na\r\n*1\r\n$1\r\nv\r\n",
  },
];

/** Sessions that need DEBUG (its digests), recorded from a stock server started with --enable-debug-command yes. */
const DEBUG_SESSIONS: Session[] = [
  {
    name: "COPY, RENAME, MOVE and SWAPDB of a list between shards keep its elements, their order and its TTL; DEBUG DIGEST-VALUE as Redis's",
    commands: [["rpush","a","1","2","3","x","y"],["pexpire","a","1000499"],["debug","digest-value","a"],["copy","a","b"],["lrange","b","0","-1"],["ttl","b"],["debug","digest-value","b"],["rename","b","c"],["lrange","c","0","-1"],["ttl","c"],["exists","b"],["copy","c","a"],["copy","c","a","replace"],["move","c","1"],["select","1"],["lrange","c","0","-1"],["ttl","c"],["swapdb","0","1"],["lrange","c","0","-1"],["select","0"],["lrange","c","0","-1"],["renamenx","c","a"],["renamenx","c","d"],["lrange","d","0","-1"],["type","d"],["object","encoding","d"],["debug","digest-value","d","nokey"]],
    reply: "+OK\r\n:5\r\n:1\r\n*1\r\n+31e3e61867b0d88f2675824f81280cc0daae46fb\r\n:1\r\n*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\nx\r\n$1\r\ny\r\n:1000\r\n*1\r\n+31e3e61867b0d88f2675824f81280cc0daae46fb\r\n+OK\r\n*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\nx\r\n$1\r\ny\r\n:1000\r\n:0\r\n:0\r\n:1\r\n:1\r\n+OK\r\n*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\nx\r\n$1\r\ny\r\n:1000\r\n+OK\r\n*0\r\n+OK\r\n*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\nx\r\n$1\r\ny\r\n:1\r\n-ERR no such key\r\n*0\r\n+none\r\n$-1\r\n*2\r\n+0000000000000000000000000000000000000000\r\n+0000000000000000000000000000000000000000\r\n",
  },
  {
    name: "WATCH of a list fails EXEC once the list changes; list commands queued in MULTI",
    commands: [["rpush","a","1"],["watch","a"],["rpush","a","2"],["multi"],["lpop","a"],["exec"],["watch","a"],["lrange","a","0","-1"],["multi"],["lpush","a","0"],["lmove","a","b","left","right"],["rpoplpush","b","c"],["lrange","a","0","-1"],["lpos","c","0"],["exec"],["lrange","c","0","-1"],["watch","c"],["lset","c","0","changed"],["multi"],["llen","c"],["exec"],["watch","c"],["lset","c","5","never"],["multi"],["llen","c"],["exec"]],
    reply: "+OK\r\n:1\r\n+OK\r\n:2\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*5\r\n:3\r\n$1\r\n0\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n:0\r\n*1\r\n$1\r\n0\r\n+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n-ERR index out of range\r\n+OK\r\n+QUEUED\r\n*1\r\n:1\r\n",
  },
  {
    name: "SCAN TYPE list, TYPE, OBJECT ENCODING, and a list expiring",
    commands: [["rpush","l1","a"],["rpush","l2","b"],["set","s","v"],["hset","h","f","v"],["type","l1"],["object","encoding","l2"],["pexpire","l1","1"],20,["lrange","l1","0","-1"],["exists","l1"],["llen","l1"]],
    reply: "+OK\r\n:1\r\n:1\r\n+OK\r\n:1\r\n+list\r\n$9\r\nquicklist\r\n:1\r\n*0\r\n:0\r\n:0\r\n",
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

for (const shards of [1, 2, 3]) {
  describe(`list commands --shards ${shards}`, () => {
    const server = useServerOrStock({ shards, args: ['--enable-debug-command', 'yes'] });
    const client = useClient(server);
    flushBeforeEach(client);

    it.each([...SESSIONS, ...DEBUG_SESSIONS])('$name', async (session) => {
      expect(await runSession(server.port, session)).toBe(session.reply);
    });

    // A threshold (DEBUG QUICKLIST-PACKED-THRESHOLD; 0: the default) puts elements at least that long in plain nodes of their own.
    for (const [fill, depth, threshold] of [['-2', '0', '0'], ['4', '0', '0'], ['-1', '0', '0'], ['4', '1', '0'], ['-2', '2', '0'], ['4', '1', '3b'], ['-2', '2', '100b'], ['1', '1', '1']]) {
      const thresholdNote = threshold === '0' ? '' : `, quicklist-packed-threshold ${threshold}`;
      it(`keeps long lists of many nodes as a plain model does, through every edit (list-max-listpack-size ${fill}, list-compress-depth ${depth}${thresholdNote})`, async () => {
        expect(await client.config('SET', 'list-max-listpack-size', fill)).toBe('OK');
        expect(await client.config('SET', 'list-compress-depth', depth)).toBe('OK');
        if (threshold !== '0') expect(await client.call('debug', 'quicklist-packed-threshold', threshold)).toBe('OK');
        try {
          const random = generator(shards * 1000 + Number(fill) * 10 + Number(depth) + parseInt(threshold, 10) * 100);
          const model: string[] = [];
          const key = 'long';
          const value = (): string => (random() < 0.1 ? 'v'.repeat(Math.floor(random() * 5000)) : `e${Math.floor(random() * 50)}`);
          for (let round = 0; round < 300; round++) {
            const choice = random();
            const index = Math.floor(random() * (model.length + 1));
            if (choice < 0.35 || model.length === 0) {
              const values = Array.from({ length: 1 + Math.floor(random() * 40) }, value);
              if (random() < 0.5) {
                await client.rpush(key, ...values);
                model.push(...values);
              } else {
                await client.lpush(key, ...values);
                model.unshift(...values.reverse());
              }
            } else if (choice < 0.45) {
              const pivot = model[Math.min(index, model.length - 1)];
              const inserted = value();
              await client.linsert(key, 'AFTER', pivot, inserted);
              model.splice(model.indexOf(pivot) + 1, 0, inserted);
            } else if (choice < 0.55 && index < model.length) {
              const replaced = value();
              await client.lset(key, index, replaced);
              model[index] = replaced;
            } else if (choice < 0.65) {
              const target = `e${Math.floor(random() * 50)}`;
              const count = Math.floor(random() * 5) - 2;
              const removed = await client.lrem(key, count, target);
              const positions = model.flatMap((item, at) => (item === target ? [at] : []));
              const chosen = count === 0 ? positions : count > 0 ? positions.slice(0, count) : positions.slice(count);
              expect(removed).toBe(chosen.length);
              for (const at of chosen.reverse()) model.splice(at, 1);
            } else if (choice < 0.75) {
              const count = Math.floor(random() * 30);
              const fromHead = random() < 0.5;
              const popped = fromHead ? await client.lpop(key, count) : await client.rpop(key, count);
              const taken = Math.min(count, model.length);
              const expected = fromHead ? model.slice(0, taken) : model.slice(model.length - taken).reverse();
              expect(popped).toEqual(model.length === 0 ? null : expected);
              if (fromHead) model.splice(0, taken);
              else model.splice(model.length - taken, taken);
            } else if (choice < 0.8 && model.length > 10) {
              const start = Math.floor(random() * 5);
              const stop = -1 - Math.floor(random() * 5);
              await client.ltrim(key, start, stop);
              model.splice(0, start);
              model.splice(model.length + stop + 1);
            } else {
              const from = Math.floor(random() * Math.max(1, model.length));
              const stop = from + Math.floor(random() * 60);
              expect(await client.lrange(key, from, stop)).toEqual(model.slice(from, stop + 1));
              if (model.length > 0) expect(await client.lindex(key, -1 - (from % model.length))).toBe(model[model.length - 1 - (from % model.length)]);
            }
            expect(await client.llen(key)).toBe(model.length);
          }
          expect(await client.lrange(key, 0, -1)).toEqual(model);
          if (model.length > 0) {
            expect(await client.lpos(key, model[model.length - 1], 'RANK', -1)).toBe(model.lastIndexOf(model[model.length - 1]));
            expect(await client.call('object', 'encoding', key)).toBe('quicklist');
          }
        } finally {
          await client.config('SET', 'list-max-listpack-size', '-2');
          await client.config('SET', 'list-compress-depth', '0');
          if (threshold !== '0') await client.call('debug', 'quicklist-packed-threshold', '0');
        }
      });
    }

    it('answers node-redis (RESP3) and ioredis pipelines', async () => {
      const resp3 = await connectResp3(server);
      try {
        expect(await resp3.rPush('q', ['1', '2', '3'])).toBe(3);
        expect(await resp3.lRange('q', 0, -1)).toEqual(['1', '2', '3']);
        expect(await resp3.lPopCount('q', 2)).toEqual(['1', '2']);
        expect(await resp3.lmPop(['none', 'q'], 'RIGHT')).toEqual(['q', ['3']]);
        expect(await resp3.lPop('q')).toBeNull();
      } finally {
        await resp3.quit();
      }
      const replies = await client.pipeline().rpush('p', 'x', 'y').lmove('p', 'p2', 'LEFT', 'RIGHT').rpoplpush('p', 'p2').lrange('p2', 0, -1).exists('p').exec();
      expect(replies).toEqual([[null, 2], [null, 'x'], [null, 'y'], [null, ['y', 'x']], [null, 0]]);
    });

    it('holds the nodes inside a long list compressed under list-compress-depth, in less memory', async () => {
      const elements = Array.from({ length: 5000 }, (_, i) => `a repetitive element number ${i % 10}`);
      await client.rpush('plain', ...elements);
      expect(await client.config('SET', 'list-compress-depth', '1')).toBe('OK');
      try {
        await client.rpush('packed', ...elements);
        const [plain, packed] = [Number(await client.call('memory', 'usage', 'plain', 'samples', '0')), Number(await client.call('memory', 'usage', 'packed', 'samples', '0'))];
        expect(packed).toBeLessThan(plain / 2);
        expect(await client.lrange('packed', 2000, 2004)).toEqual(elements.slice(2000, 2005));
        expect(await client.lindex('packed', 2500)).toBe(elements[2500]);
        expect(await client.lset('packed', 2503, 'replaced')).toBe('OK');
        expect(await client.linsert('packed', 'BEFORE', 'replaced', 'inserted')).toBe(5001);
        expect(await client.lrem('packed', 0, elements[7])).toBe(500);
        const expected = [...elements.slice(0, 2503), 'inserted', 'replaced', ...elements.slice(2504)].filter((element) => element !== elements[7]);
        expect(await client.lrange('packed', 0, -1)).toEqual(expected);
      } finally {
        await client.config('SET', 'list-compress-depth', '0');
      }
    });

    it('frees every node of a deleted list', async () => {
      if (STOCK_PORT !== undefined) return;
      await client.rpush('warm', 'x');
      await client.del('warm');
      // The dataset's bytes: what the keys hold in the arena, without the heap's ups and downs.
      const before = Number(/used_memory_dataset:(\d+)/.exec(await client.info('memory'))?.[1]);
      for (let i = 0; i < 20; i++) await client.rpush('freed', ...Array.from({ length: 500 }, (_, j) => `element-${i}-${j}`));
      const usage = Number(await client.call('memory', 'usage', 'freed'));
      expect(usage).toBeGreaterThan(10000 * 'element-0-0'.length);
      await client.del('freed');
      const after = Number(/used_memory_dataset:(\d+)/.exec(await client.info('memory'))?.[1]);
      expect(Math.abs(after - before)).toBeLessThan(1024);
    });
  });
}

describe('LMOVE and RPOPLPUSH between shards under concurrent clients --shards 3', () => {
  const SHARDS = 3;
  const server = useServerOrStock({ shards: SHARDS });
  const client = useClient(server);
  const lists = Array.from({ length: SHARDS }, (_, shard) => keysOnShard('ring', shard, SHARDS, 1)[0]);
  const TOKENS = Array.from({ length: 30 }, (_, i) => `token-${i}`);

  it('never shows a token twice or nowhere, whatever moves run meanwhile', async () => {
    await client.del(...lists);
    await client.rpush(lists[0], ...TOKENS);
    const movers = await Promise.all(Array.from({ length: 8 }, () => connectIoredis(server)));
    const auditor = await connectIoredis(server);
    const deadline = Date.now() + 3000;
    let moves = 0;
    let audits = 0;
    const random = generator(7);
    try {
      await Promise.all([
        ...movers.map(async (mover) => {
          while (Date.now() < deadline) {
            const from = lists[Math.floor(random() * SHARDS)];
            const to = lists[Math.floor(random() * SHARDS)];
            if (random() < 0.5) await mover.call('lmove', from, to, random() < 0.5 ? 'LEFT' : 'RIGHT', random() < 0.5 ? 'LEFT' : 'RIGHT');
            else await mover.rpoplpush(from, to);
            moves++;
          }
        }),
        (async () => {
          while (Date.now() < deadline) {
            const replies = (await auditor.multi().lrange(lists[0], 0, -1).lrange(lists[1], 0, -1).lrange(lists[2], 0, -1).exec()) ?? [];
            const seen = replies.flatMap(([, value]) => value as string[]);
            expect(seen.sort()).toEqual([...TOKENS].sort());
            audits++;
          }
        })(),
      ]);
    } finally {
      for (const connection of [...movers, auditor]) connection.disconnect();
    }
    expect(moves).toBeGreaterThan(100);
    expect(audits).toBeGreaterThan(10);
  });
});

describe('a worker restart keeps lists', () => {
  const SHARDS = 3;
  const server = useServerOrStock({ shards: SHARDS, args: ['--enable-debug-command', 'yes'] });

  it.skipIf(STOCK_PORT !== undefined)('every element of the lists on the dead thread is still there, in order, and the lists keep working', async () => {
    const writer = await connectIoredis(server, { retryStrategy: () => null });
    const keys = Array.from({ length: SHARDS }, (_, shard) => keysOnShard('list:', shard, SHARDS, 1)[0]);
    const elements = Array.from({ length: 5000 }, (_, i) => `element-${i}`);
    for (const key of keys) {
      await writer.rpush(key, ...elements);
      await writer.expire(key, 1000);
    }
    const digestBefore = await writer.debug('digest');
    const dead = await panicThreadOf(server);
    const reader: Redis = await connectIoredis(server);
    for (const key of keys) {
      expect(await reader.lrange(key, 0, -1)).toEqual(elements);
      expect(await reader.ttl(key)).toBeGreaterThan(900);
    }
    expect(await reader.debug('digest')).toBe(digestBefore);
    const deadKey = keys.find((key) => new SlotMap(SlotMap.allocate(SHARDS)).shardOfKey(Buffer.from(key)) === dead) as string;
    expect(await reader.lpush(deadKey, 'first')).toBe(5001);
    expect(await reader.lpop(deadKey, 2)).toEqual(['first', 'element-0']);
    expect(await reader.linsert(deadKey, 'BEFORE', 'element-2500', 'middle')).toBe(5000);
    expect(await reader.lindex(deadKey, 2499)).toBe('middle');
    for (const connection of [writer, reader]) connection.disconnect();
  });
});
