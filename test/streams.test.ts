// The stream family against a real server on one and three shards: XADD and
// its ids, ranges, deletion and trimming, consumer groups (XREADGROUP, XACK,
// XPENDING, XCLAIM, XAUTOCLAIM), XINFO with entries-read and lag, XSETID;
// XREAD over streams on several shards; COPY / RENAME / DEBUG DIGEST of a
// stream; the node limits under CONFIG SET; a group worked by consumers on
// every thread under a checker that no entry is delivered twice without a
// claim and none is lost.
//
// Each session below was sent, byte for byte, to stock redis-server 7.0.15
// (after a FLUSHALL, pipelined in one write) and its reply recorded; the
// server must answer the same bytes. Ids are explicit wherever a reply shows
// them. The checks below the sessions hold against stock Redis too
// (STOCK_REDIS_PORT, see helpers/stock-server.ts).

import { describe, expect, it } from 'vitest';
import { connectIoredis, flushBeforeEach, useClient } from './helpers/clients.ts';
import { runSession, type Session } from './helpers/recorded-sessions.ts';
import { STOCK_PORT, useServerOrStock } from './helpers/stock-server.ts';
import { connectOnThread, threadOf } from './helpers/threads.ts';

const SESSIONS: Session[] = [
  {
    name: "XADD ids (explicit, ms-*, errors, NOMKSTREAM, MAXLEN), XLEN, XRANGE and XREVRANGE with exclusive bounds and COUNT, XDEL, XTRIM MAXLEN/MINID/LIMIT and its errors, XSETID, XINFO STREAM, XREAD and its errors, TYPE, OBJECT ENCODING",
    commands: [["xadd","s","1-1","a","1"],["xadd","s","1-1","a","1"],["xadd","s","1-*","b","2"],["xadd","s","2","c","3","d","4"],["xadd","s","0-0","a","1"],["xadd","s2","0-0","a","1"],["xadd","s","abc","a","1"],["xadd","s","5-1","a"],["xadd","s","nomkstream","6-1","a","1"],["xadd","nokey","nomkstream","6-1","a","1"],["xadd","s","maxlen","2","7-1","e","5"],["xlen","s"],["xrange","s","-","+"],["xrevrange","s","+","-"],["xrange","s","(1-1","+"],["xrange","s","-","+","count","1"],["xrange","s","-","+","count","0"],["xrange","nokey","-","+"],["xrange","s","(18446744073709551615-18446744073709551615","+"],["set","str","x"],["xlen","str"],["xadd","str","1-1","a","1"],["xdel","s","7-1","2-0","99-1"],["xdel","s","bad"],["xrange","s","-","+"],["xtrim","s","maxlen","0"],["xtrim","s","limit","10","maxlen","1"],["xtrim","s","maxlen","~","1","limit","10"],["xtrim","s"],["xadd","s2","1","a","1"],["xadd","s2","2","a","1"],["xadd","s2","3","a","1"],["xtrim","s2","minid","2"],["xrange","s2","-","+"],["xsetid","s2","1-0"],["xsetid","s2","10-0","entriesadded","1"],["xsetid","s2","10-0","entriesadded","5","maxdeletedid","11-0"],["xsetid","s2","10-0","entriesadded","5","maxdeletedid","2-0"],["xinfo","stream","s2"],["xsetid","nokey","1-1"],["xread","count","1","streams","s","s2","0","0"],["xread","streams","s2","$"],["xread","streams","s2","2"],["xread","streams","s2",">"],["xread","streams","s2"],["xread","count","2","streams","s2","nokey","0","0"],["xread","streams","str","0"],["xadd","s3","maxlen","=","1","5-5","a","1"],["xadd","s3","maxlen","1","minid","1","*","a","1"],["xadd","s3","limit","10","maxlen","1","*","a","1"],["xadd","s3","maxlen","-1","*","a","1"],["type","s2"],["object","encoding","s2"]],
    reply: "+OK\r\n$3\r\n1-1\r\n-ERR The ID specified in XADD is equal or smaller than the target stream top item\r\n$3\r\n1-2\r\n$3\r\n2-0\r\n-ERR The ID specified in XADD must be greater than 0-0\r\n-ERR The ID specified in XADD must be greater than 0-0\r\n-ERR Invalid stream ID specified as stream command argument\r\n-ERR wrong number of arguments for 'xadd' command\r\n$3\r\n6-1\r\n$-1\r\n$3\r\n7-1\r\n:2\r\n*2\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n7-1\r\n*2\r\n$1\r\ne\r\n$1\r\n5\r\n*2\r\n*2\r\n$3\r\n7-1\r\n*2\r\n$1\r\ne\r\n$1\r\n5\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n7-1\r\n*2\r\n$1\r\ne\r\n$1\r\n5\r\n*1\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*-1\r\n*0\r\n-ERR invalid start ID for the interval\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:1\r\n-ERR Invalid stream ID specified as stream command argument\r\n*1\r\n*2\r\n$3\r\n6-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n:1\r\n-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n:0\r\n-ERR wrong number of arguments for 'xtrim' command\r\n$3\r\n1-0\r\n$3\r\n2-0\r\n$3\r\n3-0\r\n:1\r\n*2\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n-ERR The ID specified in XSETID is smaller than the target stream top item\r\n-ERR The entries_added specified in XSETID is smaller than the target stream length\r\n-ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id\r\n+OK\r\n*20\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$4\r\n10-0\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n2-0\r\n$13\r\nentries-added\r\n:5\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n2-0\r\n$6\r\ngroups\r\n:0\r\n$11\r\nfirst-entry\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n$10\r\nlast-entry\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n-ERR no such key\r\n*1\r\n*2\r\n$2\r\ns2\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*-1\r\n*1\r\n*2\r\n$2\r\ns2\r\n*1\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n-ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.\r\n-ERR wrong number of arguments for 'xread' command\r\n*1\r\n*2\r\n$2\r\ns2\r\n*2\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$3\r\n5-5\r\n-ERR syntax error, MAXLEN and MINID options at the same time are not compatible\r\n-ERR syntax error, LIMIT cannot be used without the special ~ option\r\n-ERR The MAXLEN argument must be >= 0.\r\n+stream\r\n$6\r\nstream\r\n",
  },
  {
    name: "XGROUP CREATE/CREATECONSUMER/SETID/DESTROY/DELCONSUMER, XREADGROUP new and history, NOACK, XINFO GROUPS with entries-read and lag, XPENDING summary, XACK, XCLAIM JUSTID on deleted entries, XAUTOCLAIM JUSTID, HELP and errors",
    commands: [["xadd","s","1-1","a","1"],["xadd","s","2-1","b","2"],["xadd","s","3-1","c","3"],["xgroup","create","s","g","0"],["xgroup","create","s","g","0"],["xgroup","create","nokey","g","0"],["xgroup","create","nokey","g","$","mkstream"],["xgroup","create","s","g2","$","entriesread","3"],["xgroup","create","s","g3","0","entriesread","-2"],["xgroup","createconsumer","s","g","alice"],["xgroup","createconsumer","s","g","alice"],["xgroup","createconsumer","s","nog","alice"],["xinfo","groups","s"],["xreadgroup","group","g","bob","count","2","streams","s",">"],["xreadgroup","group","g","bob","streams","s","0"],["xreadgroup","group","g","bob","streams","s","$"],["xreadgroup","group","nog","bob","streams","s",">"],["xreadgroup","group","g","bob","noack","streams","s",">"],["xinfo","groups","s"],["xpending","s","g"],["xpending","s","g","-","+","10","alice"],["xack","s","g","1-1","9-9"],["xack","s","g","bad"],["xpending","s","g"],["xclaim","s","g","alice","0","2-1","justid"],["xpending","s","g"],["xdel","s","2-1"],["xclaim","s","g","alice","0","2-1"],["xpending","s","g"],["xautoclaim","s","g","carol","0","0","count","10","justid"],["xinfo","groups","s"],["xgroup","setid","s","g","0","entriesread","0"],["xinfo","groups","s"],["xgroup","delconsumer","s","g","bob"],["xgroup","destroy","s","g2"],["xgroup","destroy","s","g2"],["xinfo","groups","s"],["xgroup","help"],["xinfo","help"],["xgroup","foo","s","g"],["xinfo","consumers","s","nog"],["xautoclaim","s","g","carol","0","0","count","0"],["xclaim","s","g","alice","abc","1-1"],["xclaim","s","g","alice","0","1-1","foo"]],
    reply: "+OK\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n$3\r\n3-1\r\n+OK\r\n-BUSYGROUP Consumer Group name already exists\r\n-ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.\r\n+OK\r\n+OK\r\n-ERR value for ENTRIESREAD must be positive or -1\r\n:1\r\n:0\r\n-NOGROUP No such consumer group 'nog' for key name 's'\r\n*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n$-1\r\n$3\r\nlag\r\n:3\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-1\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n-ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.\r\n-NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option\r\n*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n3-1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:2\r\n$7\r\npending\r\n:2\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-1\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-1\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n*1\r\n*2\r\n$3\r\nbob\r\n$1\r\n2\r\n*0\r\n:1\r\n-ERR Invalid stream ID specified as stream command argument\r\n*4\r\n:1\r\n$3\r\n2-1\r\n$3\r\n2-1\r\n*1\r\n*2\r\n$3\r\nbob\r\n$1\r\n1\r\n*1\r\n$3\r\n2-1\r\n*4\r\n:1\r\n$3\r\n2-1\r\n$3\r\n2-1\r\n*1\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n:1\r\n*0\r\n*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n*3\r\n$3\r\n0-0\r\n*0\r\n*0\r\n*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:2\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-1\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-1\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n+OK\r\n*2\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:2\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n:0\r\n$3\r\nlag\r\n$-1\r\n*12\r\n$4\r\nname\r\n$2\r\ng2\r\n$9\r\nconsumers\r\n:0\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n3-1\r\n$12\r\nentries-read\r\n:3\r\n$3\r\nlag\r\n:0\r\n:0\r\n:1\r\n:0\r\n*1\r\n*12\r\n$4\r\nname\r\n$1\r\ng\r\n$9\r\nconsumers\r\n:1\r\n$7\r\npending\r\n:0\r\n$17\r\nlast-delivered-id\r\n$3\r\n0-0\r\n$12\r\nentries-read\r\n:0\r\n$3\r\nlag\r\n$-1\r\n*17\r\n+XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CREATE <key> <groupname> <id|$> [option]\r\n+    Create a new consumer group. Options are:\r\n+    * MKSTREAM\r\n+      Create the empty stream if it does not exist.\r\n+    * ENTRIESREAD entries_read\r\n+      Set the group's entries_read counter (internal use).\r\n+CREATECONSUMER <key> <groupname> <consumer>\r\n+    Create a new consumer in the specified group.\r\n+DELCONSUMER <key> <groupname> <consumer>\r\n+    Remove the specified consumer.\r\n+DESTROY <key> <groupname>\r\n+    Remove the specified group.\r\n+SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]\r\n+    Set the current group ID and entries_read counter.\r\n+HELP\r\n+    Prints this help.\r\n*9\r\n+XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CONSUMERS <key> <groupname>\r\n+    Show consumers of <groupname>.\r\n+GROUPS <key>\r\n+    Show the stream consumer groups.\r\n+STREAM <key> [FULL [COUNT <count>]\r\n+    Show information about the stream.\r\n+HELP\r\n+    Prints this help.\r\n-ERR unknown subcommand 'foo'. Try XGROUP HELP.\r\n-NOGROUP No such consumer group 'nog' for key name 's'\r\n-ERR COUNT must be > 0\r\n-ERR Invalid min-idle-time argument for XCLAIM\r\n-ERR Unrecognized XCLAIM option 'foo'\r\n",
  },
];

