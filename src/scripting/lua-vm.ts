// This thread's Lua state (native/lua/vm.c, built by `make`): Lua 5.1 with
// the libraries Redis loads, compiled scripts kept by name, and the calls a
// running script makes into the server, handed to the ScriptHost of the run.

import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { prelude } from './prelude.ts';

/** The addon's functions (native/lua/vm.c tells what each does). */
interface LuaAddon {
  init(host: (op: number, payload: Buffer) => unknown, memoryLimit: number): void;
  exec(code: string): string | undefined;
  define(name: string, chunk: Buffer | string, chunkName: string): string | undefined;
  run(name: string, keys: readonly Buffer[], args: readonly Buffer[], clientResp: number, mode: number, busyEvery: number, errorName: string): Buffer;
  callResp(): number;
  loadLibrary(code: Buffer | string): string;
  commitLibrary(prefix: string): void;
  forget(name: string): void;
  forgetAll(): void;
  memory(collect: boolean): number;
  acceptPending(fd: number): number;
  readable(fds: Int32Array): number;
}

const HOST_CALL = 1;
const HOST_PCALL = 2;
const HOST_LOG = 3;
const HOST_SHA1 = 4;
const HOST_BUSY = 5;

/** How a kept function is called: a script with KEYS and ARGV as globals, or a library function with them as arguments. */
export const RUN_SCRIPT = 0;
export const RUN_FUNCTION = 1;

/** What a running script asks of the server. */
export interface ScriptHost {
  /** redis.call or redis.pcall (the addon raises or returns an error reply itself): runs the command, its reply as RESP bytes in `resp` (2 or 3). */
  call(argv: Buffer[], argc: number, resp: number): Buffer;
  log(level: number, message: string): void;
  /** Asked every so many instructions: an error message stops the script, null lets it go on. */
  busy(): string | null;
}

export function sha1hex(bytes: Uint8Array | string): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/** The most memory a thread's Lua state may hold: past it the script fails with an error, the server goes on. */
const MEMORY_LIMIT = 1024 * 1024 * 1024;

export class LuaVm {
  private readonly addon: LuaAddon;
  private host: ScriptHost | null = null;
  private readonly argv: Buffer[] = [];

  constructor(addon: LuaAddon, redisVersion: string) {
    this.addon = addon;
    addon.init((op, payload) => this.serve(op, payload), MEMORY_LIMIT);
    const failure = addon.exec(prelude(redisVersion));
    if (failure !== undefined) throw new Error(`the Lua prelude failed: ${failure}`);
  }

  /** Compiles `chunk` and keeps it as `name`; the compile error's message, or undefined. */
  define(name: string, chunk: Buffer | string, chunkName: string): string | undefined {
    return this.addon.define(name, chunk, chunkName);
  }

  /** Runs kept function `name`; its result (or error) as RESP bytes for a client speaking `clientResp`. */
  run(name: string, keys: readonly Buffer[], args: readonly Buffer[], clientResp: number, mode: number, busyEvery: number, errorName: string, host: ScriptHost): Buffer {
    this.host = host;
    try {
      return this.addon.run(name, keys, args, clientResp, mode, busyEvery, errorName);
    } finally {
      this.host = null;
    }
  }

  /**
   * Runs a FUNCTION library's code: its functions' lines (name TAB flags TAB
   * description), kept aside until commitLibrary; or the error, as
   * { compile } or { register }.
   */
  loadLibrary(code: Buffer): { lines: string[] } | { compile: string } | { register: string } {
    const result = this.addon.loadLibrary(code);
    const text = result.slice(1);
    if (result[0] === 'C') return { compile: text };
    if (result[0] === 'R') return { register: text };
    return { lines: text.length === 0 ? [] : text.split('\n') };
  }

  /** Keeps the functions of the library just loaded, each as prefix + its name. */
  commitLibrary(prefix: string): void {
    this.addon.commitLibrary(prefix);
  }

  /** Whether a script is running on this thread now (a nested run is refused). */
  get running(): boolean {
    return this.host !== null;
  }

  forget(name: string): void {
    this.addon.forget(name);
  }

  forgetAll(): void {
    this.addon.forgetAll();
  }

  /** Bytes the Lua state holds; `collect`: after a full garbage collection (what its scripts keep alive, for INFO). */
  memory(collect = false): number {
    return this.addon.memory(collect);
  }

  /**
   * Accepts one connection waiting on listening socket `fd`, without the
   * event loop (a thread inside a busy script cannot run it): the new
   * connection's fd, or -1 when none waits.
   */
  acceptPending(fd: number): number {
    return this.addon.acceptPending(fd);
  }

  /** Which of `fds` have input waiting (poll, no wait): those entries kept, the others set to -1; how many are ready. */
  readable(fds: Int32Array): number {
    return this.addon.readable(fds);
  }


  private serve(op: number, payload: Buffer): unknown {
    const host = this.host;
    switch (op) {
      case HOST_CALL:
      case HOST_PCALL: {
        if (host === null) return Buffer.from('-ERR redis.call outside a script\r\n');
        const argc = payload.readUInt32LE(0);
        const argv = this.argv;
        let at = 4;
        for (let i = 0; i < argc; i++) {
          const length = payload.readUInt32LE(at);
          argv[i] = payload.subarray(at + 4, at + 4 + length);
          at += 4 + length;
        }
        return host.call(argv, argc, this.addon.callResp());
      }
      case HOST_LOG:
        host?.log(payload[0], payload.toString('utf8', 1));
        return undefined;
      case HOST_SHA1:
        return sha1hex(payload);
      case HOST_BUSY:
        return host?.busy() ?? undefined;
      default:
        return undefined;
    }
  }
}

let threadVm: LuaVm | null = null;
let loadError: string | null = null;

/** Whether a script runs on this thread now (commands it calls ask: SORT orders a set then, as Redis). */
export function scriptRunning(): boolean {
  return threadVm !== null && threadVm.running;
}

/** Bytes this thread's Lua state keeps alive, after a full collection (0 before any script ran): INFO's figure. */
export function vmMemory(): number {
  return threadVm === null ? 0 : threadVm.memory(true);
}

/** This thread's Lua state, made on first use; a string says why there is none (the addon was not built). */
export function luaVm(redisVersion: string): LuaVm | string {
  if (threadVm !== null) return threadVm;
  if (loadError !== null) return loadError;
  try {
    const addon = createRequire(import.meta.url)('../../build/lua-vm.node') as LuaAddon;
    threadVm = new LuaVm(addon, redisVersion);
    return threadVm;
  } catch (error) {
    loadError = `ERR scripting is unavailable: ${(error as Error).message.split('\n')[0]}`;
    return loadError;
  }
}
