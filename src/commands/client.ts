// CLIENT family: ID, SETNAME, GETNAME, INFO, LIST, KILL, NO-EVICT, HELP.
// LIST and KILL reach every thread: each thread knows only its own clients.

import type { CommandContext, Bindings } from './command.ts';
import { Errors } from '../protocol/errors.ts';
import { argText, isKeyword, parseInteger } from '../protocol/args.ts';
import { clientNameError } from './connection.ts';
import { replyHelp } from './help.ts';
import type { Client } from '../server/client.ts';
import type { ServerContext } from '../server/server-context.ts';
import { onEveryShard, stepwise } from './step-plans.ts';
import { ReplyError, type ReplyValue } from '../protocol/reply-reader.ts';
import type { ReplyWriter } from '../protocol/reply-writer.ts';
import { callerArg, HOP_PART } from '../shard/hop-format.ts';

/** Every client authenticates as Redis's only user until ACLs exist. */
const DEFAULT_USER = 'default';

function clientId(ctx: CommandContext): void {
  ctx.out.integer((ctx.client as Client).id);
}

function clientSetName(ctx: CommandContext): void {
  const error = clientNameError(ctx.argv[2]);
  if (error !== null) {
    ctx.out.error(error);
    return;
  }
  (ctx.client as Client).name = ctx.argv[2].toString();
  ctx.out.ok();
}

function clientGetName(ctx: CommandContext): void {
  const name = (ctx.client as Client).name;
  if (name === '') ctx.out.nullBulk();
  else ctx.out.bulkString(name);
}

/** The command running now, as Redis's CLIENT LIST counts it for its caller: its bytes still in the query buffer (as a multibulk request), and its arguments' bytes. */
interface Running {
  request: number;
  argv: number;
}

function running(argv: readonly Buffer[], argc: number): Running {
  let request = 3 + String(argc).length;
  let args = 0;
  for (let i = 0; i < argc; i++) {
    request += 5 + String(argv[i].length).length + argv[i].length;
    args += argv[i].length;
  }
  return { request, argv: args };
}

const IDLE: Running = { request: 0, argv: 0 };

/** One line of CLIENT LIST / CLIENT INFO, with Redis 7.0's fields in its order; `current`: the caller's command running now. */
export function clientInfoLine(client: Client, now: number, current: Running = IDLE): string {
  const seconds = Math.floor(now / 1000);
  let flags = '';
  const subscriptions = client.subscriptions?.sets;
  const tracking = client.tracking;
  if (client.monitoring) flags += 'O';
  if (subscriptions !== undefined) flags += 'P';
  if (client.queued !== null) flags += 'x';
  if (client.blocked !== null) flags += 'b';
  if (tracking !== null) flags += 't';
  if (tracking?.brokenRedirect === true) flags += 'R';
  if (tracking?.bcast === true) flags += 'B';
  if (client.closeAfterReply) flags += 'c';
  if (client.noEvict) flags += 'e';
  if (flags === '') flags = 'N';
  const socket = client.socket;
  const events = `${socket.isPaused() ? '' : 'r'}${socket.writableLength > 0 ? 'w' : ''}`;
  const replyBuffer = client.out.buffer.length;
  const outputMemory = client.outputBytes();
  // Node exposes no descriptor of a socket: fd=-1, as Redis shows for clients without one.
  return (
    `id=${client.id} addr=${client.addr} laddr=${client.laddr} fd=-1 name=${client.name} ` +
    `age=${seconds - Math.floor(client.createdAt / 1000)} idle=${seconds - Math.floor(client.lastInteraction / 1000)} ` +
    `flags=${flags} db=${client.db} sub=${subscriptions?.[0].size ?? 0} psub=${subscriptions?.[1].size ?? 0} ssub=${subscriptions?.[2].size ?? 0} multi=${client.queued === null ? -1 : client.queued.length} ` +
    `qbuf=${client.parser.bufferedBytes() + current.request} qbuf-free=0 argv-mem=${current.argv} multi-mem=${client.queuedBytes()} ` +
    `rbs=${replyBuffer} rbp=${replyBuffer} obl=${client.out.length} oll=0 omem=${outputMemory} tot-mem=${client.memoryUsage()} ` +
    `events=${events} cmd=${client.lastCommand} user=${DEFAULT_USER} redir=${tracking === null ? -1 : tracking.redirect} resp=${client.proto}\n`
  );
}

