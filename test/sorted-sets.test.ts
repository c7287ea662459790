// The sorted set family against a real server on one and two shards: every
// command with its options and error replies, RESP2 and RESP3 shapes,
// ZRANGESTORE, ZMPOP and the ZUNION / ZINTER / ZDIFF family between shards,
// the listpack -> skiplist conversion under its settings, COPY / RENAME /
// MOVE, WATCH, TTLs, SCAN TYPE; big sorted sets against a plain model;
// ZRANDMEMBER and ZSCAN, whose output is the server's own, checked against
// the data.
//
// Each session below was sent, byte for byte, to stock redis-server 7.0.15
// (after a FLUSHALL, pipelined in one write, save where it pauses) and its
// reply recorded; the server must answer the same bytes. With two shards "a"
// and "b" live on different shards, so sessions that use both cross shards.
// The checks below the sessions hold against stock Redis too
// (STOCK_REDIS_PORT, see helpers/stock-server.ts).

import { describe, expect, it } from 'vitest';
import { connectResp3, flushBeforeEach, useClient } from './helpers/clients.ts';
import { runSession, type Session } from './helpers/recorded-sessions.ts';
import { useServerOrStock } from './helpers/stock-server.ts';

const SESSIONS: Session[] = [
  {
    name: "ZADD adds and updates; NX XX GT LT CH INCR and their conflicts; ZCARD, ZSCORE, TYPE, OBJECT ENCODING",
    commands: [["zadd","a","1","x","2","y","3","z"],["zadd","a","10","x","0","w"],["zcard","a"],["zscore","a","x"],["zscore","a","nope"],["zscore","nokey","x"],["zadd","a","nx","5","x","5","v"],["zadd","a","xx","6","x","6","u"],["zadd","a","xx","ch","7","x","7","t"],["zadd","a","ch","7","x","8","y"],["zadd","a","gt","1","x"],["zadd","a","gt","ch","100","x"],["zadd","a","lt","ch","100","x","-1","y"],["zadd","a","xx","gt","ch","200","x"],["zadd","a","xx","lt","ch","300","x"],["zadd","a","incr","5","x"],["zadd","a","incr","1","new"],["zadd","a","nx","incr","1","x"],["zadd","a","xx","incr","1","absent"],["zadd","a","gt","incr","-1","x"],["zadd","a","lt","incr","-1","x"],["zadd","a","nx","xx","1","x"],["zadd","a","nx","gt","1","x"],["zadd","a","nx","lt","1","x"],["zadd","a","gt","lt","1","x"],["zadd","a","incr","1","x","2","y"],["zadd","a","1"],["zadd","a","1","x","2"],["zadd","a","nx"],["zadd","a","x","y"],["zadd","a","1","x","nan","y"],["zadd","a","inf","pinf","-inf","ninf","+inf","p2","-INFINITY","n2"],["zadd","a"," 1","s"],["zadd","a","1 ","s"],["zadd","a","","s"],["zadd","a","1e999","s"],["zadd","a","0x10","hex"],["zadd","a","1e-400","s"],["zadd","a","1.5e3","e"],["zadd","a","-0","negzero"],["zrange","a","0","-1","withscores"],["zcard","nokey"],["type","a"],["object","encoding","a"],["zadd","nokey2","xx","1","x"],["exists","nokey2"],["zadd","nokey2","xx","incr","1","x"],["set","s","v"],["zadd","s","1","x"],["zcard","s"],["zscore","s","x"],["zadd","a"],["zcard","a","b"]],
    reply: "+OK\r\n:3\r\n:1\r\n:4\r\n$2\r\n10\r\n$-1\r\n$-1\r\n:1\r\n:0\r\n:1\r\n:1\r\n:0\r\n:1\r\n:1\r\n:1\r\n:0\r\n$3\r\n205\r\n$1\r\n1\r\n$-1\r\n$-1\r\n$-1\r\n$3\r\n204\r\n-ERR XX and NX options at the same time are not compatible\r\n-ERR GT, LT, and/or NX options at the same time are not compatible\r\n-ERR GT, LT, and/or NX options at the same time are not compatible\r\n-ERR GT, LT, and/or NX options at the same time are not compatible\r\n-ERR INCR option supports a single increment-element pair\r\n-ERR wrong number of arguments for 'zadd' command\r\n-ERR syntax error\r\n-ERR wrong number of arguments for 'zadd' command\r\n-ERR value is not a valid float\r\n-ERR value is not a valid float\r\n:4\r\n-ERR value is not a valid float\r\n-ERR value is not a valid float\r\n-ERR value is not a valid float\r\n-ERR value is not a valid float\r\n:1\r\n-ERR value is not a valid float\r\n:1\r\n:1\r\n*26\r\n$2\r\nn2\r\n$4\r\n-inf\r\n$4\r\nninf\r\n$4\r\n-inf\r\n$1\r\ny\r\n$2\r\n-1\r\n$7\r\nnegzero\r\n$1\r\n0\r\n$1\r\nw\r\n$1\r\n0\r\n$3\r\nnew\r\n$1\r\n1\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\nv\r\n$1\r\n5\r\n$3\r\nhex\r\n$2\r\n16\r\n$1\r\nx\r\n$3\r\n204\r\n$1\r\ne\r\n$4\r\n1500\r\n$2\r\np2\r\n$3\r\ninf\r\n$4\r\npinf\r\n$3\r\ninf\r\n:0\r\n+zset\r\n$8\r\nlistpack\r\n:0\r\n:0\r\n$-1\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR wrong number of arguments for 'zadd' command\r\n-ERR wrong number of arguments for 'zcard' command\r\n",
  },
  {
    name: "ZINCRBY, and scores that would be NaN",
    commands: [["zincrby","a","1","x"],["zincrby","a","2.5","x"],["zincrby","a","-0.5","x"],["zincrby","a","x","y"],["zincrby","a","inf","x"],["zincrby","a","-inf","x"],["zscore","a","x"],["zadd","a","incr","-inf","x"],["zincrby","a","1e308","big"],["zincrby","a","1e308","big"],["zincrby","a","0.1","f"],["zincrby","a","0.2","f"],["zrange","a","0","-1","withscores"],["zincrby","a","nx","1"],["set","s","v"],["zincrby","s","1","x"]],
    reply: "+OK\r\n$1\r\n1\r\n$3\r\n3.5\r\n$1\r\n3\r\n-ERR value is not a valid float\r\n$3\r\ninf\r\n-ERR resulting score is not a number (NaN)\r\n$3\r\ninf\r\n-ERR resulting score is not a number (NaN)\r\n$6\r\n1e+308\r\n$3\r\ninf\r\n$19\r\n0.10000000000000001\r\n$19\r\n0.30000000000000004\r\n*6\r\n$1\r\nf\r\n$19\r\n0.30000000000000004\r\n$3\r\nbig\r\n$3\r\ninf\r\n$1\r\nx\r\n$3\r\ninf\r\n-ERR syntax error\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "ZMSCORE, ZRANK and ZREVRANK",
    commands: [["zadd","a","1","a","2","b","3","c","3","d"],["zmscore","a","a","nope","d"],["zmscore","nokey","a","b"],["zmscore","a"],["zrank","a","a"],["zrank","a","d"],["zrevrank","a","a"],["zrevrank","a","d"],["zrank","a","nope"],["zrank","nokey","a"],["zrevrank","nokey","a"],["set","s","v"],["zrank","s","a"],["zmscore","s","a"],["zrank","a","a","withscore"]],
    reply: "+OK\r\n:4\r\n*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n*2\r\n$-1\r\n$-1\r\n-ERR wrong number of arguments for 'zmscore' command\r\n:0\r\n:3\r\n:3\r\n:0\r\n$-1\r\n$-1\r\n$-1\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR wrong number of arguments for 'zrank' command\r\n",
  },
  {
    name: "ZRANGE by rank, REV, WITHSCORES; ZREVRANGE; its errors",
    commands: [["zadd","a","1","a","2","b","3","c","4","d","5","e"],["zrange","a","0","-1"],["zrange","a","1","3","withscores"],["zrange","a","-2","-1"],["zrange","a","-100","100"],["zrange","a","3","1"],["zrange","a","5","10"],["zrange","a","0","-1","rev"],["zrange","a","0","1","rev","withscores"],["zrevrange","a","0","-1"],["zrevrange","a","1","2","withscores"],["zrevrange","a","0","0","rev"],["zrange","a","x","1"],["zrange","a","0","1","limit","0","1"],["zrange","a","0","1","foo"],["zrange","nokey","0","-1"],["zrange","a","0","9223372036854775807"],["zrange","a","0","-1","WITHSCORES","WITHSCORES"],["set","s","v"],["zrange","s","0","-1"],["zrange","s","x","1"]],
    reply: "+OK\r\n:5\r\n*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n*2\r\n$1\r\nd\r\n$1\r\ne\r\n*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n*0\r\n*0\r\n*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n-ERR syntax error\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n-ERR syntax error\r\n*0\r\n*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR value is not an integer or out of range\r\n",
  },
  {
    name: "ZRANGE BYSCORE and ZRANGEBYSCORE / ZREVRANGEBYSCORE with exclusive bounds, infinities and LIMIT",
    commands: [["zadd","a","-inf","ninf","1","a","2","b","2","bb","3","c","4","d","inf","pinf"],["zrangebyscore","a","-inf","+inf"],["zrangebyscore","a","2","3","withscores"],["zrangebyscore","a","(2","3"],["zrangebyscore","a","2","(3"],["zrangebyscore","a","(2","(3"],["zrangebyscore","a","(1","(1"],["zrangebyscore","a","3","2"],["zrangebyscore","a","-inf","2","limit","1","2"],["zrangebyscore","a","-inf","inf","limit","2","-1"],["zrangebyscore","a","-inf","inf","limit","-1","2"],["zrangebyscore","a","-inf","inf","limit","0","0"],["zrangebyscore","a","-inf","inf","limit","100","1"],["zrevrangebyscore","a","+inf","-inf"],["zrevrangebyscore","a","3","2","withscores"],["zrevrangebyscore","a","(3","-inf","limit","1","2"],["zrevrangebyscore","a","2","3"],["zrange","a","2","3","byscore"],["zrange","a","3","2","byscore","rev"],["zrange","a","(1","+inf","byscore","limit","1","3","withscores"],["zrange","a","+inf","(1","byscore","rev","limit","1","3"],["zrangebyscore","a","x","1"],["zrangebyscore","a","1","(x"],["zrangebyscore","a","nan","1"],["zrangebyscore","a","( 1","3"],["zrangebyscore","a","","3"],["zrangebyscore","a","(","3"],["zrangebyscore","a","1e999","inf"],["zrangebyscore","a","0x1","2"],["zrangebyscore","a","1","2","limit","1"],["zrangebyscore","a","1","2","limit","x","1"],["zrangebyscore","a","1","2","foo"],["zrangebyscore","a","1","2","rev"],["zrangebyscore","a","1","2","byscore"],["zrange","a","1","2","byscore","bylex"],["zrange","a","1","2","bylex","withscores"],["zrangebyscore","nokey","1","2"],["zcount","a","2","3"],["zcount","a","(2","+inf"],["zcount","a","-inf","+inf"],["zcount","a","3","2"],["zcount","a","x","2"],["zcount","nokey","1","2"],["set","s","v"],["zcount","s","1","2"],["zrangebyscore","s","1","2"]],
    reply: "+OK\r\n:7\r\n*7\r\n$4\r\nninf\r\n$1\r\na\r\n$1\r\nb\r\n$2\r\nbb\r\n$1\r\nc\r\n$1\r\nd\r\n$4\r\npinf\r\n*6\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nbb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n*1\r\n$1\r\nc\r\n*2\r\n$1\r\nb\r\n$2\r\nbb\r\n*0\r\n*0\r\n*0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n*5\r\n$1\r\nb\r\n$2\r\nbb\r\n$1\r\nc\r\n$1\r\nd\r\n$4\r\npinf\r\n*0\r\n*0\r\n*0\r\n*7\r\n$4\r\npinf\r\n$1\r\nd\r\n$1\r\nc\r\n$2\r\nbb\r\n$1\r\nb\r\n$1\r\na\r\n$4\r\nninf\r\n*6\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nbb\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nb\r\n$1\r\na\r\n*0\r\n*3\r\n$1\r\nb\r\n$2\r\nbb\r\n$1\r\nc\r\n*3\r\n$1\r\nc\r\n$2\r\nbb\r\n$1\r\nb\r\n*6\r\n$2\r\nbb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n*3\r\n$1\r\nd\r\n$1\r\nc\r\n$2\r\nbb\r\n-ERR min or max is not a float\r\n-ERR min or max is not a float\r\n-ERR min or max is not a float\r\n*3\r\n$1\r\nb\r\n$2\r\nbb\r\n$1\r\nc\r\n*4\r\n$1\r\na\r\n$1\r\nb\r\n$2\r\nbb\r\n$1\r\nc\r\n*4\r\n$1\r\na\r\n$1\r\nb\r\n$2\r\nbb\r\n$1\r\nc\r\n*1\r\n$4\r\npinf\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$2\r\nbb\r\n-ERR syntax error\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n*0\r\n:3\r\n:3\r\n:7\r\n:0\r\n-ERR min or max is not a float\r\n:0\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "ZRANGEBYLEX, ZREVRANGEBYLEX, ZRANGE BYLEX and ZLEXCOUNT",
    commands: [["zadd","a","0","a","0","b","0","c","0","d","0","e","0","f","0","g"],["zrangebylex","a","-","+"],["zrangebylex","a","[b","[d"],["zrangebylex","a","(b","(d"],["zrangebylex","a","(b","[d"],["zrangebylex","a","[d","[b"],["zrangebylex","a","-","[c"],["zrangebylex","a","(e","+"],["zrangebylex","a","+","-"],["zrangebylex","a","-","-"],["zrangebylex","a","+","+"],["zrangebylex","a","[a","(a"],["zrangebylex","a","[","+"],["zrangebylex","a","(","+"],["zrangebylex","a","-","+","limit","2","3"],["zrangebylex","a","-","+","limit","2","-1"],["zrangebylex","a","-","+","limit","-2","1"],["zrevrangebylex","a","+","-"],["zrevrangebylex","a","[d","(a"],["zrevrangebylex","a","+","-","limit","1","2"],["zrange","a","[b","[d","bylex"],["zrange","a","[d","[b","bylex","rev"],["zrange","a","-","+","bylex","rev","limit","0","2"],["zrangebylex","a","a","b"],["zrangebylex","a","[a","b"],["zrangebylex","a","-x","+"],["zrangebylex","a","++","-"],["zrangebylex","a","",""],["zrangebylex","a","-","+","withscores"],["zrangebylex","a","-","+","limit"],["zlexcount","a","-","+"],["zlexcount","a","[b","(e"],["zlexcount","a","(g","+"],["zlexcount","a","x","+"],["zlexcount","nokey","-","+"],["zrangebylex","nokey","-","+"],["set","s","v"],["zlexcount","s","-","+"],["zrangebylex","s","-","+"]],
    reply: "+OK\r\n:7\r\n*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n*1\r\n$1\r\nc\r\n*2\r\n$1\r\nc\r\n$1\r\nd\r\n*0\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n*2\r\n$1\r\nf\r\n$1\r\ng\r\n*0\r\n*0\r\n*0\r\n*0\r\n*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n*7\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n*3\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n*5\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n$1\r\ng\r\n*0\r\n*7\r\n$1\r\ng\r\n$1\r\nf\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n*2\r\n$1\r\nf\r\n$1\r\ne\r\n*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n*0\r\n-ERR min or max not valid string range item\r\n-ERR min or max not valid string range item\r\n-ERR min or max not valid string range item\r\n-ERR min or max not valid string range item\r\n-ERR min or max not valid string range item\r\n-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n-ERR syntax error\r\n:7\r\n:3\r\n:0\r\n-ERR min or max not valid string range item\r\n:0\r\n*0\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "ZREM, ZREMRANGEBYRANK / BYSCORE / BYLEX; the key goes with its last member",
    commands: [["zadd","a","1","a","2","b","3","c","4","d","5","e","6","f"],["zrem","a","a","nope","b"],["zrem","a","nope"],["zremrangebyrank","a","0","0"],["zrange","a","0","-1"],["zremrangebyrank","a","-1","-1"],["zremrangebyrank","a","5","10"],["zremrangebyrank","a","2","1"],["zrange","a","0","-1"],["zremrangebyscore","a","(4","5"],["zremrangebyscore","a","10","20"],["zrange","a","0","-1"],["zremrangebyscore","a","-inf","+inf"],["exists","a"],["zadd","b","0","a","0","b","0","c","0","d"],["zremrangebylex","b","[b","(d"],["zrange","b","0","-1"],["zremrangebylex","b","-","+"],["exists","b"],["zremrangebyrank","a","x","1"],["zremrangebyscore","a","x","1"],["zremrangebylex","a","x","+"],["zremrangebyrank","nokey","0","1"],["zremrangebyscore","nokey","0","1"],["zremrangebylex","nokey","-","+"],["zrem","nokey","a"],["zadd","c","1","a","2","b"],["zrem","c","a","b","c"],["exists","c"],["zadd","c","1","a"],["zremrangebyrank","c","0","-1"],["exists","c"],["set","s","v"],["zrem","s","a"],["zremrangebyrank","s","0","1"],["zremrangebyscore","s","0","1"],["zremrangebylex","s","-","+"],["zrem","s"]],
    reply: "+OK\r\n:6\r\n:2\r\n:0\r\n:1\r\n*3\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n:1\r\n:0\r\n:0\r\n*2\r\n$1\r\nd\r\n$1\r\ne\r\n:1\r\n:0\r\n*1\r\n$1\r\nd\r\n:1\r\n:0\r\n:4\r\n:2\r\n*2\r\n$1\r\na\r\n$1\r\nd\r\n:2\r\n:0\r\n-ERR value is not an integer or out of range\r\n-ERR min or max is not a float\r\n-ERR min or max not valid string range item\r\n:0\r\n:0\r\n:0\r\n:0\r\n:2\r\n:2\r\n:0\r\n:1\r\n:1\r\n:0\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR wrong number of arguments for 'zrem' command\r\n",
  },
  {
    name: "ZPOPMIN and ZPOPMAX with and without a count; their errors",
    commands: [["zadd","a","1","a","2","b","3","c","4","d","5","e"],["zpopmin","a"],["zpopmax","a"],["zpopmin","a","2"],["zpopmax","a","0"],["zpopmax","a","10"],["exists","a"],["zpopmin","a"],["zpopmin","a","3"],["zpopmin","a","0"],["zadd","a","1","x"],["zpopmin","a","-1"],["zpopmin","a","x"],["zpopmin","a","1","2"],["zpopmax","a","1.5"],["zpopmax","a","9223372036854775807"],["set","s","v"],["zpopmin","s"],["zpopmax","s","0"]],
    reply: "+OK\r\n:5\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\ne\r\n$1\r\n5\r\n*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n*0\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n:0\r\n*0\r\n*0\r\n*0\r\n:1\r\n-ERR value is out of range, must be positive\r\n-ERR value is out of range, must be positive\r\n-ERR syntax error\r\n-ERR value is out of range, must be positive\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "ZMPOP from the first non-empty sorted set, with COUNT, and its errors",
    commands: [["zadd","b","1","a","2","b","3","c","4","d"],["zadd","c","1","x"],["zmpop","3","a","b","c","min"],["zmpop","3","a","b","c","max","count","2"],["zmpop","2","a","c","min","count","10"],["zmpop","1","a","min"],["zmpop","2","a","b","MAX","COUNT","5"],["exists","b"],["zmpop","0","a","min"],["zmpop","-1","a","min"],["zmpop","x","a","min"],["zmpop","1","a","middle"],["zmpop","1","a","min","count","0"],["zmpop","1","a","min","count","-1"],["zmpop","1","a","min","count","x"],["zmpop","1","a","min","count","1","count","1"],["zmpop","1","a","min","foo"],["zmpop","3","a","min"],["zmpop","2","a","b"],["zmpop","1","a"],["set","s","v"],["zadd","d","1","z"],["zmpop","2","s","d","min"],["zmpop","2","d","s","min"],["zmpop","2","nokey","s","max"]],
    reply: "+OK\r\n:4\r\n:1\r\n*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n*2\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nc\r\n*1\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n*-1\r\n*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n:0\r\n-ERR numkeys should be greater than 0\r\n-ERR numkeys should be greater than 0\r\n-ERR numkeys should be greater than 0\r\n-ERR syntax error\r\n-ERR count should be greater than 0\r\n-ERR count should be greater than 0\r\n-ERR count should be greater than 0\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR wrong number of arguments for 'zmpop' command\r\n+OK\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n*2\r\n$1\r\nd\r\n*1\r\n*2\r\n$1\r\nz\r\n$1\r\n1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "ZRANDMEMBER: its errors and the deterministic shapes",
    commands: [["zadd","a","1","a","2","b","3","c"],["zrandmember","nokey"],["zrandmember","nokey","5"],["zrandmember","nokey","5","withscores"],["zrandmember","a","0"],["zrandmember","a","0","withscores"],["zrandmember","a","3"],["zrandmember","a","10","withscores"],["zrandmember","a","3","WITHSCORES"],["zrandmember","a","x"],["zrandmember","a","1","foo"],["zrandmember","a","1","withscores","x"],["zrandmember","a","-9223372036854775808"],["zrandmember","a","-9223372036854775808","withscores"],["zrandmember","a","-9223372036854770000","withscores"],["zrandmember","a","9223372036854770000","withscores"],["zrandmember","a","x","withscores"],["zadd","one","5","only"],["zrandmember","one"],["zrandmember","one","-3"],["zrandmember","one","-2","withscores"],["zrandmember","one","1","withscores"],["set","s","v"],["zrandmember","s"],["zrandmember","s","1"],["zrandmember","s","x"]],
    reply: "+OK\r\n:3\r\n$-1\r\n*0\r\n*0\r\n*0\r\n*0\r\n*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n-ERR value is out of range\r\n-ERR value is out of range\r\n-ERR value is not an integer or out of range\r\n:1\r\n$4\r\nonly\r\n*3\r\n$4\r\nonly\r\n$4\r\nonly\r\n$4\r\nonly\r\n*4\r\n$4\r\nonly\r\n$1\r\n5\r\n$4\r\nonly\r\n$1\r\n5\r\n*2\r\n$4\r\nonly\r\n$1\r\n5\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR value is not an integer or out of range\r\n",
  },
  {
    name: "ZSCAN of a small sorted set, MATCH and COUNT, and its errors",
    commands: [["zadd","a","1","one","2","two","3.5","three","-inf","low"],["zscan","a","0"],["zscan","a","0","match","t*"],["zscan","a","0","count","1"],["zscan","a","0","count","0"],["zscan","a","0","count","x"],["zscan","a","0","foo","1"],["zscan","a","x"],["zscan","nokey","0"],["zscan","nokey","0","foo"],["set","s","v"],["zscan","s","0"]],
    reply: "+OK\r\n:4\r\n*2\r\n$1\r\n0\r\n*8\r\n$3\r\nlow\r\n$4\r\n-inf\r\n$3\r\none\r\n$1\r\n1\r\n$3\r\ntwo\r\n$1\r\n2\r\n$5\r\nthree\r\n$3\r\n3.5\r\n*2\r\n$1\r\n0\r\n*4\r\n$3\r\ntwo\r\n$1\r\n2\r\n$5\r\nthree\r\n$3\r\n3.5\r\n*2\r\n$1\r\n0\r\n*8\r\n$3\r\nlow\r\n$4\r\n-inf\r\n$3\r\none\r\n$1\r\n1\r\n$3\r\ntwo\r\n$1\r\n2\r\n$5\r\nthree\r\n$3\r\n3.5\r\n-ERR syntax error\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n-ERR invalid cursor\r\n*2\r\n$1\r\n0\r\n*0\r\n*2\r\n$1\r\n0\r\n*0\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE with WEIGHTS and AGGREGATE, sets as inputs",
    commands: [["zadd","a","1","x","2","y","3","z"],["zadd","b","10","y","20","z","30","w"],["sadd","c","x","w","q"],["zunionstore","d","2","a","b"],["zrange","d","0","-1","withscores"],["zunionstore","d","2","a","b","weights","2","-1"],["zrange","d","0","-1","withscores"],["zunionstore","d","3","a","b","c","aggregate","max"],["zrange","d","0","-1","withscores"],["zunionstore","d","3","a","b","c","aggregate","min","weights","1","1","5"],["zrange","d","0","-1","withscores"],["zinterstore","d","2","a","b"],["zrange","d","0","-1","withscores"],["zinterstore","d","2","a","b","aggregate","min"],["zrange","d","0","-1","withscores"],["zinterstore","d","2","a","c","weights","3","10"],["zrange","d","0","-1","withscores"],["zinterstore","d","2","a","nokey"],["exists","d"],["zdiffstore","d","3","a","b","c"],["zrange","d","0","-1","withscores"],["zdiffstore","d","2","b","a"],["zrange","d","0","-1","withscores"],["zdiffstore","d","1","nokey"],["exists","d"],["zunionstore","a","2","a","b"],["zrange","a","0","-1","withscores"],["zadd","inf","inf","x"],["zadd","ninf","-inf","x"],["zunionstore","d","2","inf","ninf"],["zrange","d","0","-1","withscores"],["zinterstore","d","2","inf","ninf"],["zrange","d","0","-1","withscores"],["zunionstore","d","1","inf","weights","0"],["zrange","d","0","-1","withscores"],["zunionstore","d","0","a"],["zunionstore","d","-1","a"],["zunionstore","d","x","a"],["zunionstore","d","3","a","b"],["zunionstore","d","1","a","weights"],["zunionstore","d","1","a","weights","x"],["zunionstore","d","1","a","aggregate","avg"],["zunionstore","d","1","a","aggregate"],["zunionstore","d","1","a","withscores"],["zunionstore","d","1","a","foo"],["zdiffstore","d","1","a","weights","1"],["zdiffstore","d","0","a"],["zinterstore","d","0","a"],["set","s","v"],["zunionstore","d","2","a","s"],["zunionstore","d","2","s","a","weights","x"],["zinterstore","d","1","s"],["zdiffstore","d","2","a","s"],["zunionstore","s","1","a"],["type","s"]],
    reply: "+OK\r\n:3\r\n:3\r\n:3\r\n:4\r\n*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n30\r\n:4\r\n*8\r\n$1\r\nw\r\n$3\r\n-30\r\n$1\r\nz\r\n$3\r\n-14\r\n$1\r\ny\r\n$2\r\n-6\r\n$1\r\nx\r\n$1\r\n2\r\n:5\r\n*10\r\n$1\r\nq\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n10\r\n$1\r\nz\r\n$2\r\n20\r\n$1\r\nw\r\n$2\r\n30\r\n:5\r\n*10\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n$1\r\nq\r\n$1\r\n5\r\n$1\r\nw\r\n$1\r\n5\r\n:2\r\n*4\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n:2\r\n*4\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n:1\r\n*2\r\n$1\r\nx\r\n$2\r\n13\r\n:0\r\n:0\r\n:0\r\n*0\r\n:1\r\n*2\r\n$1\r\nw\r\n$2\r\n30\r\n:0\r\n:0\r\n:4\r\n*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n30\r\n:1\r\n:1\r\n:1\r\n*2\r\n$1\r\nx\r\n$1\r\n0\r\n:1\r\n*2\r\n$1\r\nx\r\n$1\r\n0\r\n:1\r\n*2\r\n$1\r\nx\r\n$1\r\n0\r\n-ERR at least 1 input key is needed for 'zunionstore' command\r\n-ERR at least 1 input key is needed for 'zunionstore' command\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR weight value is not a float\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR at least 1 input key is needed for 'zdiffstore' command\r\n-ERR at least 1 input key is needed for 'zinterstore' command\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:4\r\n+zset\r\n",
  },
  {
    name: "ZUNION, ZINTER, ZDIFF with WITHSCORES, and ZINTERCARD with LIMIT",
    commands: [["zadd","a","1","x","2","y","3","z"],["zadd","b","10","y","20","z","30","w"],["sadd","c","y","z"],["zunion","2","a","b"],["zunion","2","a","b","withscores"],["zunion","3","a","b","c","weights","1","2","3","withscores","aggregate","max"],["zinter","2","a","b","withscores"],["zinter","3","a","b","c"],["zinter","2","a","nokey"],["zdiff","2","a","b","withscores"],["zdiff","2","b","a"],["zdiff","1","nokey"],["zintercard","2","a","b"],["zintercard","3","a","b","c","limit","1"],["zintercard","2","a","b","limit","0"],["zintercard","1","nokey"],["zintercard","0","a"],["zintercard","2","a"],["zintercard","1","a","limit","-1"],["zintercard","1","a","limit","x"],["zintercard","1","a","weights","1"],["zintercard","1","a","withscores"],["zintercard","x","a"],["zunion","0","a"],["zunion","1","a","withscores","withscores"],["zdiff","1","a","aggregate","sum"],["zinter","1","a","limit","1"],["set","s","v"],["zunion","2","a","s"],["zintercard","2","a","s"]],
    reply: "+OK\r\n:3\r\n:3\r\n:2\r\n*4\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\nw\r\n*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n$1\r\nw\r\n$2\r\n30\r\n*8\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$2\r\n20\r\n$1\r\nz\r\n$2\r\n40\r\n$1\r\nw\r\n$2\r\n60\r\n*4\r\n$1\r\ny\r\n$2\r\n12\r\n$1\r\nz\r\n$2\r\n23\r\n*2\r\n$1\r\ny\r\n$1\r\nz\r\n*0\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n*1\r\n$1\r\nw\r\n*0\r\n:2\r\n:1\r\n:2\r\n:0\r\n-ERR at least 1 input key is needed for 'zintercard' command\r\n-ERR syntax error\r\n-ERR LIMIT can't be negative\r\n-ERR LIMIT can't be negative\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR value is not an integer or out of range\r\n-ERR at least 1 input key is needed for 'zunion' command\r\n*6\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n$1\r\nz\r\n$1\r\n3\r\n-ERR syntax error\r\n-ERR syntax error\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "ZRANGESTORE by rank, score and lex, REV and LIMIT; an empty result deletes the destination",
    commands: [["zadd","a","1","a","2","b","3","c","4","d"],["zrangestore","b","a","0","1"],["zrange","b","0","-1","withscores"],["zrangestore","b","a","2","4","byscore","limit","1","5"],["zrange","b","0","-1","withscores"],["zrangestore","b","a","+inf","(1","byscore","rev"],["zrange","b","0","-1","withscores"],["zrangestore","b","a","[b","+","bylex"],["zrange","b","0","-1"],["zrangestore","b","a","0","-1","rev"],["zrange","b","0","-1"],["zrangestore","b","a","5","10"],["exists","b"],["zadd","b","1","q"],["zrangestore","b","nokey","0","-1"],["exists","b"],["zrangestore","b","a","0","-1","withscores"],["zrangestore","b","a","0","1","limit","0","1"],["zrangestore","b","a","x","1"],["zrangestore","b","a","x","1","byscore"],["set","s","v"],["zrangestore","b","s","0","-1"],["zrangestore","s","a","0","0"],["type","s"],["zrangestore","a","a","1","2"],["zrange","a","0","-1"]],
    reply: "+OK\r\n:4\r\n:2\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n:2\r\n*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n:3\r\n*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n:3\r\n*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n:4\r\n*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n:0\r\n:0\r\n:1\r\n:0\r\n:0\r\n-ERR syntax error\r\n-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n-ERR value is not an integer or out of range\r\n-ERR min or max is not a float\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:1\r\n+zset\r\n:2\r\n*2\r\n$1\r\nb\r\n$1\r\nc\r\n",
  },
  {
    name: "RESP3: doubles, pairs and nulls of the sorted set commands",
    commands: [["hello","3"],["zadd","a","1","x","2.5","y","inf","z"],["zscore","a","y"],["zscore","a","z"],["zscore","a","nope"],["zincrby","a","1","x"],["zadd","a","incr","1","x"],["zadd","a","nx","incr","1","x"],["zmscore","a","x","nope"],["zrank","a","nope"],["zrange","a","0","-1","withscores"],["zrange","a","0","-1"],["zrangebyscore","a","-inf","+inf","withscores"],["zrevrange","a","0","0","withscores"],["zpopmin","a"],["zpopmin","a","1"],["zpopmax","nokey"],["zadd","b","1","q"],["zmpop","1","b","min"],["zmpop","1","b","min"],["zadd","c","1","m","2","n"],["zunion","1","c","withscores"],["zinter","1","c","withscores"],["zdiff","1","c","withscores"],["zrandmember","c","2","withscores"],["zrandmember","nokey"],["zscan","c","0"],["zrange","nokey","0","-1"]],
    reply: "+OK\r\n%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:ID\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n:3\r\n,2.5\r\n,inf\r\n_\r\n,2\r\n,3\r\n_\r\n*2\r\n,3\r\n_\r\n_\r\n*3\r\n*2\r\n$1\r\ny\r\n,2.5\r\n*2\r\n$1\r\nx\r\n,3\r\n*2\r\n$1\r\nz\r\n,inf\r\n*3\r\n$1\r\ny\r\n$1\r\nx\r\n$1\r\nz\r\n*3\r\n*2\r\n$1\r\ny\r\n,2.5\r\n*2\r\n$1\r\nx\r\n,3\r\n*2\r\n$1\r\nz\r\n,inf\r\n*1\r\n*2\r\n$1\r\nz\r\n,inf\r\n*2\r\n$1\r\ny\r\n,2.5\r\n*1\r\n*2\r\n$1\r\nx\r\n,3\r\n*0\r\n:1\r\n*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$1\r\nq\r\n,1\r\n_\r\n:2\r\n*2\r\n*2\r\n$1\r\nm\r\n,1\r\n*2\r\n$1\r\nn\r\n,2\r\n*2\r\n*2\r\n$1\r\nm\r\n,1\r\n*2\r\n$1\r\nn\r\n,2\r\n*2\r\n*2\r\n$1\r\nm\r\n,1\r\n*2\r\n$1\r\nn\r\n,2\r\n*2\r\n*2\r\n$1\r\nn\r\n,2\r\n*2\r\n$1\r\nm\r\n,1\r\n_\r\n*2\r\n$1\r\n0\r\n*4\r\n$1\r\nm\r\n$1\r\n1\r\n$1\r\nn\r\n$1\r\n2\r\n*0\r\n",
  },
  {
    name: "Past zset-max-listpack-entries and -value a sorted set is a skiplist, and stays one",
    commands: [["config","set","zset-max-listpack-entries","3"],["config","set","zset-max-ziplist-value","8"],["config","get","zset-max-listpack-entries"],["config","get","zset-max-listpack-value"],["zadd","a","1","a","2","b","3","c"],["object","encoding","a"],["zadd","a","4","d"],["object","encoding","a"],["zrem","a","a","b","c"],["object","encoding","a"],["zrange","a","0","-1","withscores"],["zadd","b","1","longer-than-8"],["object","encoding","b"],["zadd","c","1","short"],["zadd","c","2","longer-than-8"],["object","encoding","c"],["zrange","c","0","-1"],["zunionstore","d","1","c"],["object","encoding","d"],["zrangestore","e","c","0","0"],["object","encoding","e"],["zunionstore","f","2","a","c"],["object","encoding","f"],["zrange","f","0","-1","withscores"],["config","set","zset-max-listpack-entries","0"],["zadd","g","1","x"],["object","encoding","g"],["config","set","zset-max-listpack-entries","128"],["config","set","zset-max-listpack-value","64"],["config","get","zset-max-ziplist-entries"]],
    reply: "+OK\r\n+OK\r\n+OK\r\n*2\r\n$25\r\nzset-max-listpack-entries\r\n$1\r\n3\r\n*2\r\n$23\r\nzset-max-listpack-value\r\n$1\r\n8\r\n:3\r\n$8\r\nlistpack\r\n:1\r\n$8\r\nskiplist\r\n:3\r\n$8\r\nskiplist\r\n*2\r\n$1\r\nd\r\n$1\r\n4\r\n:1\r\n$8\r\nskiplist\r\n:1\r\n:1\r\n$8\r\nskiplist\r\n*2\r\n$5\r\nshort\r\n$13\r\nlonger-than-8\r\n:2\r\n$8\r\nskiplist\r\n:1\r\n$8\r\nlistpack\r\n:3\r\n$8\r\nskiplist\r\n*6\r\n$5\r\nshort\r\n$1\r\n1\r\n$13\r\nlonger-than-8\r\n$1\r\n2\r\n$1\r\nd\r\n$1\r\n4\r\n+OK\r\n:1\r\n$8\r\nskiplist\r\n+OK\r\n+OK\r\n*2\r\n$24\r\nzset-max-ziplist-entries\r\n$3\r\n128\r\n",
  },
];

