// Connection family: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET.

import type { CommandContext, Bindings } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { isKeyword, parseInteger } from '../protocol/args.ts';
import { DATABASE_COUNT } from '../store/shard-store.ts';
import { REDIS_VERSION } from '../config/version.ts';
import type { Client } from '../server/client.ts';
import type { Config } from '../config/config.ts';
import type { Protocol } from '../protocol/reply-writer.ts';

const PONG = Buffer.from('+PONG\r\n');
const PONG_WORD = Buffer.from('pong');
const EMPTY = Buffer.alloc(0);

function ping(ctx: CommandContext): void {
  if (ctx.argc > 2) ctx.out.error(Errors.wrongArgs('ping'));
  else if (ctx.client !== null && ctx.client.subscriptions !== null && ctx.client.proto === 2) pingSubscribed(ctx);
  else if (ctx.argc === 2) ctx.out.bulk(ctx.argv[1]);
  else ctx.out.raw(PONG);
}

/** A RESP2 client in subscribed mode gets PING's answer as a message would come: pong and the argument. */
function pingSubscribed(ctx: CommandContext): void {
  ctx.out.arrayHeader(2);
  ctx.out.bulk(PONG_WORD);
  ctx.out.bulk(ctx.argc === 2 ? ctx.argv[1] : EMPTY);
}

function echo(ctx: CommandContext): void {
  ctx.out.bulk(ctx.argv[1]);
}

function quit(ctx: CommandContext): void {
  ctx.out.ok();
  (ctx.client as Client).closeAfterReply = true;
}

function select(ctx: CommandContext): void {
  const index = parseInteger(ctx.argv[1]);
  if (index === null) {
    ctx.out.error(Errors.notInteger);
  } else if (index < -2147483648n || index > 2147483647n) {
    ctx.out.error('ERR value is out of range, value must between -2147483648 and 2147483647');
  } else if (index < 0n || index >= BigInt(DATABASE_COUNT)) {
    ctx.out.error(Errors.invalidDb);
  } else {
    (ctx.client as Client).db = Number(index);
    ctx.out.ok();
  }
}

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

/** Checks a username/password pair against requirepass (the default user is the only user). */
function checkPassword(config: Config, username: string, password: string): boolean {
  const required = config.get('requirepass');
  return username === 'default' && (required === '' || password === required);
}

function auth(ctx: CommandContext): void {
  const client = ctx.client as Client;
  if (ctx.argc > 3) {
    ctx.out.error(Errors.syntax);
    return;
  }
  const username = ctx.argc === 3 ? ctx.argv[1].toString() : 'default';
  const password = ctx.argv[ctx.argc - 1].toString();
  if (ctx.argc === 2 && ctx.server.config.get('requirepass') === '') {
    ctx.out.error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
    return;
  }
  if (!checkPassword(ctx.server.config, username, password)) {
    ctx.out.error(WRONGPASS);
    return;
  }
  client.authenticated = true;
  ctx.out.ok();
}

/** What a HELLO asks for, as Redis's helloCommand reads its arguments (all of them, before acting on any). */
interface HelloRequest {
  /** The protocol asked for; null: the client's. */
  proto: Protocol | null;
  credentials: [string, string] | null;
  name: Buffer | null;
}

/** HELLO's arguments read, or the error they are answered with (the client's bytes in it one character each). */
function readHello(argv: Buffer[], argc: number): HelloRequest | string {
  const request: HelloRequest = { proto: null, credentials: null, name: null };
  let next = 1;
  if (argc >= 2) {
    const requested = parseInteger(argv[1]);
    if (requested === null) return 'ERR Protocol version is not an integer or out of range';
    if (requested !== 2n && requested !== 3n) return 'NOPROTO unsupported protocol version';
    request.proto = requested === 3n ? 3 : 2;
    next = 2;
  }
  for (let i = next; i < argc; i++) {
    const more = argc - i - 1;
    if (isKeyword(argv[i], 'auth') && more >= 2) {
      request.credentials = [argv[i + 1].toString(), argv[i + 2].toString()];
      i += 2;
    } else if (isKeyword(argv[i], 'setname') && more >= 1) {
      request.name = argv[i + 1];
      i += 1;
    } else {
      return `ERR Syntax error in HELLO option '${argv[i].toString('latin1')}'`;
    }
  }
  return request;
}

/**
 * The protocol an authenticated client is in after HELLO `argv`: the one it
 * asks for, or `current` when HELLO fails (EXEC lays out the replies of the
 * commands after one queued before it runs).
 */
export function protocolAfterHello(config: Config, argv: Buffer[], argc: number, current: Protocol): Protocol {
  const request = readHello(argv, argc);
  if (typeof request === 'string') return current;
  if (request.credentials !== null && !checkPassword(config, ...request.credentials)) return current;
  if (request.name !== null && clientNameError(request.name) !== null) return current;
  return request.proto ?? current;
}

function hello(ctx: CommandContext): void {
  const client = ctx.client as Client;
  const { out } = ctx;
  const request = readHello(ctx.argv, ctx.argc);
  if (typeof request === 'string') {
    out.error(request, 'latin1');
    return;
  }
  // Then AUTH, then the name, as Redis's helloCommand.
  if (request.credentials !== null) {
    if (!checkPassword(ctx.server.config, ...request.credentials)) {
      out.error(WRONGPASS);
      return;
    }
    client.authenticated = true;
  }
  if (!client.authenticated) {
    out.error(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
    return;
  }
  if (request.name !== null) {
    const error = clientNameError(request.name);
    if (error !== null) {
      out.error(error);
      return;
    }
    client.name = request.name.toString();
  }
  const proto = request.proto ?? client.proto;
  client.proto = proto;
  out.proto = proto;
  out.mapHeader(7);
  out.bulkString('server');
  out.bulkString('redis');
  out.bulkString('version');
  out.bulkString(REDIS_VERSION);
  out.bulkString('proto');
  out.integer(proto);
  out.bulkString('id');
  out.integer(client.id);
  out.bulkString('mode');
  out.bulkString('standalone');
  out.bulkString('role');
  out.bulkString('master');
  out.bulkString('modules');
  out.arrayHeader(0);
}

/** Redis refuses client names with spaces, newlines or other non-printable characters. */
export function clientNameError(name: Buffer): string | null {
  for (let i = 0; i < name.length; i++) {
    if (name[i] < 0x21 || name[i] > 0x7e) return 'ERR Client names cannot contain spaces, newlines or special characters.';
  }
  return null;
}

function reset(ctx: CommandContext): void {
  const client = ctx.client as Client;
  client.db = 0;
  client.proto = 2;
  client.name = '';
  client.authenticated = ctx.server.config.get('requirepass') === '';
  client.endTransaction();
  ctx.server.pubsub.forget(client);
  ctx.server.tracking.disable(client);
  ctx.out.proto = 2;
  ctx.out.simple('RESET');
}

// --- the bindings (the rows are table/connection.ts) ---

export const connectionBindings: Bindings = { ping, echo, quit, select, auth, hello, reset };
