// The geo family against a real server on one and two shards: GEOADD,
// GEOPOS, GEODIST, GEOHASH, GEORADIUS, GEORADIUSBYMEMBER (and _RO), GEOSEARCH
// and GEOSEARCHSTORE (between shards) with their options and errors, RESP2 and
// RESP3; coordinates, distances and hashes to the digit. Each session was
// sent to stock redis-server 7.0.15 and its reply recorded (see
// helpers/recorded-sessions.ts); "a" and "b" live on different shards with
// two. A search of random points is checked against the distances GEODIST
// gives.

import { describe, expect, it } from 'vitest';
import { flushBeforeEach, useClient } from './helpers/clients.ts';
import { runSession, type Session } from './helpers/recorded-sessions.ts';
import { useServerOrStock } from './helpers/stock-server.ts';
import { keysOnShard } from './helpers/raw-client.ts';

const SESSIONS: Session[] = [
  {
    name: "GEOADD with NX XX CH, GEOPOS, GEOHASH, and their errors",
    commands: [["geoadd","a","13.361389","38.115556","Palermo","15.087269","37.502669","Catania"],["geoadd","a","13.361389","38.115556","Palermo"],["geoadd","a","ch","13.4","38.1","Palermo","2.35","48.85","Paris"],["geoadd","a","nx","0","0","Palermo","1","1","Null"],["geoadd","a","xx","ch","2","2","Null","3","3","Nope"],["geopos","a","Palermo","Catania","Nope","Paris","Null"],["geohash","a","Palermo","Catania","Nope","Paris"],["geopos","nokey","x"],["geohash","nokey","x"],["zrange","a","0","-1","withscores"],["type","a"],["geoadd","a","181","0","x"],["geoadd","a","0","86","x"],["geoadd","a","-180","-85.05112878","edge"],["geoadd","a","180","85.05112878","edge2"],["geopos","a","edge","edge2"],["geohash","a","edge","edge2"],["geoadd","a","x","0","y"],["geoadd","a","0","0"],["geoadd","a","nx","xx","0","0","x"],["geoadd","a","ch","0","0"],["geopos","a"],["set","s","v"],["geoadd","s","0","0","x"],["geopos","s","x"],["geohash","s","x"],["geodist","s","x","y"]],
    reply: "+OK\r\n:2\r\n:0\r\n:2\r\n:1\r\n:1\r\n*5\r\n*2\r\n$20\r\n13.40000241994857788\r\n$20\r\n38.10000081174143105\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n*-1\r\n*2\r\n$19\r\n2.34999865293502808\r\n$20\r\n48.84999911645039106\r\n*2\r\n$19\r\n2.00000256299972534\r\n$18\r\n2.0000001856465488\r\n*4\r\n$11\r\nsqc88zvsdd0\r\n$11\r\nsqdtr74hyu0\r\n$-1\r\n$11\r\nu09tvkz5yg0\r\n*1\r\n*-1\r\n*1\r\n$-1\r\n*8\r\n$4\r\nNull\r\n$16\r\n3378191666521995\r\n$7\r\nPalermo\r\n$16\r\n3479099937378871\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n$5\r\nParis\r\n$16\r\n3663832751688490\r\n+zset\r\n-ERR invalid longitude,latitude pair 181.000000,0.000000\r\n-ERR invalid longitude,latitude pair 0.000000,86.000000\r\n:1\r\n:1\r\n*2\r\n*2\r\n$22\r\n-179.99999731779098511\r\n$21\r\n-85.05112751263942528\r\n*2\r\n$3\r\n180\r\n$19\r\n85.0511287799999991\r\n*2\r\n$11\r\n00bh0hbj200\r\n$11\r\nbp05b5048p0\r\n-ERR value is not a valid float\r\n-ERR wrong number of arguments for 'geoadd' command\r\n-ERR syntax error\r\n-ERR syntax error\r\n*0\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "GEODIST in every unit, missing members, and its errors",
    commands: [["geoadd","a","13.361389","38.115556","Palermo","15.087269","37.502669","Catania","-122.27652","37.805186","Oakland"],["geodist","a","Palermo","Catania"],["geodist","a","Palermo","Catania","km"],["geodist","a","Palermo","Catania","MI"],["geodist","a","Palermo","Catania","ft"],["geodist","a","Palermo","Oakland","km"],["geodist","a","Palermo","Palermo"],["geodist","a","Palermo","Nope"],["geodist","nokey","a","b"],["geodist","a","Palermo","Catania","parsec"],["geodist","a","Palermo","Catania","km","x"],["geodist","nokey","a","b","parsec"]],
    reply: "+OK\r\n:3\r\n$11\r\n166274.1516\r\n$8\r\n166.2742\r\n$8\r\n103.3182\r\n$11\r\n545518.8700\r\n$10\r\n10431.6657\r\n$6\r\n0.0000\r\n$-1\r\n$-1\r\n-ERR unsupported unit provided. please use M, KM, FT, MI\r\n-ERR syntax error\r\n-ERR unsupported unit provided. please use M, KM, FT, MI\r\n",
  },
  {
    name: "GEORADIUS and GEORADIUSBYMEMBER with WITHDIST WITHHASH WITHCOORD, ASC DESC, COUNT ANY, and their errors",
    commands: [["geoadd","a","13.361389","38.115556","Palermo","15.087269","37.502669","Catania","12.758489","38.788135","edge1","17.241510","38.788135","edge2","13.583333","37.316667","Agrigento"],["georadius","a","15","37","200","km","asc"],["georadius","a","15","37","200","km","desc","withdist"],["georadius","a","15","37","200","km","withdist","withcoord","withhash","asc"],["georadius","a","15","37","200","km","count","1"],["georadius","a","15","37","200","km","count","2","desc"],["georadius","a","15","37","200","km","count","1","any"],["georadius","a","15","37","1","m"],["georadius","a","15","37","0","km"],["georadius_ro","a","15","37","100","mi","asc","withdist"],["georadiusbymember","a","Palermo","200","km","asc","withdist"],["georadiusbymember_ro","a","Catania","100","km","desc"],["georadiusbymember","a","Nope","100","km"],["georadiusbymember","nokey","Nope","100","km"],["georadius","a","15","37","-1","km"],["georadius","a","15","37","x","km"],["georadius","a","15","37","1","parsec"],["georadius","a","200","37","1","km"],["georadius","a","15","37","100","km","count","0"],["georadius","a","15","37","100","km","count","x"],["georadius","a","15","37","100","km","any"],["georadius","a","15","37","100","km","foo"],["georadius_ro","a","15","37","100","km","store","x"],["georadius","a","15","37","100","km","store","x","withdist"],["georadius","nokey","15","37","100","km"],["georadius","a","15","37","20000","km","asc"],["georadius","a","0","0","5000","km"],["set","s","v"],["georadius","s","15","37","100","km"],["georadiusbymember","s","x","100","km"]],
    reply: "+OK\r\n:5\r\n*3\r\n$7\r\nCatania\r\n$9\r\nAgrigento\r\n$7\r\nPalermo\r\n*3\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n*2\r\n$9\r\nAgrigento\r\n$8\r\n130.4235\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*3\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n*4\r\n$9\r\nAgrigento\r\n$8\r\n130.4235\r\n:3479030013248308\r\n*2\r\n$19\r\n13.5833314061164856\r\n$20\r\n37.31666804993816555\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n:3479099956230698\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*1\r\n$7\r\nCatania\r\n*2\r\n$7\r\nPalermo\r\n$9\r\nAgrigento\r\n*1\r\n$9\r\nAgrigento\r\n*0\r\n*0\r\n*2\r\n*2\r\n$7\r\nCatania\r\n$7\r\n35.0711\r\n*2\r\n$9\r\nAgrigento\r\n$7\r\n81.0416\r\n*4\r\n*2\r\n$7\r\nPalermo\r\n$6\r\n0.0000\r\n*2\r\n$9\r\nAgrigento\r\n$7\r\n90.9778\r\n*2\r\n$5\r\nedge1\r\n$7\r\n91.4007\r\n*2\r\n$7\r\nCatania\r\n$8\r\n166.2742\r\n*1\r\n$7\r\nCatania\r\n-ERR could not decode requested zset member\r\n*0\r\n-ERR radius cannot be negative\r\n-ERR need numeric radius\r\n-ERR unsupported unit provided. please use M, KM, FT, MI\r\n-ERR invalid longitude,latitude pair 200.000000,37.000000\r\n-ERR COUNT must be > 0\r\n-ERR value is not an integer or out of range\r\n-ERR the ANY argument requires COUNT argument\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n*0\r\n*5\r\n$7\r\nCatania\r\n$9\r\nAgrigento\r\n$7\r\nPalermo\r\n$5\r\nedge2\r\n$5\r\nedge1\r\n*5\r\n$9\r\nAgrigento\r\n$7\r\nPalermo\r\n$5\r\nedge1\r\n$7\r\nCatania\r\n$5\r\nedge2\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
  },
  {
    name: "GEORADIUS STORE and STOREDIST, GEOSEARCHSTORE between shards",
    commands: [["geoadd","{t}a","13.361389","38.115556","Palermo","15.087269","37.502669","Catania"],["georadius","{t}a","15","37","200","km","store","{t}b"],["zrange","{t}b","0","-1","withscores"],["georadius","{t}a","15","37","200","km","storedist","{t}b"],["zrange","{t}b","0","-1","withscores"],["georadiusbymember","{t}a","Palermo","100","km","store","{t}b"],["zrange","{t}b","0","-1"],["georadius","{t}a","15","37","1","km","store","{t}b"],["exists","{t}b"],["geoadd","b","13.361389","38.115556","Palermo","15.087269","37.502669","Catania"],["geosearchstore","a","b","fromlonlat","15","37","byradius","200","km","asc"],["zrange","a","0","-1","withscores"],["geosearchstore","a","b","frommember","Palermo","bybox","400","400","km","storedist","desc","count","1"],["zrange","a","0","-1","withscores"],["geosearchstore","a","b","fromlonlat","0","0","byradius","1","km"],["exists","a"],["geosearchstore","a","nokey","fromlonlat","0","0","byradius","1","km"],["geosearchstore","a","b","fromlonlat","0","0","byradius","1","km","withdist"],["geosearchstore","a","b","frommember","Nope","byradius","1","km"],["geosearchstore","a","b","fromlonlat","0","0"]],
    reply: "+OK\r\n:2\r\n:2\r\n*4\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n:2\r\n*4\r\n$7\r\nCatania\r\n$18\r\n56.441257870158204\r\n$7\r\nPalermo\r\n$18\r\n190.44242984775784\r\n:1\r\n*1\r\n$7\r\nPalermo\r\n:0\r\n:0\r\n:2\r\n:2\r\n*4\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n:1\r\n*2\r\n$7\r\nCatania\r\n$18\r\n166.27415156960032\r\n:0\r\n:0\r\n:0\r\n-ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n-ERR could not decode requested zset member\r\n-ERR wrong number of arguments for 'geosearchstore' command\r\n",
  },
  {
    name: "GEOSEARCH by radius and by box, from a member or a point, and its errors",
    commands: [["geoadd","a","-73.9454966","40.747533","lic market","-73.9733487","40.7648057","central park n/q/r","-73.9903085","40.7362513","union square","-74.0131604","40.7126674","wtc one","-73.7858139","40.6428986","jfk","-73.9375699","40.7498929","q4","-73.9564142","40.7480973","4545"],["geosearch","a","fromlonlat","-73.9798091","40.7598464","byradius","3","km","asc"],["geosearch","a","fromlonlat","-73.9798091","40.7598464","bybox","6","6","km","asc","withdist"],["geosearch","a","frommember","union square","byradius","5","km","desc","withcoord"],["geosearch","a","frommember","union square","bybox","10","2","mi","withhash","count","2"],["geosearch","a","fromlonlat","-73.9798091","40.7598464","byradius","30","km"],["geosearch","a","fromlonlat","-73.9798091","40.7598464","byradius","30","km","count","3","any"],["geosearch","nokey","frommember","x","byradius","1","km"],["geosearch","a","frommember","nope","byradius","1","km"],["geosearch","a","byradius","1","km"],["geosearch","a","fromlonlat","0","0"],["GEOSEARCH","a","fromlonlat","0","0","frommember","x","byradius","1","km"],["geosearch","a","fromlonlat","0","0","byradius","1","km","bybox","1","1","km"],["geosearch","a","fromlonlat","0","0","bybox","-1","1","km"],["geosearch","a","fromlonlat","0","0","bybox","x","1","km"],["geosearch","a","fromlonlat","0","0","bybox","1","y","km"],["geosearch","a","fromlonlat","0","0","byradius","1","km","store","x"],["geosearch","a","fromlonlat","0","0","byradius","1","km","storedist"],["geosearch","a","fromlonlat","0","0","byradius","1","km","any"]],
    reply: "+OK\r\n:7\r\n*3\r\n$18\r\ncentral park n/q/r\r\n$4\r\n4545\r\n$12\r\nunion square\r\n*4\r\n*2\r\n$18\r\ncentral park n/q/r\r\n$6\r\n0.7750\r\n*2\r\n$4\r\n4545\r\n$6\r\n2.3651\r\n*2\r\n$12\r\nunion square\r\n$6\r\n2.7697\r\n*2\r\n$10\r\nlic market\r\n$6\r\n3.1991\r\n*6\r\n*2\r\n$2\r\nq4\r\n*2\r\n$21\r\n-73.93757253885269165\r\n$20\r\n40.74989209639726795\r\n*2\r\n$10\r\nlic market\r\n*2\r\n$21\r\n-73.94549578428268433\r\n$20\r\n40.74753227099792952\r\n*2\r\n$18\r\ncentral park n/q/r\r\n*2\r\n$21\r\n-73.97334784269332886\r\n$20\r\n40.76480639569881959\r\n*2\r\n$7\r\nwtc one\r\n*2\r\n$21\r\n-74.01316255331039429\r\n$20\r\n40.71266718145121644\r\n*2\r\n$4\r\n4545\r\n*2\r\n$21\r\n-73.95641237497329712\r\n$20\r\n40.74809751381645384\r\n*2\r\n$12\r\nunion square\r\n*2\r\n$21\r\n-73.99031013250350952\r\n$20\r\n40.73625022711770782\r\n*2\r\n*2\r\n$12\r\nunion square\r\n:1791875485187452\r\n*2\r\n$4\r\n4545\r\n:1791875796750882\r\n*7\r\n$7\r\nwtc one\r\n$12\r\nunion square\r\n$18\r\ncentral park n/q/r\r\n$4\r\n4545\r\n$10\r\nlic market\r\n$2\r\nq4\r\n$3\r\njfk\r\n*3\r\n$7\r\nwtc one\r\n$12\r\nunion square\r\n$18\r\ncentral park n/q/r\r\n*0\r\n-ERR could not decode requested zset member\r\n-ERR wrong number of arguments for 'geosearch' command\r\n-ERR wrong number of arguments for 'geosearch' command\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR height or width cannot be negative\r\n-ERR need numeric width\r\n-ERR need numeric height\r\n-ERR syntax error\r\n-ERR syntax error\r\n-ERR the ANY argument requires COUNT argument\r\n",
  },
  {
    name: "RESP3: geo replies",
    commands: [["hello","3"],["geoadd","a","13.361389","38.115556","Palermo","15.087269","37.502669","Catania"],["geopos","a","Palermo","Nope"],["geodist","a","Palermo","Nope"],["geodist","a","Palermo","Catania"],["geohash","a","Nope"],["georadius","a","15","37","200","km","withdist","withcoord","asc"],["geosearch","nokey","fromlonlat","0","0","byradius","1","km"]],
    reply: "+OK\r\n%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:ID\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n:2\r\n*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n_\r\n$11\r\n166274.1516\r\n*1\r\n_\r\n*2\r\n*3\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n*3\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n*0\r\n",
  },
];

