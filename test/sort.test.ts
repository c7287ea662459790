// SORT and SORT_RO against a real server on one and three shards: numbers,
// ALPHA, LIMIT windows, BY patterns of strings and hash fields (and BY
// without a star), GET patterns and #, STORE, lists, sets and sorted sets,
// their errors, and COMMAND GETKEYS. The pattern keys land on every shard,
// and SORT reads them all in one transaction: a concurrent writer moving a
// weight between two keys is never seen half done.
//
// Each session below was sent, byte for byte, to stock redis-server 7.0.15
// (after a FLUSHALL, pipelined in one write) and its reply recorded; the
// server must answer the same bytes. A set's own order is the server's, so
// the sessions sort sets or read them as sets.

import { describe, expect, it } from 'vitest';
import { useClient, flushBeforeEach } from './helpers/clients.ts';
import { runSession, type Session } from './helpers/recorded-sessions.ts';
import { useServerOrStock } from './helpers/stock-server.ts';
import { connectIoredis } from './helpers/clients.ts';

const SESSIONS: Session[] = [
  {
    name: "SORT a list and a set of numbers, ASC and DESC, LIMIT windows of every kind, and SORT_RO",
    commands: [["rpush","l","3","1","2","10","-1.5","1e2"],["sort","l"],["sort","l","desc"],["sort","l","limit","1","2"],["sort","l","limit","-5","2"],["sort","l","limit","4","100"],["sort","l","limit","10","2"],["sort","l","limit","0","-1"],["sort","l","limit","0","0"],["sort","l","desc","limit","1","3"],["sadd","s","5","3","9","7"],["sort","s"],["sort","s","desc","limit","1","2"],["sort_ro","l","desc"],["sort","nokey"],["sort","nokey","store","d"],["exists","d"]],
    reply: "+OK\r\n:6\r\n*6\r\n$4\r\n-1.5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n$3\r\n1e2\r\n*6\r\n$3\r\n1e2\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n$4\r\n-1.5\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n*2\r\n$4\r\n-1.5\r\n$1\r\n1\r\n*2\r\n$2\r\n10\r\n$3\r\n1e2\r\n*0\r\n*6\r\n$4\r\n-1.5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$2\r\n10\r\n$3\r\n1e2\r\n*0\r\n*3\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n:4\r\n*4\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n7\r\n$1\r\n9\r\n*2\r\n$1\r\n7\r\n$1\r\n5\r\n*6\r\n$3\r\n1e2\r\n$2\r\n10\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n$4\r\n-1.5\r\n*0\r\n:0\r\n:0\r\n",
  },
  {
    name: "SORT ALPHA, the double errors, and wrong types",
    commands: [["rpush","w","banana","apple","Cherry","apple2",""],["sort","w","alpha"],["sort","w","alpha","desc"],["sort","w"],["rpush","n","1","x"],["sort","n"],["rpush","e","1",""],["sort","e"],["rpush","h2","0x10","  5","-inf"],["sort","h2"],["rpush","h","0x10","1e400","inf"],["sort","h"],["set","str","v"],["sort","str"],["hset","hh","f","v"],["sort","hh"],["sort","w","limit","a","1"],["sort","w","limit","1"],["sort","w","bogus"],["sort_ro","w","store","d"],["sort","w","alpha","store"]],
    reply: "+OK\r\n:5\r\n*5\r\n$0\r\n\r\n$6\r\nCherry\r\n$5\r\napple\r\n$6\r\napple2\r\n$6\r\nbanana\r\n*5\r\n$6\r\nbanana\r\n$6\r\napple2\r\n$5\r\napple\r\n$6\r\nCherry\r\n$0\r\n\r\n-ERR One or more scores can't be converted into double\r\n:2\r\n-ERR One or more scores can't be converted into double\r\n:2\r\n*2\r\n$0\r\n\r\n$1\r\n1\r\n:3\r\n*3\r\n$4\r\n-inf\r\n$3\r\n  5\r\n$4\r\n0x10\r\n:3\r\n-ERR One or more scores can't be converted into double\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-ERR value is not an integer or out of range\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n",
  },
  {
    name: "SORT BY patterns of strings and hash fields, BY without a star, GET patterns and #",
    commands: [["rpush","ids","3","1","2"],["mset","weight_1","30","weight_2","10","weight_3","20","name_1","one","name_2","two"],["hset","obj_1","score","5","tag","t1"],["hset","obj_2","score","15"],["hset","obj_3","score","10","tag","t3"],["sort","ids","by","weight_*"],["sort","ids","by","weight_*","desc"],["sort","ids","by","obj_*->score"],["sort","ids","by","nosort"],["sort","ids","by","nosort","desc"],["sort","ids","by","nosort","limit","1","1"],["sort","ids","get","name_*"],["sort","ids","get","#","get","name_*","get","obj_*->tag"],["sort","ids","by","weight_*","get","#","get","obj_*->score"],["sort","ids","get","fixedkey"],["sort","ids","by","missing_*"],["sort","ids","by","missing_*","alpha"],["sort","ids","by","name_*","alpha"],["sort","ids","by","obj_*->tag","alpha","desc"],["sort","ids","by","obj_*->"],["sort","ids","get","obj_*->"],["set","weight_x","notanumber"],["rpush","ids2","x"],["sort","ids2","by","weight_*"]],
    reply: "+OK\r\n:3\r\n+OK\r\n:2\r\n:1\r\n:2\r\n*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n1\r\n*3\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n2\r\n*3\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n2\r\n*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n*3\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n*1\r\n$1\r\n1\r\n*3\r\n$3\r\none\r\n$3\r\ntwo\r\n$-1\r\n*9\r\n$1\r\n1\r\n$3\r\none\r\n$2\r\nt1\r\n$1\r\n2\r\n$3\r\ntwo\r\n$-1\r\n$1\r\n3\r\n$-1\r\n$2\r\nt3\r\n*6\r\n$1\r\n2\r\n$2\r\n15\r\n$1\r\n3\r\n$2\r\n10\r\n$1\r\n1\r\n$1\r\n5\r\n*3\r\n$-1\r\n$-1\r\n$-1\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n*3\r\n$-1\r\n$-1\r\n$-1\r\n+OK\r\n:1\r\n-ERR One or more scores can't be converted into double\r\n",
  },
  {
    name: "SORT STORE: a list of the result, GET values (missing as empty strings), and an empty result deletes the key",
    commands: [["rpush","src","3","1","2"],["set","dst","old"],["sort","src","store","dst"],["type","dst"],["lrange","dst","0","-1"],["set","name_1","one"],["sort","src","get","name_*","get","#","store","dst"],["lrange","dst","0","-1"],["sort","src","limit","5","5","store","dst"],["exists","dst"],["sadd","set","c","a","b"],["sort","set","by","nosort","store","dst2"],["lrange","dst2","0","-1"],["sort","src","store","a","store","b"],["exists","a"],["lrange","b","0","-1"]],
    reply: "+OK\r\n:3\r\n+OK\r\n:3\r\n+list\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n+OK\r\n:6\r\n*6\r\n$3\r\none\r\n$1\r\n1\r\n$0\r\n\r\n$1\r\n2\r\n$0\r\n\r\n$1\r\n3\r\n:0\r\n:0\r\n:3\r\n:3\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n:3\r\n:0\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n",
  },
  {
    name: "SORT of a sorted set: by its members' values, BY nosort in score order with DESC and LIMIT",
    commands: [["zadd","z","1","30","2","10","3","20","4","5"],["sort","z"],["sort","z","desc"],["sort","z","by","nosort"],["sort","z","by","nosort","desc"],["sort","z","by","nosort","limit","1","2"],["sort","z","by","nosort","desc","limit","1","2"],["sort","z","alpha"],["zadd","zs","1","b","2","a","3","c"],["sort","zs","by","nosort"],["sort","zs","alpha","desc","limit","0","2"],["sort","zs"]],
    reply: "+OK\r\n:4\r\n*4\r\n$1\r\n5\r\n$2\r\n10\r\n$2\r\n20\r\n$2\r\n30\r\n*4\r\n$2\r\n30\r\n$2\r\n20\r\n$2\r\n10\r\n$1\r\n5\r\n*4\r\n$2\r\n30\r\n$2\r\n10\r\n$2\r\n20\r\n$1\r\n5\r\n*4\r\n$1\r\n5\r\n$2\r\n20\r\n$2\r\n10\r\n$2\r\n30\r\n*2\r\n$2\r\n10\r\n$2\r\n20\r\n*2\r\n$2\r\n20\r\n$2\r\n10\r\n*4\r\n$2\r\n10\r\n$2\r\n20\r\n$2\r\n30\r\n$1\r\n5\r\n:3\r\n*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n-ERR One or more scores can't be converted into double\r\n",
  },
  {
    name: "COMMAND GETKEYS of SORT and SORT_RO",
    commands: [["command","getkeys","sort","k"],["command","getkeys","sort","k","store","d"],["command","getkeys","sort","k","by","store","get","store","store","d2","limit","store","1"],["command","getkeys","sort_ro","k","by","x"],["command","getkeysandflags","sort","k","store","d"]],
    reply: "+OK\r\n*1\r\n$1\r\nk\r\n*2\r\n$1\r\nk\r\n$1\r\nd\r\n*2\r\n$1\r\nk\r\n$2\r\nd2\r\n*1\r\n$1\r\nk\r\n*2\r\n*2\r\n$1\r\nk\r\n*2\r\n+RO\r\n+access\r\n*2\r\n$1\r\nd\r\n*2\r\n+OW\r\n+update\r\n",
  },
];

