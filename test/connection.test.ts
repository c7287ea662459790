// Connection and CLIENT families against a real server: PING, ECHO, QUIT,
// SELECT, AUTH, HELLO, RESET, CLIENT ID/SETNAME/GETNAME/INFO/LIST/KILL/
// NO-EVICT/HELP, with clients spread over every thread.
//
// Expected replies and error strings were read from stock redis-server
// 7.0.15 with the same commands (redis-cli, and raw sockets for bytes).

import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { useServer, type TestServer } from './helpers/server.ts';
import { connectIoredis, connectResp3, errorOf } from './helpers/clients.ts';
import { exchange, resp } from './helpers/raw-client.ts';

/** An ioredis client that neither retries commands nor reconnects (clients here get killed). */
function connect(server: TestServer, options: { password?: string } = {}): Promise<Redis> {
  return connectIoredis(server, { maxRetriesPerRequest: 0, password: options.password, retryStrategy: () => null });
}

/** CLIENT LIST lines as field maps. */
function parseClientList(text: string): Map<string, string>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => new Map(line.split(' ').map((field) => [field.slice(0, field.indexOf('=')), field.slice(field.indexOf('=') + 1)])));
}

const CLIENT_FIELDS = [
  'id', 'addr', 'laddr', 'fd', 'name', 'age', 'idle', 'flags', 'db', 'sub', 'psub', 'ssub', 'multi', 'qbuf', 'qbuf-free',
  'argv-mem', 'multi-mem', 'rbs', 'rbp', 'obl', 'oll', 'omem', 'tot-mem', 'events', 'cmd', 'user', 'redir', 'resp',
];