function clientInfo(ctx: CommandContext): void {
  ctx.out.verbatim(clientInfoLine(ctx.client as Client, Date.now(), running(ctx.argv, ctx.argc)));
}

/** Redis's client types; a client here is a normal one, or pubsub while subscribed (no replication yet). */
const CLIENT_TYPES = ['normal', 'slave', 'replica', 'pubsub', 'master'];

function parseClientType(arg: Buffer): string {
  const type = arg.toString().toLowerCase();
  if (!CLIENT_TYPES.includes(type)) throw new ReplyError(`ERR Unknown client type '${arg.toString()}'`);
  return type === 'slave' ? 'replica' : type;
}

/** CLIENT LIST [TYPE type] | [ID id ...]: which clients to list, or the ids asked, in order. */
interface ListFilter {
  type: string | null;
  ids: number[] | null;
}

function parseListFilter(argv: Buffer[], argc: number): ListFilter {
  if (argc === 4 && isKeyword(argv[2], 'type')) return { type: parseClientType(argv[3]), ids: null };
  if (argc > 3 && isKeyword(argv[2], 'id')) {
    const ids: number[] = [];
    for (let i = 3; i < argc; i++) {
      const id = parseInteger(argv[i]);
      if (id === null) throw new ReplyError('ERR Invalid client ID');
      ids.push(Number(id));
    }
    return { type: null, ids };
  }
  if (argc !== 2) throw new ReplyError(Errors.syntax);
  return { type: null, ids: null };
}

/** The per-thread part of CLIENT LIST: this thread's matching clients, one line each. */
function clientListOnShard(ctx: CommandContext): void {
  let filter: ListFilter;
  try {
    filter = parseListFilter(ctx.argv, ctx.argc);
  } catch (error) {
    ctx.out.error((error as ReplyError).message);
    return;
  }
  const clients = ctx.server.clients;
  const now = Date.now();
  const lines: string[] = [];
  if (filter.ids !== null) {
    for (const id of filter.ids) {
      const client = clients.get(id);
      if (client !== undefined) lines.push(clientInfoLine(client, now));
    }
  } else if (filter.type === null || filter.type === 'normal' || filter.type === 'pubsub') {
    for (const client of clients.values()) {
      if (filter.type === null || (client.subscriptions !== null) === (filter.type === 'pubsub')) lines.push(clientInfoLine(client, now));
    }
  }
  ctx.out.bulkString(lines.join(''));
}

function lineId(line: string): number {
  return Number(line.slice(3, line.indexOf(' ')));
}

/** Joins the threads' lists: by client id, or in the order the ids were asked. */
function mergeClientLists(replies: ReplyValue[], out: ReplyWriter, request: { args: Buffer[]; client: Client }): void {
  const lines: string[] = [];
  const current = running(request.args, request.args.length);
  for (const reply of replies) {
    for (const line of (reply as Buffer).toString().split('\n')) {
      if (line === '') continue;
      // The caller's own CLIENT LIST is still in its query buffer, and its arguments in argv-mem, as in Redis.
      if (lineId(line) === request.client.id) {
        lines.push(`${line.replace(/ qbuf=(\d+) /, (_, bytes: string) => ` qbuf=${Number(bytes) + current.request} `).replace(' argv-mem=0 ', ` argv-mem=${current.argv} `)}\n`);
      } else {
        lines.push(`${line}\n`);
      }
    }
  }
  const asked = request.args.length > 3 && isKeyword(request.args[2], 'id') ? request.args.slice(3).map((arg) => Number(parseInteger(arg))) : null;
  if (asked === null) lines.sort((a, b) => lineId(a) - lineId(b));
  else lines.sort((a, b) => asked.indexOf(lineId(a)) - asked.indexOf(lineId(b)));
  out.verbatim(lines.join(''));
}

/** CLIENT KILL's filters; an old-style `CLIENT KILL addr:port` is an ADDR filter that may kill the caller. */
interface KillFilter {
  addr: string | null;
  laddr: string | null;
  type: string | null;
  id: number;
  skipMe: boolean;
  oldStyle: boolean;
}