for (const shards of [1, 3]) {
  describe(`stream commands --shards ${shards}`, () => {
    const server = useServerOrStock({ shards, args: ['--enable-debug-command', 'yes'] });
    const client = useClient(server);
    flushBeforeEach(client);

    it.each(SESSIONS)('$name', async (session) => {
      expect(await runSession(server.port, session)).toBe(session.reply);
    });

    it('XREAD and XREADGROUP read streams on several shards, each where it lives', async () => {
      const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
      for (const [i, key] of keys.entries()) {
        await client.xadd(key, `${i + 1}-1`, 'f', key);
        await client.xadd(key, `${i + 1}-2`, 'g', key);
        await client.xgroup('CREATE', key, 'grp', '0');
      }
      const read = (await client.call('xread', 'COUNT', '1', 'STREAMS', ...keys, ...keys.map(() => '0'))) as [string, [string, string[]][]][];
      expect(read.map(([key, entries]) => [key, entries[0][0]])).toEqual(keys.map((key, i) => [key, `${i + 1}-1`]));
      const dollar = await client.call('xread', 'STREAMS', ...keys, ...keys.map(() => '$'));
      expect(dollar).toBeNull();
      const group = (await client.call('xreadgroup', 'GROUP', 'grp', 'alice', 'STREAMS', ...keys, ...keys.map(() => '>'))) as [string, [string, string[]][]][];
      expect(group.map(([key, entries]) => [key, entries.length])).toEqual(keys.map((key) => [key, 2]));
      for (const key of keys) expect(((await client.call('xpending', key, 'grp')) as unknown[])[0]).toBe(2);
      await client.set('str', 'x');
      await expect(client.call('xread', 'STREAMS', 'a', 'str', '0', '0')).rejects.toThrow(/WRONGTYPE/);
      await expect(client.call('xreadgroup', 'GROUP', 'nope', 'alice', 'STREAMS', 'a', 'b', '>', '>')).rejects.toThrow(/NOGROUP/);
    });

    it('XPENDING extended, XCLAIM and XAUTOCLAIM move entries between consumers with their delivery counts', async () => {
      for (let i = 1; i <= 5; i++) await client.xadd('s', `${i}-0`, 'n', String(i));
      await client.xgroup('CREATE', 's', 'g', '0');
      await client.call('xreadgroup', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
      const pending = (await client.call('xpending', 's', 'g', '-', '+', '10')) as [string, string, number, number][];
      expect(pending.map(([id, owner, , count]) => [id, owner, count])).toEqual([1, 2, 3, 4, 5].map((i) => [`${i}-0`, 'alice', 1]));
      expect(await client.call('xpending', 's', 'g', 'IDLE', '100000', '-', '+', '10')).toEqual([]);
      const claimed = (await client.call('xclaim', 's', 'g', 'bob', '0', '2-0', '3-0', 'RETRYCOUNT', '7')) as [string, string[]][];
      expect(claimed).toEqual([['2-0', ['n', '2']], ['3-0', ['n', '3']]]);
      const bobs = (await client.call('xpending', 's', 'g', '-', '+', '10', 'bob')) as [string, string, number, number][];
      expect(bobs.map(([id, , , count]) => [id, count])).toEqual([['2-0', 7], ['3-0', 7]]);
      const auto = (await client.call('xautoclaim', 's', 'g', 'carol', '0', '0', 'COUNT', '2')) as [string, [string, string[]][], string[]];
      expect(auto[0]).toBe('3-0');
      expect(auto[1].map(([id]) => id)).toEqual(['1-0', '2-0']);
      const summary = (await client.call('xpending', 's', 'g')) as [number, string, string, [string, string][]];
      expect(summary).toEqual([5, '1-0', '5-0', [['alice', '2'], ['bob', '1'], ['carol', '2']]]);
      const consumers = (await client.call('xinfo', 'consumers', 's', 'g')) as unknown[][];
      expect(consumers.map((c) => [c[1], c[3]])).toEqual([['alice', 2], ['bob', 1], ['carol', 2]]);
      const full = (await client.call('xinfo', 'stream', 's', 'full')) as unknown[];
      expect(full[0]).toBe('length');
      expect(full[1]).toBe(5);
    });

    it('COPY, RENAME and DEBUG DIGEST keep a stream whole, its groups and pending entries too', async () => {
      for (let i = 1; i <= 300; i++) await client.xadd('{s}src', `${i}-${i}`, 'field', `value${i}`, 'other', 'x'.repeat(i % 50));
      await client.xdel('{s}src', '10-10', '20-20');
      await client.xgroup('CREATE', '{s}src', 'g', '0');
      await client.call('xreadgroup', 'GROUP', 'g', 'alice', 'COUNT', '3', 'STREAMS', '{s}src', '>');
      const digest = await client.call('debug', 'digest-value', '{s}src');
      expect(await client.copy('{s}src', 'elsewhere')).toBe(1);
      expect(await client.call('debug', 'digest-value', 'elsewhere')).toEqual(digest);
      expect(await client.xrange('elsewhere', '-', '+')).toEqual(await client.xrange('{s}src', '-', '+'));
      // The copy's consumer owns its pending entries too.
      const owned = (await client.call('xpending', 'elsewhere', 'g', '-', '+', '10', 'alice')) as [string, string][];
      expect(owned.map(([id, owner]) => [id, owner])).toEqual([['1-1', 'alice'], ['2-2', 'alice'], ['3-3', 'alice']]);
      expect(await client.call('xgroup', 'delconsumer', 'elsewhere', 'g', 'alice')).toBe(3);
      expect(((await client.call('xpending', 'elsewhere', 'g')) as unknown[])[0]).toBe(0);
      await client.rename('{s}src', 'moved');
      expect(await client.xlen('moved')).toBe(298);
      expect(((await client.call('xpending', 'moved', 'g')) as unknown[])[0]).toBe(3);
      expect(((await client.call('xinfo', 'groups', 'moved')) as unknown[][])[0]).toEqual(['name', 'g', 'consumers', 1, 'pending', 3, 'last-delivered-id', '3-3', 'entries-read', null, 'lag', null]);
    });

    it('honours stream-node-max-entries and stream-node-max-bytes as CONFIG SET leaves them', async () => {
      await client.config('SET', 'stream-node-max-entries', '10');
      try {
        for (let i = 1; i <= 95; i++) await client.xadd('s', `${i}-0`, 'f', 'v');
        const info = (await client.call('xinfo', 'stream', 's')) as unknown[];
        expect(info[3]).toBe(10);
        expect(await client.xtrim('s', 'MAXLEN', '~', 50)).toBe(40);
        expect(await client.xlen('s')).toBe(55);
      } finally {
        await client.config('SET', 'stream-node-max-entries', '100');
      }
      await client.config('SET', 'stream-node-max-bytes', '100');
      try {
        for (let i = 1; i <= 20; i++) await client.xadd('t', `${i}-0`, 'field', 'a value of some length');
        const info = (await client.call('xinfo', 'stream', 't')) as unknown[];
        expect(info[3]).toBeGreaterThanOrEqual(5);
      } finally {
        await client.config('SET', 'stream-node-max-bytes', '4096');
      }
    });
  });
}

describe('a consumer group worked by consumers on every thread', () => {
  const server = useServerOrStock({ shards: 3, args: ['--enable-debug-command', 'yes'] });
  const client = useClient(server);

  it('delivers each entry to one consumer unless it is claimed, loses none, and ends with nothing pending', async () => {
    const stream = 'jobs';
    const total = 300;
    // Bounded: a lost entry fails the test here rather than leaving the workers waiting for it.
    const deadline = Date.now() + 20000;
    await client.del(stream);
    await client.xgroup('CREATE', stream, 'workers', '$', 'MKSTREAM');
    // Producer, reclaimer and workers on every thread (any connections on stock Redis).
    const threads = [0, 1, 2, 0, 1, 2];
    const connections = await Promise.all(threads.map((thread) => (STOCK_PORT === undefined ? connectOnThread(server, thread) : connectIoredis(server))));
    if (STOCK_PORT === undefined) expect(new Set(await Promise.all(connections.map((connection) => threadOf(server, connection)))).size).toBe(3);
    const [producer, reclaimer, ...workers] = connections;
    const running = (): boolean => {
      if (Date.now() > deadline) throw new Error(`gave up with ${acked.size} of ${total} acknowledged`);
      return producing || acked.size < total;
    };
    const deliveredTo = new Map<string, string>();
    const acked = new Set<string>();
    let claims = 0;
    let producing = true;
    try {
      // Each worker reads new entries (blocking), acknowledges all but every seventh, which it "drops" as a crash would.
      const working = workers.map(async (worker, index) => {
        const name = `worker${index}`;
        let seen = 0;
        while (running()) {
          const reply = (await worker.xreadgroup('GROUP', 'workers', name, 'COUNT', 10, 'BLOCK', 50, 'STREAMS', stream, '>')) as [string, [string, string[]][]][] | null;
          if (reply === null) {
            if (!producing && acked.size === total) break;
            continue;
          }
          for (const [id] of reply[0][1]) {
            // No entry is delivered as new twice.
            expect(deliveredTo.has(id)).toBe(false);
            deliveredTo.set(id, name);
            if (++seen % 7 !== 0) {
              expect(await worker.xack(stream, 'workers', id)).toBe(1);
              acked.add(id);
            }
          }
        }
      });
      // The reclaimer takes over entries left pending for a while, and acknowledges them.
      const reclaiming = (async () => {
        while (running()) {
          const [, claimed] = (await reclaimer.xautoclaim(stream, 'workers', 'reclaimer', 100, '0-0', 'COUNT', 50)) as [string, [string, string[]][], string[]];
          for (const [id] of claimed) {
            expect(deliveredTo.has(id)).toBe(true);
            if (acked.has(id)) continue;
            expect(await reclaimer.xack(stream, 'workers', id)).toBe(1);
            acked.add(id);
            claims++;
          }
          await new Promise((resolve) => setTimeout(resolve, 40));
        }
      })();
      for (let i = 1; i <= total; i++) await producer.xadd(stream, `${i}-1`, 'job', String(i));
      producing = false;
      await Promise.all([...working, reclaiming]);
    } finally {
      for (const connection of connections) connection.disconnect();
    }
    expect(deliveredTo.size).toBe(total);
    expect(acked.size).toBe(total);
    expect(claims).toBeGreaterThan(0);
    expect(await client.xpending(stream, 'workers')).toEqual([0, null, null, null]);
  });
});