/** Sessions that need DEBUG (its digests), recorded from a stock server started with --enable-debug-command yes. */
const DEBUG_SESSIONS: Session[] = [
  {
    name: "COPY, RENAME, MOVE of a sorted set between shards keep members, scores and TTL; DEBUG DIGEST-VALUE as Redis's",
    commands: [["zadd","a","1","x","2.5","y","-inf","z","1","w"],["pexpire","a","1000499"],["debug","digest-value","a"],["copy","a","b"],["zrange","b","0","-1","withscores"],["ttl","b"],["debug","digest-value","b"],["rename","b","c"],["zrange","c","0","-1","withscores"],["ttl","c"],["copy","c","a"],["copy","c","a","replace"],["move","c","1"],["select","1"],["zrange","c","0","-1","withscores"],["select","0"],["object","encoding","a"],["config","set","zset-max-listpack-entries","2"],["zadd","big","1","a","2","b","3","c","4","d"],["object","encoding","big"],["debug","digest-value","big"],["copy","big","big2"],["object","encoding","big2"],["debug","digest-value","big2"],["rename","big2","big3"],["zrange","big3","0","-1","withscores"],["object","encoding","big3"],["config","set","zset-max-listpack-entries","128"]],
    reply: "+OK\r\n:4\r\n:1\r\n*1\r\n+b6ca82682363f12490335c660b69626de774c3fd\r\n:1\r\n*8\r\n$1\r\nz\r\n$4\r\n-inf\r\n$1\r\nw\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$3\r\n2.5\r\n:1000\r\n*1\r\n+b6ca82682363f12490335c660b69626de774c3fd\r\n+OK\r\n*8\r\n$1\r\nz\r\n$4\r\n-inf\r\n$1\r\nw\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$3\r\n2.5\r\n:1000\r\n:0\r\n:1\r\n:1\r\n+OK\r\n*8\r\n$1\r\nz\r\n$4\r\n-inf\r\n$1\r\nw\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$3\r\n2.5\r\n+OK\r\n$8\r\nlistpack\r\n+OK\r\n:4\r\n$8\r\nskiplist\r\n*1\r\n+0cc500480ac8904e3d2bc113d3fcf14f164cf739\r\n:1\r\n$8\r\nskiplist\r\n*1\r\n+0cc500480ac8904e3d2bc113d3fcf14f164cf739\r\n+OK\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$8\r\nskiplist\r\n+OK\r\n",
  },
  {
    name: "WATCH of a sorted set fails EXEC once it changes; zset commands queued in MULTI",
    commands: [["zadd","a","1","x"],["watch","a"],["zadd","a","2","y"],["multi"],["zpopmin","a"],["exec"],["watch","a"],["zadd","a","1","x"],["multi"],["zcard","a"],["exec"],["watch","a"],["zrem","a","nope"],["multi"],["zcard","a"],["exec"],["multi"],["zadd","b","1","q"],["zunionstore","c","2","a","b"],["zrange","c","0","-1","withscores"],["zmpop","2","nokey","c","max","count","2"],["exec"]],
    reply: "+OK\r\n:1\r\n+OK\r\n:1\r\n+OK\r\n+QUEUED\r\n*-1\r\n+OK\r\n:0\r\n+OK\r\n+QUEUED\r\n*1\r\n:2\r\n+OK\r\n:0\r\n+OK\r\n+QUEUED\r\n*1\r\n:2\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*4\r\n:1\r\n:3\r\n*6\r\n$1\r\nq\r\n$1\r\n1\r\n$1\r\nx\r\n$1\r\n1\r\n$1\r\ny\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n*2\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n*2\r\n$1\r\nx\r\n$1\r\n1\r\n",
  },
  {
    name: "SCAN TYPE zset, TYPE, and a sorted set expiring",
    commands: [["zadd","z1","1","a"],["set","s","v"],["scan","0","type","zset","count","100"],["type","z1"],["pexpire","z1","1"],20,["zrange","z1","0","-1"],["exists","z1"],["zcard","z1"]],
    reply: "+OK\r\n:1\r\n+OK\r\n*2\r\n$1\r\n0\r\n*1\r\n$2\r\nz1\r\n+zset\r\n:1\r\n*0\r\n:0\r\n:0\r\n",
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

/** Redis's %.17g of a score, as replies carry it. */
function scoreText(score: number): string {
  if (score === Infinity) return 'inf';
  if (score === -Infinity) return '-inf';
  return String(Number(score.toPrecision(17))) === String(score) ? String(score) : score.toPrecision(17);
}

for (const shards of [1, 2]) {
  describe(`sorted set commands --shards ${shards}`, () => {
    const server = useServerOrStock({ shards, args: ['--enable-debug-command', 'yes'] });
    const client = useClient(server);
    flushBeforeEach(client);

    it.each([...SESSIONS, ...DEBUG_SESSIONS])('$name', async (session) => {
      expect(await runSession(server.port, session)).toBe(session.reply);
    });

    it('keeps a big sorted set as a plain model does, through adds, increments, removals, range removals and pops', async () => {
      const random = generator(shards * 7919);
      const model = new Map<string, number>();
      const key = 'big';
      const sorted = (): [string, number][] => [...model.entries()].sort((a, b) => (a[1] !== b[1] ? a[1] - b[1] : Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]))));
      for (let round = 0; round < 150; round++) {
        const choice = random();
        if (choice < 0.5 || model.size < 50) {
          const args: (string | number)[] = [];
          for (let i = 0; i < 40; i++) {
            const member = `m${Math.floor(random() * 3000)}`;
            const score = Math.floor(random() * 200) / 4;
            args.push(score, member);
          }
          const added = await client.zadd(key, ...args);
          let expected = 0;
          for (let i = 0; i < args.length; i += 2) {
            if (!model.has(args[i + 1] as string)) expected++;
            model.set(args[i + 1] as string, args[i] as number);
          }
          expect(added).toBe(expected);
        } else if (choice < 0.6) {
          const member = `m${Math.floor(random() * 3000)}`;
          const next = (model.get(member) ?? 0) + 1.5;
          expect(await client.zincrby(key, 1.5, member)).toBe(scoreText(next));
          model.set(member, next);
        } else if (choice < 0.7) {
          const members = Array.from({ length: 20 }, () => `m${Math.floor(random() * 3000)}`);
          const removed = await client.zrem(key, ...members);
          let expected = 0;
          for (const m of new Set(members)) if (model.delete(m)) expected++;
          expect(removed).toBe(expected);
        } else if (choice < 0.75) {
          const order = sorted();
          const start = Math.floor(random() * order.length);
          const stop = start + Math.floor(random() * 20);
          expect(await client.zremrangebyrank(key, start, stop)).toBe(order.slice(start, stop + 1).length);
          for (const [m] of order.slice(start, stop + 1)) model.delete(m);
        } else if (choice < 0.8) {
          const min = Math.floor(random() * 50);
          const order = sorted().filter(([, s]) => s >= min && s < min + 1);
          expect(await client.zremrangebyscore(key, min, `(${min + 1}`)).toBe(order.length);
          for (const [m] of order) model.delete(m);
        } else if (choice < 0.85) {
          const order = sorted();
          const count = 1 + Math.floor(random() * 5);
          const popped = random() < 0.5 ? await client.zpopmin(key, count) : await client.zpopmax(key, count);
          const isMin = popped.length === 0 || popped[0] === order[0][0];
          const taken = isMin ? order.slice(0, count) : order.slice(-count).reverse();
          expect(popped).toEqual(taken.flatMap(([m, s]) => [m, scoreText(s)]));
          for (const [m] of taken) model.delete(m);
        } else {
          const order = sorted();
          const start = Math.floor(random() * order.length);
          expect(await client.zrange(key, String(start), String(start + 30), 'WITHSCORES')).toEqual(order.slice(start, start + 31).flatMap(([m, s]) => [m, scoreText(s)]));
          const [m, s] = order[start];
          expect(await client.zrank(key, m)).toBe(start);
          expect(await client.zrevrank(key, m)).toBe(order.length - 1 - start);
          expect(await client.zscore(key, m)).toBe(scoreText(s));
          expect(await client.zcount(key, s, '+inf')).toBe(order.filter(([, x]) => x >= s).length);
          expect(await client.zrangebyscore(key, `(${s}`, s + 3)).toEqual(order.filter(([, x]) => x > s && x <= s + 3).map(([name]) => name));
          expect(await client.zrevrangebyscore(key, s + 3, `(${s}`, 'LIMIT', 1, 5)).toEqual(order.filter(([, x]) => x > s && x <= s + 3).reverse().slice(1, 6).map(([name]) => name));
        }
        expect(await client.zcard(key)).toBe(model.size);
      }
      expect(await client.zrange(key, '0', '-1', 'WITHSCORES')).toEqual(sorted().flatMap(([m, s]) => [m, scoreText(s)]));
      expect(await client.call('object', 'encoding', key)).toBe('skiplist');
    });

    it('ZSCAN walks a big sorted set: every member present throughout comes back with its score', async () => {
      const args: (string | number)[] = [];
      for (let i = 0; i < 1000; i++) args.push(i / 8, `member:${i}`);
      await client.zadd('z', ...args);
      const seen = new Map<string, string>();
      let cursor = '0';
      do {
        const [next, page] = (await client.zscan('z', cursor, 'COUNT', 50)) as [string, string[]];
        for (let i = 0; i < page.length; i += 2) seen.set(page[i], page[i + 1]);
        cursor = next;
      } while (cursor !== '0');
      expect(seen.size).toBe(1000);
      for (let i = 0; i < 1000; i++) expect(seen.get(`member:${i}`)).toBe(scoreText(i / 8));
      const [, matched] = (await client.zscan('z', '0', 'MATCH', 'member:99*', 'COUNT', 5000)) as [string, string[]];
      expect(matched.filter((_, i) => i % 2 === 0).sort()).toEqual(['member:99', 'member:990', 'member:991', 'member:992', 'member:993', 'member:994', 'member:995', 'member:996', 'member:997', 'member:998', 'member:999']);
    });

    for (const size of [5, 300]) {
      it(`ZRANDMEMBER picks members of the set, distinct for a positive count, with their scores (${size} members)`, async () => {
        const args: (string | number)[] = [];
        for (let i = 0; i < size; i++) args.push(i * 2, `m${i}`);
        await client.zadd('r', ...args);
        const score = (m: string): string => String(Number(m.slice(1)) * 2);
        const one = await client.zrandmember('r');
        expect(Number((one as string).slice(1))).toBeLessThan(size);
        for (const count of [1, 3, Math.floor(size / 2), size - 1, size, size + 10]) {
          const picked = (await client.zrandmember('r', count)) as string[];
          expect(picked.length).toBe(Math.min(count, size));
          expect(new Set(picked).size).toBe(picked.length);
          const withScores = (await client.call('zrandmember', 'r', String(count), 'WITHSCORES')) as string[];
          expect(withScores.length).toBe(Math.min(count, size) * 2);
          for (let i = 0; i < withScores.length; i += 2) expect(withScores[i + 1]).toBe(score(withScores[i]));
          expect(new Set(withScores.filter((_, i) => i % 2 === 0)).size).toBe(Math.min(count, size));
        }
        const repeated = (await client.zrandmember('r', -50)) as string[];
        expect(repeated.length).toBe(50);
        for (const m of repeated) expect(Number(m.slice(1))).toBeLessThan(size);
      });
    }

    it('ZUNIONSTORE, ZINTERSTORE and ZRANGESTORE between shards under concurrent writers stay whole', async () => {
      await client.zadd('src1', 1, 'a', 2, 'b', 3, 'c');
      await client.zadd('src2', 10, 'b', 20, 'c', 30, 'd');
      const writers = Array.from({ length: 50 }, (_, i) => client.zadd(i % 2 === 0 ? 'src1' : 'src2', 100 + i, `n${i}`));
      const stores = Array.from({ length: 20 }, () => client.zunionstore('dst', 2, 'src1', 'src2'));
      await Promise.all([...writers, ...stores]);
      expect(await client.zunionstore('dst', 2, 'src1', 'src2')).toBe(54);
      expect(await client.zinterstore('dst2', 2, 'src1', 'src2', 'WEIGHTS', 1, 2)).toBe(2);
      expect(await client.zrange('dst2', '0', '-1', 'WITHSCORES')).toEqual(['b', '22', 'c', '43']);
      expect(await client.call('zrangestore', 'dst3', 'src2', '(10', '+inf', 'BYSCORE', 'LIMIT', '0', '2')).toBe(2);
      expect(await client.zrange('dst3', '0', '-1')).toEqual(['c', 'd']);
    });

    it('answers node-redis (RESP3) with doubles and pairs', async () => {
      const resp3 = await connectResp3(server);
      try {
        expect(await resp3.zAdd('q', [{ score: 1, value: 'a' }, { score: 2.5, value: 'b' }])).toBe(2);
        expect(await resp3.zScore('q', 'b')).toBe(2.5);
        expect(await resp3.zRangeWithScores('q', 0, -1)).toEqual([{ value: 'a', score: 1 }, { value: 'b', score: 2.5 }]);
        expect(await resp3.zPopMin('q')).toEqual({ value: 'a', score: 1 });
        expect(await resp3.zCard('q')).toBe(1);
      } finally {
        await resp3.quit();
      }
    });
  });
}