function parseKillFilter(argv: Buffer[], argc: number): KillFilter {
  const filter: KillFilter = { addr: null, laddr: null, type: null, id: 0, skipMe: true, oldStyle: argc === 3 };
  if (argc === 3) {
    filter.addr = argText(argv[2]);
    filter.skipMe = false;
    return filter;
  }
  for (let i = 2; i < argc; i += 2) {
    if (i + 1 >= argc) throw new ReplyError(Errors.syntax);
    const option = argv[i];
    const value = argv[i + 1];
    if (isKeyword(option, 'id')) {
      const id = parseInteger(value);
      if (id === null || id < 1n) throw new ReplyError('ERR client-id should be greater than 0');
      filter.id = Number(id);
    } else if (isKeyword(option, 'type')) {
      filter.type = parseClientType(value);
    } else if (isKeyword(option, 'addr')) {
      filter.addr = argText(value);
    } else if (isKeyword(option, 'laddr')) {
      filter.laddr = argText(value);
    } else if (isKeyword(option, 'user')) {
      if (argText(value) !== DEFAULT_USER) throw new ReplyError(`ERR No such user '${argText(value)}'`);
    } else if (isKeyword(option, 'skipme')) {
      if (isKeyword(value, 'yes')) filter.skipMe = true;
      else if (isKeyword(value, 'no')) filter.skipMe = false;
      else throw new ReplyError(Errors.syntax);
    } else {
      throw new ReplyError(Errors.syntax);
    }
  }
  return filter;
}

/** Kills this thread's clients that match; the caller (when here) is closed after its reply, unless skipped. */
function killMatching(server: ServerContext, filter: KillFilter, caller: Client | null): number {
  let killed = 0;
  for (const client of server.clients.values()) {
    if (filter.addr !== null && client.addr !== filter.addr) continue;
    if (filter.laddr !== null && client.laddr !== filter.laddr) continue;
    if (filter.type !== null && filter.type !== (client.subscriptions !== null ? 'pubsub' : 'normal')) continue;
    if (filter.id !== 0 && client.id !== filter.id) continue;
    if (client === caller) {
      if (filter.skipMe) continue;
      client.closeAfterReply = true;
    } else {
      client.kill();
      // Gone from CLIENT LIST and KILL at once, not when its socket's close event comes.
      server.clients.delete(client.id);
    }
    killed++;
  }
  return killed;
}

/** The per-thread part of CLIENT KILL, run on the other threads: how many of their clients it killed. */
function clientKillOnShard(ctx: CommandContext): void {
  try {
    ctx.out.integer(killMatching(ctx.server, parseKillFilter(ctx.argv, ctx.argc), null));
  } catch (error) {
    ctx.out.error((error as ReplyError).message);
  }
}

/** CLIENT KILL: checks the filters here, kills here (where the caller lives), then on every other thread. */
const killOnEveryThread = stepwise(async (coordinator, client, args, out) => {
  const filter = parseKillFilter(args, args.length);
  let killed = killMatching(coordinator.server, filter, client);
  const others: Promise<ReplyValue>[] = [];
  for (let shard = 0; shard < coordinator.shardCount; shard++) {
    if (shard !== coordinator.localShard) others.push(coordinator.call(shard, client.db, HOP_PART, args));
  }
  for (const reply of await Promise.all(others)) {
    if (reply instanceof ReplyError) throw reply;
    killed += Number(reply);
  }
  if (!filter.oldStyle) out.integer(killed);
  else if (killed === 0) out.error('ERR No such client');
  else out.ok();
});