for (const shards of [1, 3]) {
  describe(`SORT --shards ${shards}`, () => {
    const server = useServerOrStock({ shards });
    const client = useClient(server);
    flushBeforeEach(client);

    it.each(SESSIONS)('$name', async (session) => {
      expect(await runSession(server.port, session)).toBe(session.reply);
    });

    it('reads every pattern key in one step: a writer moving weight between keys is never seen half done', async () => {
      const ids = Array.from({ length: 20 }, (_, i) => String(i));
      await client.rpush('ids', ...ids);
      for (const id of ids) await client.set(`w_${id}`, '1');
      const writer = await connectIoredis(server);
      let writing = true;
      const moves = (async () => {
        for (let i = 0; writing; i++) {
          const from = `w_${i % 20}`;
          const to = `w_${(i + 7) % 20}`;
          // Each MULTI keeps the total at 20.
          await writer.multi().decr(from).incr(to).exec();
        }
      })();
      try {
        for (let round = 0; round < 30; round++) {
          const weights = (await client.sort('ids', 'BY', 'nosort', 'GET', 'w_*')) as string[];
          expect(weights.reduce((sum, weight) => sum + Number(weight), 0)).toBe(20);
        }
      } finally {
        writing = false;
        await moves;
        writer.disconnect();
      }
    });
  });
}