for (const shards of [1, 2]) {
  describe(`connection commands --shards ${shards}`, () => {
    const server = useServer({ shards });

    it('PING, ECHO and their arity errors', async () => {
      const { reply } = await exchange(server.port, [resp('PING') + resp('PING', 'hello') + resp('PING', 'a', 'b') + resp('ECHO', 'x y') + resp('ECHO') + resp('QUIT', 'x')]);
      expect(reply).toBe(
        "+PONG\r\n$5\r\nhello\r\n-ERR wrong number of arguments for 'ping' command\r\n$3\r\nx y\r\n-ERR wrong number of arguments for 'echo' command\r\n+OK\r\n",
      );
    });

    it('QUIT replies OK and closes the connection', async () => {
      const { reply, closed } = await exchange(server.port, [resp('QUIT') + resp('PING')]);
      expect(reply).toBe('+OK\r\n');
      expect(closed).toBe(true);
    });

    it('SELECT switches databases and refuses bad indexes', async () => {
      const client = await connect(server);
      await client.set('conn:db', 'zero');
      expect(await client.select(15)).toBe('OK');
      expect(await client.get('conn:db')).toBeNull();
      expect(await errorOf(client.select(16))).toBe('ERR DB index is out of range');
      expect(await errorOf(client.select(-1))).toBe('ERR DB index is out of range');
      expect(await errorOf(client.call('select', 'abc'))).toBe('ERR value is not an integer or out of range');
      expect(await errorOf(client.call('select', '2147483648'))).toBe('ERR value is out of range, value must between -2147483648 and 2147483647');
      await client.select(0);
      expect(await client.get('conn:db')).toBe('zero');
      await client.del('conn:db');
      client.disconnect();
    });

    it('AUTH without requirepass', async () => {
      const client = await connect(server);
      expect(await errorOf(client.call('auth', 'a'))).toBe(
        'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
      );
      expect(await client.call('auth', 'default', 'anything')).toBe('OK');
      expect(await errorOf(client.call('auth', 'nobody', 'x'))).toBe('WRONGPASS invalid username-password pair or user is disabled.');
      expect(await errorOf(client.call('auth', 'a', 'b', 'c'))).toBe('ERR syntax error');
      client.disconnect();
    });

    it('HELLO replies its map in RESP2 and RESP3 and checks its options', async () => {
      const { reply } = await exchange(server.port, [resp('CLIENT', 'ID') + resp('HELLO', '3') + resp('HELLO', '2') + resp('QUIT')]);
      const id = /^:(\d+)\r\n/.exec(reply)?.[1] as string;
      const map = (proto: number) =>
        `$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:${proto}\r\n$2\r\nid\r\n:${id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n`;
      expect(reply).toBe(`:${id}\r\n%7\r\n${map(3)}*14\r\n${map(2)}+OK\r\n`);

      const errors = await exchange(server.port, [
        resp('HELLO', '4') + resp('HELLO', 'x') + resp('HELLO', '3', 'setname') + resp('HELLO', '3', 'foo') + resp('HELLO', '2', 'SETNAME', 'a b') +
          resp('HELLO', '99999999999999999') + resp('HELLO', '2', 'AUTH', 'foo', 'x') + resp('QUIT'),
      ]);
      expect(errors.reply).toBe(
        '-NOPROTO unsupported protocol version\r\n' +
          '-ERR Protocol version is not an integer or out of range\r\n' +
          "-ERR Syntax error in HELLO option 'setname'\r\n" +
          "-ERR Syntax error in HELLO option 'foo'\r\n" +
          '-ERR Client names cannot contain spaces, newlines or special characters.\r\n' +
          '-NOPROTO unsupported protocol version\r\n' +
          '-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n',
      );
    });

    it('HELLO SETNAME names the connection; RESET forgets name, db and protocol', async () => {
      const client = await connectResp3(server);
      const hello = (await client.sendCommand(['HELLO', '3', 'SETNAME', 'worker-1'])) as Record<string, unknown>;
      expect(hello.proto).toBe(3);
      expect(await client.sendCommand(['CLIENT', 'GETNAME'])).toBe('worker-1');
      await client.sendCommand(['SELECT', '3']);
      expect(await client.sendCommand(['RESET'])).toBe('RESET');
      expect(await client.sendCommand(['CLIENT', 'GETNAME'])).toBeNull();
      const info = (await client.sendCommand(['CLIENT', 'INFO'])) as string;
      expect(info).toMatch(/ db=0 /);
      expect(info).toMatch(/ resp=2\n$/);
      client.destroy();
    });

    it('CLIENT ID, SETNAME, GETNAME and their errors', async () => {
      const client = await connect(server);
      const id = (await client.call('client', 'id')) as number;
      expect(id).toBeGreaterThan(0);
      expect(await client.call('client', 'getname')).toBeNull();
      expect(await client.call('client', 'setname', 'conn-a')).toBe('OK');
      expect(await client.call('client', 'getname')).toBe('conn-a');
      expect(await errorOf(client.call('client', 'setname', 'a b'))).toBe('ERR Client names cannot contain spaces, newlines or special characters.');
      expect(await client.call('client', 'setname', '')).toBe('OK');
      expect(await client.call('client', 'getname')).toBeNull();
      expect(await errorOf(client.call('client', 'setname'))).toBe("ERR wrong number of arguments for 'client|setname' command");
      expect(await errorOf(client.call('client', 'id', 'x'))).toBe("ERR wrong number of arguments for 'client|id' command");
      expect(await errorOf(client.call('client', 'info', 'x'))).toBe("ERR wrong number of arguments for 'client|info' command");
      expect(await errorOf(client.call('client', 'foo'))).toBe("ERR unknown subcommand 'foo'. Try CLIENT HELP.");
      expect(await errorOf(client.call('client'))).toBe("ERR wrong number of arguments for 'client' command");
      client.disconnect();
    });

    it('CLIENT INFO describes the caller with Redis 7.0 fields, verbatim in RESP3', async () => {
      const client = await connect(server);
      await client.call('client', 'setname', 'me');
      await client.select(2);
      const line = (await client.call('client', 'info')) as string;
      expect(line.endsWith('\n')).toBe(true);
      const [fields] = parseClientList(line);
      expect([...fields.keys()]).toEqual(CLIENT_FIELDS);
      expect(fields.get('id')).toBe(String(await client.call('client', 'id')));
      expect(fields.get('name')).toBe('me');
      expect(fields.get('db')).toBe('2');
      expect(fields.get('cmd')).toBe('client|info');
      expect(fields.get('flags')).toBe('N');
      // The running command, as Redis counts it: its request still in the query buffer, its arguments' bytes.
      expect(fields.get('qbuf')).toBe('26');
      expect(fields.get('argv-mem')).toBe('10');
      expect(fields.get('user')).toBe('default');
      expect(fields.get('laddr')).toBe(`127.0.0.1:${server.port}`);
      expect(Number(fields.get('age'))).toBeLessThanOrEqual(1); // seconds since it connected, just now
      client.disconnect();

      const { reply } = await exchange(server.port, [resp('HELLO', '3') + resp('CLIENT', 'INFO') + resp('QUIT')]);
      expect(reply).toMatch(/\r\n=\d+\r\ntxt:id=\d+ addr=127\.0\.0\.1:\d+ .* cmd=client\|info user=default redir=-1 resp=3\n\r\n\+OK\r\n$/);
    });

    it('CLIENT LIST shows the clients of every thread, by id, with filters', async () => {
      const clients = await Promise.all(Array.from({ length: 6 }, () => connect(server)));
      const ids = (await Promise.all(clients.map((client) => client.call('client', 'id')))) as number[];
      await Promise.all(clients.map((client, i) => client.call('client', 'setname', `c${i}`)));
      const lines = parseClientList((await clients[0].call('client', 'list')) as string);
      const listed = lines.map((fields) => Number(fields.get('id')));
      for (const id of ids) expect(listed).toContain(id);
      expect(listed).toEqual([...listed].sort((a, b) => a - b));
      const mine = lines.find((fields) => fields.get('id') === String(ids[0])) as Map<string, string>;
      expect(mine.get('cmd')).toBe('client|list');
      expect(mine.get('qbuf')).toBe('26');
      expect(mine.get('argv-mem')).toBe('10');
      expect(mine.get('name')).toBe('c0');
      expect((await clients[1].call('client', 'list', 'type', 'normal')) as string).toContain(`id=${ids[1]} `);
      expect(await clients[1].call('client', 'list', 'type', 'pubsub')).toBe('');
      expect(await clients[1].call('client', 'list', 'type', 'replica')).toBe('');

      const picked = parseClientList((await clients[2].call('client', 'list', 'id', String(ids[4]), String(ids[1]), '999999')) as string);
      expect(picked.map((fields) => fields.get('name'))).toEqual(['c4', 'c1']);
      expect(await clients[2].call('client', 'list', 'id', '0')).toBe('');

      expect(await errorOf(clients[0].call('client', 'list', 'type', 'foo'))).toBe("ERR Unknown client type 'foo'");
      expect(await errorOf(clients[0].call('client', 'list', 'id', 'abc'))).toBe('ERR Invalid client ID');
      expect(await errorOf(clients[0].call('client', 'list', 'id'))).toBe('ERR syntax error');
      expect(await errorOf(clients[0].call('client', 'list', 'foo'))).toBe('ERR syntax error');
      for (const client of clients) client.disconnect();
    });

    it('CLIENT KILL by ID, ADDR, LADDR, USER and the old form, on any thread', async () => {
      const killer = await connect(server);
      const victims = await Promise.all(Array.from({ length: 4 }, () => connect(server)));
      const ids = (await Promise.all(victims.map((client) => client.call('client', 'id')))) as number[];
      const closed = victims.map((client) => new Promise<void>((resolve) => client.once('end', () => resolve())));

      expect(await killer.call('client', 'kill', 'id', String(ids[0]))).toBe(1);
      await closed[0];
      expect(await killer.call('client', 'kill', 'id', String(ids[0]))).toBe(0);

      const addr = parseClientList((await victims[1].call('client', 'info')) as string)[0].get('addr') as string;
      expect(await killer.call('client', 'kill', 'addr', addr, 'skipme', 'yes')).toBe(1);
      await closed[1];
      const oldAddr = parseClientList((await victims[2].call('client', 'info')) as string)[0].get('addr') as string;
      expect(await killer.call('client', 'kill', oldAddr)).toBe('OK');
      await closed[2];
      expect(await errorOf(killer.call('client', 'kill', oldAddr))).toBe('ERR No such client');
      expect(await killer.call('client', 'kill', 'laddr', 'x')).toBe(0);
      expect(await killer.call('client', 'kill', 'type', 'master')).toBe(0);

      // USER default matches everyone but the caller (SKIPME yes is the default).
      expect(await killer.call('client', 'kill', 'user', 'default')).toBeGreaterThanOrEqual(1);
      await closed[3];
      expect(await killer.call('client', 'id')).toBeGreaterThan(0);

      expect(await errorOf(killer.call('client', 'kill', 'id', 'abc'))).toBe('ERR client-id should be greater than 0');
      expect(await errorOf(killer.call('client', 'kill', 'id', '0'))).toBe('ERR client-id should be greater than 0');
      expect(await errorOf(killer.call('client', 'kill', 'foo', 'bar'))).toBe('ERR syntax error');
      expect(await errorOf(killer.call('client', 'kill', 'skipme', 'maybe'))).toBe('ERR syntax error');
      expect(await errorOf(killer.call('client', 'kill', 'addr', '1.2.3.4:5', 'id'))).toBe('ERR syntax error');
      expect(await errorOf(killer.call('client', 'kill', 'user', 'nobody'))).toBe("ERR No such user 'nobody'");
      expect(await errorOf(killer.call('client', 'kill', 'type', 'foo'))).toBe("ERR Unknown client type 'foo'");
      expect(await errorOf(killer.call('client', 'kill', 'id'))).toBe('ERR No such client');
      expect(await errorOf(killer.call('client', 'kill'))).toBe("ERR wrong number of arguments for 'client|kill' command");
      killer.disconnect();
    });

    it('CLIENT KILL of oneself: skipped by default, with SKIPME no replies then closes', async () => {
      const socket = net.connect(server.port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString('latin1')));
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      const waitFor = async (length: number) => {
        while (received.length < length) await new Promise((resolve) => setTimeout(resolve, 5));
      };
      socket.write(resp('CLIENT', 'ID'));
      await waitFor(4);
      const id = received.slice(1, -2);
      received = '';
      socket.write(resp('CLIENT', 'KILL', 'ID', id));
      await waitFor(4);
      expect(received).toBe(':0\r\n');
      received = '';
      socket.write(resp('CLIENT', 'KILL', 'ID', id, 'SKIPME', 'no') + resp('PING'));
      await closed;
      expect(received).toBe(':1\r\n');
    });

    it('CLIENT NO-EVICT sets flag e; CLIENT HELP lists the subcommands', async () => {
      const client = await connect(server);
      expect(await client.call('client', 'no-evict', 'on')).toBe('OK');
      expect(parseClientList((await client.call('client', 'info')) as string)[0].get('flags')).toBe('e');
      expect(await client.call('client', 'no-evict', 'OFF')).toBe('OK');
      expect(parseClientList((await client.call('client', 'info')) as string)[0].get('flags')).toBe('N');
      expect(await errorOf(client.call('client', 'no-evict', 'maybe'))).toBe('ERR syntax error');
      expect(await errorOf(client.call('client', 'no-evict'))).toBe("ERR wrong number of arguments for 'client|no-evict' command");
      const help = (await client.call('client', 'help')) as string[];
      expect(help[0]).toBe('CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
      expect(help.slice(-2)).toEqual(['HELP', '    Prints this help.']);
      expect(help).toContain('KILL <ip:port>');
      expect(await errorOf(client.call('client', 'help', 'x'))).toBe("ERR wrong number of arguments for 'client|help' command");
      client.disconnect();
    });

    it('redis-cli sees the clients', async () => {
      const list = await server.cli('client', 'list');
      expect(list).toMatch(/^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=-1 name= age=\d+ idle=\d+ flags=N db=0 /m);
      expect(list).toContain('cmd=client|list user=default redir=-1 resp=2');
    });
  });
}