/** CLIENT UNBLOCK id [TIMEOUT|ERROR]: whom, and how; a ReplyError in Redis's words when the arguments are wrong. */
function parseUnblock(args: readonly Buffer[], argc: number): { id: number; withError: boolean } {
  if (argc > 4) throw new ReplyError("ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.");
  let withError = false;
  if (argc === 4) {
    if (isKeyword(args[3], 'error')) withError = true;
    else if (!isKeyword(args[3], 'timeout')) throw new ReplyError('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const id = parseInteger(args[2]);
  if (id === null) throw new ReplyError(Errors.notInteger);
  return { id: Number(id), withError };
}

/** Ends the wait of this thread's client `id`, if it is blocked: 1 when it was, else 0. */
function unblockHere(server: ServerContext, id: number, withError: boolean): number {
  const target = server.clients.get(id);
  return target !== undefined && server.unblockClient(target, withError) ? 1 : 0;
}

/** The per-thread part of CLIENT UNBLOCK, run on the other threads. */
function clientUnblockOnShard(ctx: CommandContext): void {
  try {
    const { id, withError } = parseUnblock(ctx.argv, ctx.argc);
    ctx.out.integer(unblockHere(ctx.server, id, withError));
  } catch (error) {
    ctx.out.error((error as ReplyError).message);
  }
}

/** CLIENT UNBLOCK: the client is on this thread or another; it is looked for here first. */
const unblockOnEveryThread = stepwise(async (coordinator, _client, args, out) => {
  const { id, withError } = parseUnblock(args, args.length);
  let unblocked = unblockHere(coordinator.server, id, withError);
  for (let shard = 0; shard < coordinator.shardCount && unblocked === 0; shard++) {
    if (shard === coordinator.localShard) continue;
    const reply = await coordinator.call(shard, 0, HOP_PART, args);
    if (reply instanceof ReplyError) throw reply;
    unblocked = Number(reply);
  }
  out.integer(unblocked);
});

function clientNoEvict(ctx: CommandContext): void {
  const client = ctx.client as Client;
  if (isKeyword(ctx.argv[2], 'on')) client.noEvict = true;
  else if (isKeyword(ctx.argv[2], 'off')) client.noEvict = false;
  else {
    ctx.out.error(Errors.syntax);
    return;
  }
  ctx.out.ok();
}

/** CLIENT PAUSE timeout [WRITE|ALL]: every thread holds the commands it covers until then (server/client-pause.ts). */
function clientPause(ctx: CommandContext): void {
  if (ctx.argc > 4) {
    ctx.out.error(Errors.syntax);
    return;
  }
  let type: 'write' | 'all' = 'all';
  if (ctx.argc === 4) {
    if (isKeyword(ctx.argv[3], 'write')) type = 'write';
    else if (!isKeyword(ctx.argv[3], 'all')) {
      ctx.out.error('ERR CLIENT PAUSE mode must be WRITE or ALL');
      return;
    }
  }
  const timeout = parseInteger(ctx.argv[2]);
  if (timeout === null || timeout > BigInt(Number.MAX_SAFE_INTEGER)) {
    ctx.out.error('ERR timeout is not an integer or out of range');
    return;
  }
  if (timeout < 0n) {
    ctx.out.error('ERR timeout is negative');
    return;
  }
  ctx.server.pause.pause(Date.now() + Number(timeout), type);
  ctx.out.ok();
}

function clientUnpause(ctx: CommandContext): void {
  ctx.server.pause.unpause();
  ctx.out.ok();
}

/** CLIENT REPLY ON|OFF|SKIP: OFF and SKIP are not answered; the connection's thread mutes the replies (server/shard-thread.ts). */
function clientReply(ctx: CommandContext): void {
  const client = ctx.client as Client;
  if (isKeyword(ctx.argv[2], 'on')) {
    client.repliesOff = false;
    client.skipNextReply = false;
    client.muted = false;
    ctx.out.ok();
  } else if (isKeyword(ctx.argv[2], 'off')) {
    client.repliesOff = true;
  } else if (isKeyword(ctx.argv[2], 'skip')) {
    if (!client.repliesOff) client.skipNextReply = true;
  } else {
    ctx.out.error(Errors.syntax);
  }
}

function clientHelp(ctx: CommandContext): void {
  replyHelp(ctx, 'CLIENT', [
    'CACHING (YES|NO)',
    '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
    'GETREDIR',
    '    Return the client ID we are redirecting to when tracking is enabled.',
    'GETNAME',
    '    Return the name of the current connection.',
    'ID',
    '    Return the ID of the current connection.',
    'INFO',
    '    Return information about the current client connection.',
    'KILL <ip:port>',
    '    Kill connection made from <ip:port>.',
    'KILL <option> <value> [<option> <value> [...]]',
    '    Kill connections. Options are:',
    '    * ADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made from the specified address',
    '    * LADDR (<ip:port>|<unixsocket>:0)',
    '      Kill connections made to specified local address',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Kill connections by type.',
    '    * USER <username>',
    '      Kill connections authenticated by <username>.',
    '    * SKIPME (YES|NO)',
    '      Skip killing current connection (default: yes).',
    'LIST [options ...]',
    '    Return information about client connections. Options:',
    '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
    '      Return clients of specified type.',
    'UNPAUSE',
    '    Stop the current client pause, resuming traffic.',
    'PAUSE <timeout> [WRITE|ALL]',
    '    Suspend all, or just write, clients for <timeout> milliseconds.',
    'REPLY (ON|OFF|SKIP)',
    '    Control the replies sent to the current connection.',
    'SETNAME <name>',
    '    Assign the name <name> to the current connection.',
    'UNBLOCK <clientid> [TIMEOUT|ERROR]',
    '    Unblock the specified blocked client.',
    'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
    '         [OPTIN] [OPTOUT] [NOLOOP]',
    '    Control server assisted client side caching.',
    'TRACKINGINFO',
    '    Report tracking status for the current connection.',
    'NO-EVICT (ON|OFF)',
    '    Protect current client connection from eviction.',
  ]);
}

// --- client-side caching: CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO (server/tracking.ts) ---

/** What CLIENT TRACKING ON asks for (server/tracking.ts starts it). */
export interface TrackingOptions {
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  redirect: number;
  redirectThread: number;
  prefixes: Buffer[];
}

type ClientTracking = NonNullable<Client['tracking']>;

/** How the commands of a tracking client name it on other shards (HOP_CALLER), or null for another client. */
export function trackingCaller(client: Client, thread: number): Buffer | null {
  return client.tracking === null ? null : callerArg(client.id, thread);
}

/** CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]... [BCAST] [OPTIN] [OPTOUT] [NOLOOP], as read. */
interface TrackingRequest {
  on: boolean;
  options: TrackingOptions;
}

function parseTracking(args: readonly Buffer[]): TrackingRequest {
  const options: TrackingOptions = { bcast: false, optin: false, optout: false, noloop: false, redirect: 0, redirectThread: -1, prefixes: [] };
  for (let i = 3; i < args.length; i++) {
    const more = i + 1 < args.length;
    if (isKeyword(args[i], 'redirect') && more) {
      if (options.redirect !== 0) throw new ReplyError('ERR A client can only redirect to a single other client');
      const id = parseInteger(args[++i]);
      if (id === null) throw new ReplyError(Errors.notInteger);
      // An id no client has (0 and below included) is not found.
      options.redirect = id > 0n && id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : -1;
    } else if (isKeyword(args[i], 'bcast')) {
      options.bcast = true;
    } else if (isKeyword(args[i], 'optin')) {
      options.optin = true;
    } else if (isKeyword(args[i], 'optout')) {
      options.optout = true;
    } else if (isKeyword(args[i], 'noloop')) {
      options.noloop = true;
    } else if (isKeyword(args[i], 'prefix') && more) {
      options.prefixes.push(args[++i]);
    } else {
      throw new ReplyError(Errors.syntax);
    }
  }
  if (isKeyword(args[2], 'on')) return { on: true, options };
  if (isKeyword(args[2], 'off')) return { on: false, options };
  throw new ReplyError(Errors.syntax);
}

const REDIRECT_MISSING = 'ERR The client ID you want redirect to does not exist';

/** Redis's check of new BCAST prefixes: none overlaps another, or one the client has; the error, or null. */
function prefixCollision(state: ClientTracking | null, prefixes: readonly Buffer[]): string | null {
  const overlaps = (a: Buffer, b: Buffer): boolean => {
    const length = Math.min(a.length, b.length);
    return a.subarray(0, length).equals(b.subarray(0, length));
  };
  for (let i = 0; i < prefixes.length; i++) {
    for (const existing of state?.prefixes ?? []) {
      if (overlaps(Buffer.from(existing, 'latin1'), prefixes[i])) {
        return `ERR Prefix '${prefixes[i].toString('latin1')}' overlaps with an existing prefix '${existing}'. Prefixes for a single client must not overlap.`;
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (overlaps(prefixes[i], prefixes[j])) {
        return `ERR Prefix '${prefixes[i].toString('latin1')}' overlaps with another provided prefix '${prefixes[j].toString('latin1')}'. Prefixes for a single client must not overlap.`;
      }
    }
  }
  return null;
}

/** Redis's checks of CLIENT TRACKING ON against the options and the client's state, in its order; then tracking starts. */
function startTracking(server: ServerContext, client: Client, options: TrackingOptions): void {
  const state = client.tracking;
  if (!options.bcast && options.prefixes.length !== 0) throw new ReplyError('ERR PREFIX option requires BCAST mode to be enabled');
  if (state !== null && state.bcast !== options.bcast) {
    throw new ReplyError("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
  }
  if (options.bcast && (options.optin || options.optout)) throw new ReplyError('ERR OPTIN and OPTOUT are not compatible with BCAST');
  if (options.optin && options.optout) throw new ReplyError("ERR You can't specify both OPTIN mode and OPTOUT mode");
  if (state !== null && ((options.optin && state.optout) || (options.optout && state.optin))) {
    throw new ReplyError("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
  }
  if (options.bcast) {
    const collision = prefixCollision(state, options.prefixes);
    if (collision !== null) throw new ReplyError(collision);
  }
  server.tracking.enable(client, options);
}

/** The per-thread part of CLIENT TRACKING, run on the other threads: 1 when the redirect client is one of theirs. */
function clientTrackingOnShard(ctx: CommandContext): void {
  try {
    const { options } = parseTracking(ctx.argv.slice(0, ctx.argc));
    ctx.out.integer(ctx.server.clients.has(options.redirect) ? 1 : 0);
  } catch (error) {
    ctx.out.error((error as ReplyError).message);
  }
}

/** CLIENT TRACKING: the redirect client is looked for here, then on the other threads; tracking starts or stops here. */
const trackingOnEveryThread = stepwise(async (coordinator, client, args, out) => {
  const { on, options } = parseTracking(args);
  if (options.redirect !== 0) {
    let thread = coordinator.server.clients.has(options.redirect) ? coordinator.localShard : -1;
    for (let shard = 0; shard < coordinator.shardCount && thread < 0 && options.redirect > 0; shard++) {
      if (shard === coordinator.localShard) continue;
      const reply = await coordinator.call(shard, client.db, HOP_PART, args);
      if (reply instanceof ReplyError) throw reply;
      if (reply === 1) thread = shard;
    }
    if (thread < 0) throw new ReplyError(REDIRECT_MISSING);
    options.redirectThread = thread;
  }
  if (on) startTracking(coordinator.server, client, options);
  else coordinator.server.tracking.disable(client);
  out.ok();
});

function clientCaching(ctx: CommandContext): void {
  const state = (ctx.client as Client).tracking;
  if (state === null) {
    ctx.out.error('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
    return;
  }
  if (isKeyword(ctx.argv[2], 'yes')) {
    if (!state.optin) {
      ctx.out.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
      return;
    }
  } else if (isKeyword(ctx.argv[2], 'no')) {
    if (!state.optout) {
      ctx.out.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
      return;
    }
  } else {
    ctx.out.error(Errors.syntax);
    return;
  }
  state.caching = true;
  ctx.out.ok();
}

function clientGetRedir(ctx: CommandContext): void {
  const state = (ctx.client as Client).tracking;
  ctx.out.integer(state === null ? -1 : state.redirect);
}

function clientTrackingInfo(ctx: CommandContext): void {
  const state = (ctx.client as Client).tracking;
  const flags: string[] = [state === null ? 'off' : 'on'];
  if (state !== null) {
    if (state.bcast) flags.push('bcast');
    if (state.optin) flags.push('optin');
    if (state.optin && state.caching) flags.push('caching-yes');
    if (state.optout) flags.push('optout');
    if (state.optout && state.caching) flags.push('caching-no');
    if (state.noloop) flags.push('noloop');
    if (state.brokenRedirect) flags.push('broken_redirect');
  }
  const out = ctx.out;
  out.mapHeader(3);
  out.bulkString('flags');
  out.setHeader(flags.length);
  for (const flag of flags) out.bulkString(flag);
  out.bulkString('redirect');
  out.integer(state === null ? -1 : state.redirect);
  out.bulkString('prefixes');
  out.bulkArray((state?.prefixes ?? []).map((prefix) => Buffer.from(prefix, 'latin1')).sort(Buffer.compare));
}

// --- the bindings (the rows are table/client.ts) ---

export const clientBindings: Bindings = {
  'client|id': clientId,
  'client|setname': clientSetName,
  'client|getname': clientGetName,
  'client|info': clientInfo,
  'client|list': { handler: clientListOnShard, multiShard: onEveryShard(mergeClientLists) },
  'client|kill': { handler: clientKillOnShard, multiShard: killOnEveryThread },
  'client|unblock': { handler: clientUnblockOnShard, multiShard: unblockOnEveryThread },
  'client|no-evict': clientNoEvict,
  'client|reply': clientReply,
  'client|pause': clientPause,
  'client|unpause': clientUnpause,
  'client|tracking': { handler: clientTrackingOnShard, multiShard: trackingOnEveryThread },
  'client|caching': clientCaching,
  'client|getredir': clientGetRedir,
  'client|trackinginfo': clientTrackingInfo,
  'client|help': clientHelp,
};