for (const shards of [1, 2]) {
  describe(`geo commands --shards ${shards}`, () => {
    const server = useServerOrStock({ shards });
    const client = useClient(server);
    flushBeforeEach(client);

    it.each(SESSIONS)('$name', async (session) => {
      expect(await runSession(server.port, session)).toBe(session.reply);
    });

    it('GEORADIUS and GEORADIUSBYMEMBER STORE and STOREDIST write to a key of any shard, as GEOSEARCHSTORE does', async () => {
      const [source, near, byMember, searched] = keysOnShard('geo-src', 0, shards, 1).concat(keysOnShard('geo-dst', shards - 1, shards, 3)) as [string, string, string, string];
      await client.geoadd(source, '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania');
      expect(await client.call('georadius', source, '15', '37', '200', 'km', 'store', near)).toBe(2);
      expect(await client.call('georadiusbymember', source, 'Palermo', '100', 'km', 'storedist', byMember)).toBe(1);
      expect(await client.call('geosearchstore', searched, source, 'fromlonlat', '15', '37', 'byradius', '200', 'km', 'storedist')).toBe(2);
      expect(await client.zrange(near, '0', '-1')).toEqual(['Palermo', 'Catania']);
      expect(await client.zrange(byMember, '0', '-1', 'WITHSCORES')).toEqual(['Palermo', '0']);
      expect(await client.zrange(searched, '0', '-1')).toEqual(['Catania', 'Palermo']);
      // The source missing: the destination is removed.
      expect(await client.call('georadius', 'nosuchkey', '15', '37', '200', 'km', 'store', near)).toBe(0);
      expect(await client.exists(near)).toBe(0);
    });

    it('GEOSEARCH BYRADIUS returns exactly the members GEODIST puts within the radius, nearest first', async () => {
      let seed = shards;
      const random = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
      const args: string[] = [];
      for (let i = 0; i < 300; i++) args.push(String(2 + random() * 2), String(45 + random() * 2), `p${i}`);
      await client.geoadd('pts', ...args);
      await client.geoadd('pts', '3', '46', 'center');
      for (const radius of [10, 50, 120]) {
        const found = (await client.call('geosearch', 'pts', 'frommember', 'center', 'byradius', String(radius), 'km', 'asc', 'withdist')) as [string, string][];
        const distances = found.map(([, d]) => Number(d));
        expect([...distances].sort((x, y) => x - y)).toEqual(distances);
        const expected: string[] = [];
        for (let i = 0; i < 300; i++) {
          const d = Number(await client.geodist('pts', 'center', `p${i}`, 'KM'));
          if (d <= radius) expected.push(`p${i}`);
        }
        expect(found.map(([m]) => m).filter((m) => m !== 'center').sort()).toEqual(expected.sort());
      }
    });
  });
}