describe('requirepass (set by CONFIG SET on every thread)', () => {
  const server = useServer({ shards: 2 });
  beforeAll(async () => {
    const { reply } = await exchange(server.port, [resp('CONFIG', 'SET', 'requirepass', 'p@ss word') + resp('QUIT')]);
    expect(reply).toBe('+OK\r\n+OK\r\n');
  });

  it('refuses commands until AUTH, accepts AUTH and HELLO AUTH', async () => {
    const { reply } = await exchange(server.port, [
      resp('GET', 'x') + resp('EXEC') + resp('HELLO', '3') + resp('AUTH', 'wrong') + resp('AUTH', 'default', 'wrong') + resp('AUTH', 'p@ss word') + resp('GET', 'x') + resp('QUIT'),
    ]);
    expect(reply).toBe(
      '-NOAUTH Authentication required.\r\n' +
        '-EXECABORT Transaction discarded because of: NOAUTH Authentication required.\r\n' +
        '-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n' +
        '-WRONGPASS invalid username-password pair or user is disabled.\r\n' +
        '-WRONGPASS invalid username-password pair or user is disabled.\r\n' +
        '+OK\r\n$-1\r\n+OK\r\n',
    );
    const hello = await exchange(server.port, [resp('HELLO', '2', 'AUTH', 'default', 'p@ss word', 'SETNAME', 'n1') + resp('CLIENT', 'GETNAME') + resp('QUIT')]);
    expect(hello.reply).toMatch(/^\*14\r\n\$6\r\nserver\r\n.*\$2\r\nn1\r\n\+OK\r\n$/s);
  });

  it('HELLO with a syntax error after AUTH does not authenticate', async () => {
    const { reply } = await exchange(server.port, [resp('HELLO', '2', 'AUTH', 'default', 'p@ss word', 'bogus') + resp('PING') + resp('QUIT')]);
    expect(reply).toBe("-ERR Syntax error in HELLO option 'bogus'\r\n-NOAUTH Authentication required.\r\n+OK\r\n");
  });

  it('RESET logs the connection out again', async () => {
    const { reply } = await exchange(server.port, [resp('AUTH', 'p@ss word') + resp('RESET') + resp('PING') + resp('QUIT')]);
    expect(reply).toBe('+OK\r\n+RESET\r\n-NOAUTH Authentication required.\r\n+OK\r\n');
  });

  it('ioredis and node-redis authenticate with the password', async () => {
    const ioredis = await connect(server, { password: 'p@ss word' });
    expect(await ioredis.ping()).toBe('PONG');
    ioredis.disconnect();
    const nodeRedis = await connectResp3(server, { password: 'p@ss word' });
    expect(await nodeRedis.ping()).toBe('PONG');
    nodeRedis.destroy();
  });

  it('CONFIG SET requirepass changes the password for new connections on every thread', async () => {
    const admin = await connect(server, { password: 'p@ss word' });
    expect(await admin.config('SET', 'requirepass', 'next')).toBe('OK');
    // The connection that changed it stays authenticated, as in Redis.
    expect(await admin.ping()).toBe('PONG');
    for (let i = 0; i < 4; i++) {
      const { reply } = await exchange(server.port, [resp('AUTH', 'p@ss word') + resp('AUTH', 'next') + resp('QUIT')]);
      expect(reply).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n+OK\r\n');
    }
    expect(await admin.config('SET', 'requirepass', '')).toBe('OK');
    const { reply } = await exchange(server.port, [resp('PING') + resp('QUIT')]);
    expect(reply).toBe('+PONG\r\n+OK\r\n');
    await admin.config('SET', 'requirepass', 'p@ss word');
    admin.disconnect();
  });
});
